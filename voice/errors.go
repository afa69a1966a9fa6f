package voice

import (
	"errors"
	"fmt"
)

var (
	// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown or Close.
	ErrServerClosed = errors.New("voice: server closed")
	// ErrHangup is wrapped by *HangupError.
	ErrHangup = errors.New("call hung up")
	// ErrConnectionLost: the socket to FreeSWITCH closed before the channel's hangup was seen.
	ErrConnectionLost = errors.New("connection to freeswitch lost")
	// ErrRefused: FreeSWITCH answered a command with -ERR.
	ErrRefused = errors.New("freeswitch refused the command")
	// ErrDetached: the call left the engine's control (transfer) and takes no more commands.
	ErrDetached = errors.New("call no longer under the engine's control")
	// ErrBadCommand: the command cannot be sent safely (bad application name, NUL byte...).
	ErrBadCommand = errors.New("invalid command")
)

// CauseConnectionLost is the hangup cause reported when the socket closed before
// FreeSWITCH said why the channel ended.
const CauseConnectionLost = "CONNECTION_LOST"

// HangupError reports that the channel went down while a command was pending or
// before it was sent.
type HangupError struct {
	Cause string // FreeSWITCH hangup cause, e.g. NORMAL_CLEARING
	Err   error  // ErrHangup, or ErrConnectionLost when the socket closed first
}

func (e *HangupError) Error() string {
	return fmt.Sprintf("%v (%s)", e.Err, e.Cause)
}

func (e *HangupError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrHangup) true for every HangupError.
func (e *HangupError) Is(target error) bool { return target == ErrHangup }

// RefusedError carries FreeSWITCH's -ERR reply.
type RefusedError struct {
	Command string
	Reply   string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%v: %s: %s", ErrRefused, e.Command, e.Reply)
}

func (e *RefusedError) Unwrap() error { return ErrRefused }
