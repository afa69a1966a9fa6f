package esl

import (
	"errors"
	"strconv"
	"strings"

	"github.com/percipia/eslgo/command"
)

// ErrBadCommand is returned for a command that cannot be sent safely.
var ErrBadCommand = errors.New("invalid esl command")

// maxHeaderArg is the longest application argument sent in the execute-app-arg
// header; longer ones, and any with a line break, go in the body.
const maxHeaderArg = 2048

// Plain commands, spelled by eslgo.
var (
	CmdConnect = []byte(command.Connect{}.BuildMessage() + "\n\n")
	CmdLinger  = []byte(command.Linger{Enabled: true}.BuildMessage() + "\n\n")
	CmdExit    = []byte(command.Exit{}.BuildMessage() + "\n\n")
	CmdEvents  = []byte("myevents\n\n") // eslgo's MyEvents adds a trailing space
)

// validToken reports whether s can stand as an application name or an event name.
func validToken(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == ':' || c >= 0x7f {
			return false
		}
	}
	return true
}

// AppendExecute appends a "sendmsg execute" frame with event-lock for app with arg,
// tagged with eventUUID (FreeSWITCH copies it into Application-UUID). The frame
// matches what FreeSWITCH's own clients send (see shared/esl-traces); an argument
// that is long or holds a line break travels in the body, never in a header.
func AppendExecute(dst []byte, app, arg, eventUUID string) ([]byte, error) {
	if !validToken(app) {
		return dst, errors.Join(ErrBadCommand, errors.New("application name "+strconv.Quote(truncate(app, 40))))
	}
	if !validToken(eventUUID) {
		return dst, errors.Join(ErrBadCommand, errors.New("event uuid"))
	}
	if strings.IndexByte(arg, 0) >= 0 {
		return dst, errors.Join(ErrBadCommand, errors.New("argument holds a NUL byte"))
	}
	dst = append(dst, "sendmsg\ncall-command: execute\nexecute-app-name: "...)
	dst = append(dst, app...)
	inBody := len(arg) > maxHeaderArg || strings.ContainsAny(arg, "\r\n")
	if arg != "" && !inBody {
		dst = append(dst, "\nexecute-app-arg: "...)
		dst = append(dst, arg...)
	}
	dst = append(dst, "\nevent-lock: true\nEvent-UUID: "...)
	dst = append(dst, eventUUID...)
	if inBody {
		dst = append(dst, "\ncontent-type: text/plain\ncontent-length: "...)
		dst = strconv.AppendInt(dst, int64(len(arg)), 10)
		dst = append(dst, "\n\n"...)
		dst = append(dst, arg...)
		return dst, nil
	}
	return append(dst, "\n\n"...), nil
}

// AppendHangup appends a "sendmsg hangup" frame with the given cause.
func AppendHangup(dst []byte, cause string) ([]byte, error) {
	if cause == "" {
		return append(dst, "sendmsg\ncall-command: hangup\n\n"...), nil
	}
	if !validToken(cause) {
		return dst, errors.Join(ErrBadCommand, errors.New("hangup cause "+strconv.Quote(truncate(cause, 40))))
	}
	dst = append(dst, "sendmsg\ncall-command: hangup\nhangup-cause: "...)
	dst = append(dst, cause...)
	return append(dst, "\n\n"...), nil
}

// AppendAPI appends an "api" command. The command must be one line.
func AppendAPI(dst []byte, cmd string) ([]byte, error) {
	cmd = strings.TrimSpace(cmd)
	if cmd == "" || strings.ContainsAny(cmd, "\r\n\x00") {
		return dst, errors.Join(ErrBadCommand, errors.New("api command must be one non-empty line"))
	}
	dst = append(dst, "api "...)
	dst = append(dst, cmd...)
	return append(dst, "\n\n"...), nil
}

// AppendEventSubscribe appends "event plain NAME..." (needed for CUSTOM and
// BACKGROUND_JOB events, which myevents does not bring).
func AppendEventSubscribe(dst []byte, names ...string) ([]byte, error) {
	dst = append(dst, "event plain"...)
	for _, n := range names {
		if !validToken(n) {
			return dst, errors.Join(ErrBadCommand, errors.New("event name "+strconv.Quote(truncate(n, 40))))
		}
		dst = append(dst, ' ')
		dst = append(dst, n...)
	}
	return append(dst, "\n\n"...), nil
}
