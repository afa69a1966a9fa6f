package jsbridge

import "time"

// Outcomes of a script run, as Observer.RunEnded reports them.
const (
	OutcomeOK     = "ok"     // main settled normally
	OutcomeHangup = "hangup" // the caller hung up under the script (HangupError)
	OutcomeError  = "error"  // main threw or rejected, or a callback threw
	OutcomeLimit  = "limit"  // a limit stopped the script
	OutcomeFailed = "failed" // the script could not start (not found, compile error, no entry)
)

// Observer receives what a metrics system wants to count. Its methods are called
// from many goroutines at once and must not block. A nil Observer is allowed.
type Observer interface {
	// RunStarted: a call began running script.
	RunStarted(script string)
	// RunEnded: the call's script is over, with one of the Outcome values.
	RunEnded(script, outcome string, took time.Duration)
	// ScriptError: kind is "not-found", "compile", "entry", "runtime", "uncaught" or "unhandled-rejection".
	ScriptError(script, kind string)
	// LimitHit: one of the Limit names.
	LimitHit(script, limit string)
	// LoopLag: how long a settlement waited between being queued and running on the
	// call's event loop.
	LoopLag(d time.Duration)
}

type nopObserver struct{}

func (nopObserver) RunStarted(string)                      {}
func (nopObserver) RunEnded(string, string, time.Duration) {}
func (nopObserver) ScriptError(string, string)             {}
func (nopObserver) LimitHit(string, string)                {}
func (nopObserver) LoopLag(time.Duration)                  {}
