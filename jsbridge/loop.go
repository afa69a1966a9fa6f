package jsbridge

import (
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja_nodejs/eventloop"
)

// callLoop is one call's event loop and the bookkeeping of its reservations.
//
// The loop is held open from the start by one Go-side timer that outlasts the run's
// own time limit (so it never fires), and
// the engine stops it itself once no reservation is open at the end of a stretch of
// JS: every piece of work that must keep a script alive (a FreeSWITCH command, a
// timer, a kv or http operation, a waitFor) is a reservation. This costs one small
// Go timer per call, where a JavaScript timer handle set and cleared by the loop's
// own setTimeout held a wrapped Go object and two function objects for as long as
// the call waited.
//
// Fields are touched only on the loop's goroutine, except where noted.
type callLoop struct {
	loop *eventloop.EventLoop

	pending int          // open reservations
	stopped bool         // the loop was told to stop: work that arrives after that is dropped
	onBug   func(string) // reports a broken settle-once contract
	wrap    func(func()) // runs a settlement (times it for the CPU budget)
	lag     func(time.Duration)
}

// hold keeps the loop from ending on its own for d. Call it before the loop runs,
// with a d past the run's time limit (the limit stops the loop first).
func (l *callLoop) hold(d time.Duration) {
	l.loop.SetTimeout(func(*goja.Runtime) {}, d)
}

// stopIfIdle stops the loop when no reservation is open: nothing is left that
// could run the script again. It runs on the loop at the end of a stretch.
func (l *callLoop) stopIfIdle() {
	if l.pending == 0 && !l.stopped {
		l.stopped = true
		l.loop.StopNoWait()
	}
}

// reserve opens a reservation; it must be called on the loop. The returned settle
// function may be called from any goroutine and must be called exactly once: it
// runs fn on the loop and closes the reservation. While any reservation is open the
// loop keeps running.
func (l *callLoop) reserve() (settle func(fn func())) {
	l.pending++
	var once atomic.Bool
	return func(fn func()) {
		if !once.CompareAndSwap(false, true) {
			if l.onBug != nil {
				l.onBug("a reservation was settled twice")
			}
			return
		}
		queued := time.Now()
		l.loop.RunOnLoop(func(*goja.Runtime) {
			if l.stopped {
				return
			}
			if l.lag != nil {
				l.lag(time.Since(queued))
			}
			if fn != nil {
				l.wrap(fn)
			}
			l.pending--
			l.stopIfIdle()
		})
	}
}
