package jsbridge

import (
	"time"

	"github.com/dop251/goja"
)

// minInterval floors setInterval's period: an interval of 0 would otherwise keep the
// loop busy.
const minInterval = 10 * time.Millisecond

// maxTimerDelay is the longest delay a timer may ask for (as in Node, 2^31-1 ms; a
// longer one is taken as 1 ms).
const maxTimerDelay = 1<<31 - 1

// scriptTimer is one live setTimeout, setInterval or setImmediate of the script.
//
// A timer is a reservation on the call's loop (see callLoop.reserve): the loop stays
// alive while it is live, and its settlement, exactly once, releases it. A timeout
// settles when it fires (running the callback) or when it is cleared before that; an
// interval posts each tick to the loop and settles when it is cleared or the script
// ends. Timers run on the engine's Clock (the wall clock but in `callforge test`),
// whose callbacks fire on their own goroutine; everything else is on the loop.
type scriptTimer struct {
	id      int64
	fn      goja.Callable
	args    []goja.Value
	every   time.Duration // setInterval's period; 0 for a timeout or an immediate
	stop    func() bool   // cancels the pending Clock callback; nil for an immediate
	settle  func(func())
	cleared bool // loop only
	what    string
}

// timerFuncs are the script's timer globals. Handles are numbers, as in browsers:
// clearTimeout and clearInterval take the number.
var timerFuncs = map[string]func(r *run, fc goja.FunctionCall) goja.Value{
	"setTimeout":     func(r *run, fc goja.FunctionCall) goja.Value { return r.setTimer(fc, "setTimeout", 2) },
	"setInterval":    func(r *run, fc goja.FunctionCall) goja.Value { return r.setTimer(fc, "setInterval", 2) },
	"setImmediate":   func(r *run, fc goja.FunctionCall) goja.Value { return r.setTimer(fc, "setImmediate", 1) },
	"clearTimeout":   func(r *run, fc goja.FunctionCall) goja.Value { return r.clearTimer(fc) },
	"clearInterval":  func(r *run, fc goja.FunctionCall) goja.Value { return r.clearTimer(fc) },
	"clearImmediate": func(r *run, fc goja.FunctionCall) goja.Value { return r.clearTimer(fc) },
}

// setTimer starts a timer; rest is the index of the first argument passed on to
// the callback. It runs on the loop.
func (r *run) setTimer(fc goja.FunctionCall, what string, rest int) goja.Value {
	fn, ok := goja.AssertFunction(fc.Argument(0))
	if !ok {
		panic(r.errs.make("TypeError", CodeInvalid, what+": the callback must be a function"))
	}
	if len(r.timers) >= r.limits.Timers {
		r.log.Error().Str("limit", LimitTimers).Int("timers", len(r.timers)).Msg("script limit hit: too many live timers")
		panic(r.errs.make("RangeError", CodeLimit, what+": more than "+itoa(r.limits.Timers)+" live timers"))
	}
	r.timerSeq++
	t := &scriptTimer{id: r.timerSeq, fn: fn, what: what, settle: r.loop.reserve()}
	if len(fc.Arguments) > rest {
		t.args = append([]goja.Value(nil), fc.Arguments[rest:]...)
	}
	if r.timers == nil {
		r.timers = make(map[int64]*scriptTimer)
	}
	r.timers[t.id] = t
	if what == "setImmediate" {
		t.settle(func() { r.fireTimer(t) })
		return r.vm.ToValue(t.id)
	}
	d := timerDelay(fc.Argument(1))
	if what == "setInterval" {
		t.every = max(d, minInterval)
		r.armTick(t)
	} else {
		t.stop = r.e.cfg.Clock.AfterFunc(d, func() { t.settle(func() { r.fireTimer(t) }) })
	}
	return r.vm.ToValue(t.id)
}

// armTick schedules an interval's next tick. It runs on the loop.
func (r *run) armTick(t *scriptTimer) {
	t.stop = r.e.cfg.Clock.AfterFunc(t.every, func() { r.onLoop(func() { r.tick(t) }) })
}

// timerDelay reads a delay argument in milliseconds the way Node does: not a
// number, negative or past 2^31-1 means (almost) at once.
func timerDelay(v goja.Value) time.Duration {
	ms := v.ToInteger()
	if ms < 0 || ms > maxTimerDelay {
		ms = 0
	}
	return time.Duration(ms) * time.Millisecond
}

// fireTimer runs a timeout's or an immediate's callback, on the loop, unless it was
// cleared first.
func (r *run) fireTimer(t *scriptTimer) {
	if t.cleared {
		return
	}
	t.cleared = true
	delete(r.timers, t.id)
	r.callTimer(t)
}

// tick runs one period of an interval, on the loop, and arms the next one.
func (r *run) tick(t *scriptTimer) {
	if t.cleared {
		return
	}
	r.callTimer(t)
	if !t.cleared && r.limitHit.Load() == nil {
		r.armTick(t)
	}
}

func (r *run) callTimer(t *scriptTimer) {
	if _, err := t.fn(goja.Undefined(), t.args...); err != nil {
		r.uncaught(t.what+" callback", err)
	}
}

// clearTimer cancels a timer by its handle; an unknown handle is ignored, as in Node.
func (r *run) clearTimer(fc goja.FunctionCall) goja.Value {
	h := fc.Argument(0)
	if goja.IsUndefined(h) || goja.IsNull(h) {
		return goja.Undefined()
	}
	if t, ok := r.timers[h.ToInteger()]; ok {
		r.cancelTimer(t)
	}
	return goja.Undefined()
}

// cancelTimer clears t on the loop and settles its reservation once: an interval
// or a timeout whose Go timer had not fired yet settles here; a timeout that had
// fired already settles through its own pending job (which finds it cleared).
func (r *run) cancelTimer(t *scriptTimer) {
	if t.cleared {
		return
	}
	t.cleared = true
	delete(r.timers, t.id)
	switch {
	case t.every > 0:
		t.stop()
		t.settle(nil)
	case t.stop != nil && t.stop():
		t.settle(nil)
	}
}

// stopTimers cancels every live timer's Clock callback once the loop has ended,
// so none fires (or holds memory) after the script.
func (r *run) stopTimers() {
	for id, t := range r.timers {
		t.cleared = true
		if t.stop != nil {
			t.stop()
		}
		delete(r.timers, id)
	}
}
