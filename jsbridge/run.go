package jsbridge

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja_nodejs/eventloop"
	"github.com/dop251/goja_nodejs/require"
	"github.com/rs/zerolog"

	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/voice"
)

// run is one script running on one call. Everything but the fields marked otherwise
// belongs to the loop's goroutine.
type run struct {
	e    *Engine
	call *voice.Call
	sc   *script.Script
	log  zerolog.Logger

	loop callLoop
	vm   *goja.Runtime
	errs *jsErrors

	promiseResolve goja.Callable // Promise.resolve, captured before the script runs
	promiseCtor    goja.Value
	mainPromise    *goja.Promise          // main's promise until it settles
	core           *require.RequireModule // goja_nodejs's require, once a core module is needed

	mainSettled bool
	mainFailed  bool
	down        bool // the loop has seen the hangup
	cause       string

	inflight  []*inflightCmd // FreeSWITCH commands issued and not yet settled, in order
	warnedAt  map[string]bool
	dtmf      dtmfState
	handlers  map[string][]goja.Callable // ctx.on handlers by event name
	ivrDepth  int
	ivrSeq    int
	unhandled []*rejection // rejected promises nobody handled (yet)
	ended     bool         // the error path has run

	graceMu    sync.Mutex // guards graceTimer (set from the event goroutine)
	graceTimer *time.Timer

	events eventFilter // names forwarded from the event goroutine (read there too)

	limits      Limits
	policy      *sandboxPolicy
	busy        busyClock
	cpuTimer    *time.Timer // loop goroutine only
	limitHit    atomic.Pointer[limitInfo]
	timers      map[int64]*scriptTimer // live timers by handle (nil until the first)
	maxDur      *time.Timer            // the call\'s duration limit (a job\'s budget)
	unsubscribe func()                 // ends the call\'s event subscription
	timerSeq    int64
	modules     map[string]goja.Value // require cache of this call (nil value: loading)
	outcome     string
	obs         Observer
	job         *jobState                    // set for a run outside a call (see RunJob)
	vmRef       atomic.Pointer[goja.Runtime] // r.vm for other goroutines (the watchdogs)
}

type inflightCmd struct {
	what   string
	frame  goja.StackFrame // where the script issued it; formatted only for a warning
	warned bool
}

// pos returns "file:line:col" of where the command was issued.
func (c *inflightCmd) pos() string { return framePos(c.frame) }

func newRun(e *Engine, call *voice.Call, sc *script.Script, log zerolog.Logger) *run {
	return &run{e: e, call: call, sc: sc, log: log, warnedAt: map[string]bool{}, handlers: map[string][]goja.Callable{},
		limits: e.cfg.Limits, policy: e.policy,
		modules: map[string]goja.Value{}, obs: e.cfg.Observer, outcome: OutcomeOK}
}

// execute runs the script to its end on the calling goroutine.
//
// The goroutine waits inside loop.Run for as long as the call lasts, with execute's
// frame under it: set-up and tear-down are separate functions so that frame stays
// small and a parked call's goroutine fits a 4 KiB stack (see docs/performance.md).
func (r *run) execute() {
	began := time.Now()
	r.obs.RunStarted(r.sc.Name)
	defer r.finished(began)
	r.setUp()
	r.runLoop()
	r.tearDown()
}

// setUp makes the call's loop and arms the limits and the event subscription.
func (r *run) setUp() {
	loop := eventloop.NewEventLoop(eventloop.EnableConsole(false), eventloop.WithRegistry(r.e.registry))
	r.loop.loop = loop
	r.loop.wrap = r.guarded
	r.loop.lag = r.obs.LoopLag
	r.loop.onBug = func(msg string) { r.log.Error().Msg("engine bug: " + msg) }
	r.e.heap.register(r)
	limit := r.limits.CallDuration
	if r.job != nil {
		limit = r.job.budget
		r.maxDur = time.AfterFunc(limit, func() {
			r.hitLimit(LimitBudget, "the script ran past its time budget")
		})
	} else {
		r.maxDur = time.AfterFunc(limit, func() {
			r.hitLimit(LimitDuration, "the call reached its maximum duration")
		})
	}
	r.loop.hold(limit + time.Minute)
	if r.call != nil {
		r.unsubscribe = r.call.Subscribe(r.onEvent)
		r.call.OnHangup(func(cause string) { r.onLoop(func() { r.onHangup(cause) }) })
	}
}

// runLoop runs the script's loop until it ends; a panic inside is logged and fails
// the script.
func (r *run) runLoop() {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error().Interface("panic", p).Bytes("stack", debug.Stack()).Msg("script runtime panicked")
			r.mainFailed = true
		}
	}()
	r.loop.loop.Run(r.start)
}

// finished runs last, whatever happened.
func (r *run) finished(began time.Time) {
	r.maxDur.Stop()
	r.e.heap.unregister(r)
	r.obs.RunEnded(r.sc.Name, r.outcome, time.Since(began))
}

// tearDown stops what the run started, reports how the script ended and, if it
// failed with the channel still up, ends the call the error way.
func (r *run) tearDown() {
	if r.unsubscribe != nil {
		r.unsubscribe()
	}
	r.stopTimers()
	if r.cpuTimer != nil {
		r.cpuTimer.Stop()
	}
	r.graceMu.Lock()
	if r.graceTimer != nil {
		r.graceTimer.Stop()
	}
	r.graceMu.Unlock()
	r.loop.loop.Terminate()

	if li := r.limitHit.Load(); li != nil {
		r.outcome = OutcomeLimit
		r.obs.LimitHit(r.sc.Name, li.name)
		r.mainFailed = true
		r.mainSettled = true
		r.warnInflight("the " + li.name + " limit ended the script while")
	}
	if !r.mainSettled {
		r.mainFailed = true
		r.log.Error().Msg("main never settled: it waits on a promise that nothing is left to settle")
		r.setError("runtime")
	}
	for _, rj := range r.unhandled {
		r.logUnhandled(rj)
		if !rj.hangup {
			r.obs.ScriptError(r.sc.Name, "unhandled-rejection")
		}
	}
	if r.job != nil {
		r.job.finish(r)
		return
	}
	if r.mainFailed && r.call.Up() && !r.call.Detached() {
		r.e.failCall(r.call, &r.log)
	}
}

// start runs on the loop: builds the globals, data and ctx, and calls main.
func (r *run) start(vm *goja.Runtime) {
	r.vm = vm
	r.vmRef.Store(vm)
	defer r.loop.stopIfIdle() // nothing reserved: the script has nothing left to wait for
	if r.limitHit.Load() != nil {
		return // a limit (the budget) passed before the script even started
	}
	vm.SetMaxCallStackSize(r.limits.StackDepth)
	if _, wall := r.e.cfg.Clock.(wallClock); !wall {
		vm.SetTimeSource(r.e.cfg.Clock.Now) // Date reads the engine's clock
	}
	r.enter()
	defer r.exit()
	r.errs = &jsErrors{vm: vm}
	r.promiseCtor = vm.Get("Promise")
	r.promiseResolve, _ = goja.AssertFunction(r.promiseCtor.ToObject(vm).Get("resolve"))
	defer r.checkUnhandled()
	vm.SetPromiseRejectionTracker(r.trackRejection)
	req := r.requireFn(r.sc.Name)
	r.installGlobals(vm, req)
	var args []goja.Value
	var main goja.Callable
	var err error
	if r.job != nil {
		args = []goja.Value{r.job.arg(vm)}
		main, err = r.job.entry(r, vm, req)
	} else {
		args = []goja.Value{r.buildData(vm), r.buildCtx(vm)}
		main, err = r.sc.Entry(vm, req)
	}
	if err != nil {
		r.outcome = OutcomeFailed
		r.obs.ScriptError(r.sc.Name, "entry")
		r.failed("script could not start", err)
		return
	}
	ret, err := main(goja.Undefined(), args...)
	if err != nil {
		r.failed("main threw", err)
		return
	}
	p, err := r.promiseResolve(r.promiseCtor, ret)
	if err != nil {
		r.failed("main returned an unusable value", err)
		return
	}
	mp, ok := p.Export().(*goja.Promise)
	if !ok {
		r.failed("main returned an unusable value", fmt.Errorf("promise resolution gave %s", p.String()))
		return
	}
	r.mainPromise = mp
	r.checkMain()
}

// checkMain looks whether main's promise has settled. It runs at the end of every
// stretch of JS (start, guarded), which is the only place it can have settled:
// polling the promise's state costs nothing, where a `.then` would hold two
// function objects and a derived promise for the whole call.
func (r *run) checkMain() {
	mp := r.mainPromise
	if mp == nil {
		return
	}
	switch mp.State() {
	case goja.PromiseStateFulfilled:
		r.mainPromise = nil
		if r.job != nil {
			r.job.resolved(r, mp.Result())
		}
		r.mainDone()
	case goja.PromiseStateRejected:
		r.mainPromise = nil
		// main's rejection is reported as main's, never as an unhandled rejection.
		for i, rj := range r.unhandled {
			if rj.p == mp {
				r.unhandled = append(r.unhandled[:i], r.unhandled[i+1:]...)
				break
			}
		}
		r.failedValue("main rejected", mp.Result())
	}
}

// mainDone: main resolved. A call still up is hung up (NORMAL_CLEARING).
func (r *run) mainDone() {
	r.mainSettled = true
	r.warnInflight("main returned while")
	if r.job != nil {
		r.loop.loop.StopNoWait() // a job is over when its function settles
		return
	}
	if r.call.Up() && !r.call.Detached() {
		settle := r.loop.reserve()
		r.call.Hangup("NORMAL_CLEARING", func(error) { settle(nil) })
	}
	r.armGrace()
}

// failed: main (or the module) threw a Go-side error.
func (r *run) failed(what string, err error) {
	r.mainSettled, r.mainFailed = true, true
	if r.limitHit.Load() != nil {
		return // the limit is reported and handled once, by execute
	}
	ev := r.log.Error()
	if r.job != nil {
		r.job.threw(r, err)
	}
	if ex, ok := err.(*goja.Exception); ok {
		name, desc, stack := r.inspect(ex.Value())
		ev = ev.Str("error", desc).Str("stack", stack)
		if r.isHangup(name) && r.job == nil {
			r.outcome = OutcomeHangup
			r.mainFailed = false // the call ended under the script: not the script's fault
			r.log.Info().Str("error", desc).Msg(what + " after the caller hung up")
			r.armGrace()
			return
		}
		if r.refusalAnswer(ex.Value(), desc, what) {
			return
		}
	} else {
		ev = ev.Err(err)
	}
	ev.Msg(what)
	if r.outcome == OutcomeOK {
		r.setError("runtime")
	}
	r.errorPath()
}

// refusalAnswer handles a job's rejection that is its answer (see
// Job.RejectionIsAnswer): a routing script refuses a call with [604, 'reason'] or
// Error('603 ...'), which is not a fault. It reports whether it did.
func (r *run) refusalAnswer(v goja.Value, desc, what string) bool {
	if r.job == nil || !r.job.j.RejectionIsAnswer || (isErrorObject(v) && !sipCoded(desc)) {
		return false
	}
	r.mainFailed = false
	r.log.Info().Str("answer", desc).Msg("the script refused: " + what)
	r.errorPath()
	return true
}

// setError records a script error of kind for the observer.
func (r *run) setError(kind string) {
	r.outcome = OutcomeError
	r.obs.ScriptError(r.sc.Name, kind)
}

// failedValue: main's promise rejected with v.
func (r *run) failedValue(what string, v goja.Value) {
	r.mainSettled, r.mainFailed = true, true
	if r.limitHit.Load() != nil {
		return
	}
	if r.job != nil {
		r.job.rejected(r, v)
	}
	name, desc, stack := r.inspect(v)
	if r.refusalAnswer(v, desc, what) {
		return
	}
	if r.isHangup(name) {
		r.outcome = OutcomeHangup
		r.mainFailed = false
		r.log.Info().Str("error", desc).Msg(what + " after the caller hung up")
		r.armGrace()
		return
	}
	r.log.Error().Str("error", desc).Str("stack", stack).Msg(what)
	r.setError("runtime")
	r.errorPath()
}

func (r *run) errorPath() {
	r.ended = true
	r.warnInflight("main failed while")
	if r.job != nil {
		r.mainFailed = false
		r.loop.loop.StopNoWait()
		return
	}
	if r.call.Up() && !r.call.Detached() {
		settle := r.loop.reserve()
		r.e.errorPath(r.call, &r.log, func() { settle(nil) })
	}
	r.mainFailed = false // handled here; execute must not do it again
	r.armGrace()
}

// armGrace bounds the life of leftover timers once main has settled and the call is down.
func (r *run) armGrace() {
	loop := r.loop.loop
	grace := r.e.cfg.AfterHangupGrace
	r.call.OnHangup(func(string) {
		r.graceMu.Lock()
		defer r.graceMu.Unlock()
		if r.graceTimer == nil {
			r.graceTimer = time.AfterFunc(grace, loop.StopNoWait)
		}
	})
}

// onHangup runs on the loop when the channel is down.
func (r *run) onHangup(cause string) {
	r.down, r.cause = true, cause
	r.dtmf.hangup(r, cause)
	for _, h := range r.handlers["hangup"] {
		r.callHandler("hangup", h, r.vm.ToValue(cause))
	}
}

// trackRejection keeps rejected promises without handlers, to report the ones that
// stay unhandled.
func (r *run) trackRejection(p *goja.Promise, op goja.PromiseRejectionOperation) {
	switch op {
	case goja.PromiseRejectionReject:
		r.unhandled = append(r.unhandled, &rejection{p: p})
	case goja.PromiseRejectionHandle:
		for i, x := range r.unhandled {
			if x.p == p {
				r.unhandled = append(r.unhandled[:i], r.unhandled[i+1:]...)
				return
			}
		}
	}
}

// rejection is a rejected promise without a handler. It is read (inspected) once,
// inside the stretch that rejected it, so the script's getters run under the CPU
// budget and never again.
type rejection struct {
	p           *goja.Promise
	checked     bool
	hangup      bool // a HangupError: a command that was not awaited when the call ended
	desc, stack string
}

// checkUnhandled runs at the end of each stretch of JS: like Node, a rejection that
// is still unhandled once the stretch (and its microtasks) is over ends the call the
// error way. HangupErrors of commands that were not awaited are only warned about,
// when the run ends.
func (r *run) checkUnhandled() {
	if r.limitHit.Load() != nil || len(r.unhandled) == 0 {
		return
	}
	var fatal []*rejection
	kept := r.unhandled[:0]
	for _, rj := range r.unhandled {
		if !rj.checked {
			rj.checked = true
			var name string
			name, rj.desc, rj.stack = r.inspect(rj.p.Result())
			rj.hangup = r.isHangup(name)
		}
		if rj.hangup {
			kept = append(kept, rj)
			continue
		}
		fatal = append(fatal, rj)
	}
	r.unhandled = kept
	if len(fatal) == 0 {
		return
	}
	for _, rj := range fatal {
		r.log.Error().Str("error", rj.desc).Str("stack", rj.stack).Msg("unhandled promise rejection: ending the call")
		r.obs.ScriptError(r.sc.Name, "unhandled-rejection")
	}
	if r.ended {
		return // the call is already on its way out
	}
	if r.outcome == OutcomeOK {
		r.outcome = OutcomeError
	}
	r.mainSettled = true
	r.errorPath()
	r.loop.loop.StopNoWait()
}

func (r *run) logUnhandled(rj *rejection) {
	switch {
	case !rj.checked:
		r.log.Warn().Msg("unhandled promise rejection (not inspected: the script was stopped)")
	case rj.hangup:
		r.log.Warn().Str("error", rj.desc).Msg("a command that was not awaited ended with the hang-up")
	default:
		r.log.Warn().Str("error", rj.desc).Str("stack", rj.stack).Msg("unhandled promise rejection")
	}
}

// isHangup reports whether a thrown value named name is the call's hang-up: only
// when the channel really is down, so a script cannot fake one to make the engine
// let go of a live call.
func (r *run) isHangup(name string) bool {
	return name == "HangupError" && !r.call.Up()
}

// inspect reads a thrown value's name, description and stack for the log without
// letting the script's getters, toString or toJSON throw into the engine (an
// uncatchable interrupt still propagates).
func (r *run) inspect(v goja.Value) (name, desc, stack string) {
	if ex := r.vm.Try(func() { name, desc, stack = nameOf(v), describe(v), stackOf(v) }); ex != nil {
		return "", "unprintable value thrown (reading its properties threw)", ""
	}
	return name, desc, stack
}

// newPromise is vm.NewPromise whose resolve and reject do not drop an uncatchable
// error out of the promise jobs they run (a stack overflow): it ends the call the
// error way.
func (r *run) newPromise() (*goja.Promise, func(any) error, func(any) error) {
	p, resolve, reject := r.vm.NewPromise()
	wrap := func(f func(any) error) func(any) error {
		return func(v any) error {
			err := f(v)
			if err != nil {
				r.aborted("promise job", err)
			}
			return err
		}
	}
	return p, wrap(resolve), wrap(reject)
}

// aborted handles an uncatchable error out of the runtime; a limit's interrupt is
// handled by execute, a stack overflow ends the call here.
func (r *run) aborted(where string, err error) {
	var so *goja.StackOverflowError
	if !errors.As(err, &so) {
		r.uncaught(where, err)
		return
	}
	if r.limitHit.Load() != nil || r.ended {
		return
	}
	r.log.Error().Str("where", where).Int("stack_depth", r.limits.StackDepth).
		Str("error", "RangeError: maximum call stack size exceeded").Str("stack", err.Error()).
		Msg("script stopped: the call stack passed its depth cap")
	r.setError("uncaught")
	r.mainSettled = true
	r.errorPath()
	r.loop.loop.StopNoWait()
}

// callHandler calls a script's event handler; a throw is logged, not fatal.
func (r *run) callHandler(event string, fn goja.Callable, args ...goja.Value) {
	if _, err := fn(goja.Undefined(), args...); err != nil {
		ev := r.log.Error().Str("event", event)
		if ex, ok := err.(*goja.Exception); ok {
			_, desc, stack := r.inspect(ex.Value())
			ev = ev.Str("error", desc).Str("stack", stack)
		} else {
			ev = ev.Err(err)
		}
		ev.Msg("ctx.on handler threw")
	}
}

// scriptPos returns "file:line:col" of the innermost script frame calling into Go.
func (r *run) scriptPos() string { return framePos(r.scriptFrame()) }

// scriptFrame returns the innermost script frame calling into Go (zero if none).
func (r *run) scriptFrame() goja.StackFrame {
	var buf [8]goja.StackFrame
	for _, f := range r.vm.CaptureCallStack(8, buf[:0]) {
		if f.SrcName() == "" || strings.HasPrefix(f.SrcName(), "<") {
			continue
		}
		return f
	}
	return goja.StackFrame{}
}

func framePos(f goja.StackFrame) string {
	if f.SrcName() == "" {
		return "?"
	}
	p := f.Position()
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
}

// noteCommand records a FreeSWITCH command; a command issued while an earlier one
// is still running means the earlier one was not awaited: warn once per place.
func (r *run) noteCommand(what string) *inflightCmd {
	c := &inflightCmd{what: what, frame: r.scriptFrame()}
	for _, prev := range r.inflight {
		if prev.warned || r.warnedAt[prev.pos()] {
			continue
		}
		prev.warned = true
		r.warnedAt[prev.pos()] = true
		r.log.Warn().Str("at", prev.pos()).Str("next", c.what+" at "+c.pos()).
			Msgf("%s was not awaited: it still runs, in order, before what follows", prev.what)
	}
	r.inflight = append(r.inflight, c)
	return c
}

func (r *run) doneCommand(c *inflightCmd) {
	for i, x := range r.inflight {
		if x == c {
			r.inflight = append(r.inflight[:i], r.inflight[i+1:]...)
			return
		}
	}
}

func (r *run) warnInflight(when string) {
	for _, c := range r.inflight {
		if c.warned || r.warnedAt[c.pos()] {
			continue
		}
		c.warned = true
		r.warnedAt[c.pos()] = true
		r.log.Warn().Str("at", c.pos()).Msgf("%s %s was still running: it was not awaited", when, c.what)
	}
}

// nameOf returns v.name for an object, else "".
func nameOf(v goja.Value) string {
	if o, ok := v.(*goja.Object); ok {
		if n := o.Get("name"); n != nil && !goja.IsUndefined(n) {
			return n.String()
		}
	}
	return ""
}

func describe(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) {
		return "undefined"
	}
	if o, ok := v.(*goja.Object); ok {
		if m := o.Get("message"); m != nil && !goja.IsUndefined(m) {
			if n := nameOf(v); n != "" {
				return n + ": " + m.String()
			}
			return m.String()
		}
		if b, err := o.MarshalJSON(); err == nil {
			return "non-Error value thrown: " + string(b)
		}
	}
	return "non-Error value thrown: " + v.String()
}

func stackOf(v goja.Value) string {
	if o, ok := v.(*goja.Object); ok {
		if s := o.Get("stack"); s != nil && !goja.IsUndefined(s) {
			return s.String()
		}
	}
	return ""
}

// onLoop runs fn on the call's loop as a timed JS stretch.
func (r *run) onLoop(fn func()) {
	queued := time.Now()
	r.loop.loop.RunOnLoop(func(*goja.Runtime) {
		if r.loop.stopped {
			return // the script had nothing left to wait for: the loop is ending
		}
		r.obs.LoopLag(time.Since(queued))
		r.guarded(fn)
	})
}

// guarded runs fn (on the loop) as a timed JS stretch, unless a limit already
// stopped the script.
func (r *run) guarded(fn func()) {
	if r.limitHit.Load() != nil {
		return
	}
	r.enter()
	defer r.exit()
	fn()
	r.checkMain()
	r.checkUnhandled()
}
