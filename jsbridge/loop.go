package jsbridge

import (
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja_nodejs/eventloop"
)

// keepaliveMs is the delay of the timer that holds the loop open while Go work is
// pending (about 24 days: it is always cleared long before).
const keepaliveMs = 1 << 31

// callLoop is one call's event loop and the bookkeeping of its reservations.
// Fields are touched only on the loop's goroutine, except where noted.
type callLoop struct {
	loop *eventloop.EventLoop
	vm   *goja.Runtime

	pending   int        // open reservations
	keepalive goja.Value // timer that keeps the loop alive while pending > 0
	setTimer  goja.Callable
	clearTmr  goja.Callable
	noop      goja.Value
	onBug     func(string) // reports a broken settle-once contract
	wrap      func(func()) // runs a settlement (times it for the CPU budget)
	lag       func(time.Duration)
}

// init captures the loop's own timer functions before the script can replace them.
func (l *callLoop) init(vm *goja.Runtime) {
	l.vm = vm
	l.setTimer, _ = goja.AssertFunction(vm.Get("setTimeout"))
	l.clearTmr, _ = goja.AssertFunction(vm.Get("clearTimeout"))
	l.noop = vm.ToValue(func(goja.FunctionCall) goja.Value { return goja.Undefined() })
}

// reserve opens a reservation; it must be called on the loop. The returned settle
// function may be called from any goroutine and must be called exactly once: it
// runs fn on the loop and closes the reservation. While any reservation is open the
// loop keeps running.
func (l *callLoop) reserve() (settle func(fn func())) {
	l.pending++
	if l.pending == 1 {
		// Calling the loop's setTimeout on the loop counts the job at once, so the loop
		// cannot end between this reservation and its settlement.
		l.keepalive, _ = l.setTimer(goja.Undefined(), l.noop, l.vm.ToValue(keepaliveMs))
	}
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
			if l.lag != nil {
				l.lag(time.Since(queued))
			}
			defer l.release()
			if fn != nil {
				l.wrap(fn)
			}
		})
	}
}

func (l *callLoop) release() {
	l.pending--
	if l.pending == 0 && l.keepalive != nil {
		_, _ = l.clearTmr(goja.Undefined(), l.keepalive)
		l.keepalive = nil
	}
}
