package jsbridge

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"

	"github.com/callforge/callforge/voice"
)

// dtmfState holds the call's DTMF as the script sees it. Loop goroutine only.
type dtmfState struct {
	typeAhead string // digits received and not yet consumed by a waitFor match
	blockAll  bool
	blocked   string // digits dropped before the script sees them
	waiters   []*dtmfWaiter
}

// dtmfWaiter is one pending ctx.waitFor.
type dtmfWaiter struct {
	match, fail matcher
	digits      string
	done        bool
	stopTimer   func() bool // cancels the timeout
	settle      func(func())
	resolve     func(any) error
	reject      func(any) error
}

// matcher tests the digits collected so far: a string matches when they end with it,
// a RegExp when it matches them, a function when it returns truthy.
type matcher struct {
	str   string
	regex goja.Value // RegExp object: its test method is called
	fn    goja.Callable
	set   bool
}

func (r *run) newMatcher(v goja.Value) (matcher, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return matcher{}, nil
	}
	if fn, ok := goja.AssertFunction(v); ok {
		return matcher{fn: fn, set: true}, nil
	}
	if o, ok := v.(*goja.Object); ok && o.ClassName() == "RegExp" {
		return matcher{regex: o, set: true}, nil
	}
	s := v.String()
	if s == "" {
		return matcher{}, nil
	}
	return matcher{str: s, set: true}, nil
}

// test reports whether digits match; a predicate or RegExp that throws returns the error.
func (m matcher) test(vm *goja.Runtime, digits string) (bool, error) {
	switch {
	case !m.set:
		return false, nil
	case m.fn != nil:
		v, err := m.fn(goja.Undefined(), vm.ToValue(digits))
		if err != nil {
			return false, err
		}
		return v.ToBoolean(), nil
	case m.regex != nil:
		test, ok := goja.AssertFunction(m.regex.ToObject(vm).Get("test"))
		if !ok {
			return false, fmt.Errorf("RegExp has no test method")
		}
		v, err := test(m.regex, vm.ToValue(digits))
		if err != nil {
			return false, err
		}
		return v.ToBoolean(), nil
	default:
		return strings.HasSuffix(digits, m.str), nil
	}
}

// onDigit runs on the loop for each DTMF digit, in order.
func (d *dtmfState) onDigit(r *run, digit string) {
	if d.blockAll || (d.blocked != "" && strings.Contains(d.blocked, digit)) {
		return
	}
	for _, h := range r.handlers["dtmf"] {
		r.callHandler("dtmf", h, r.vm.ToValue(digit))
	}
	if r.ivrDepth > 0 {
		return // digits pressed during ctx.ivr belong to it
	}
	d.typeAhead += digit
	ws := append([]*dtmfWaiter(nil), d.waiters...)
	for _, w := range ws {
		if w.done {
			continue
		}
		w.digits += digit
		d.check(r, w)
	}
}

// check settles w if its digits match (or fail-match, or a matcher throws).
func (d *dtmfState) check(r *run, w *dtmfWaiter) {
	ok, err := w.match.test(r.vm, w.digits)
	if err != nil {
		d.finish(w, func() { _ = w.reject(thrown(err)) })
		return
	}
	if ok {
		d.typeAhead = ""
		digits := w.digits
		d.finish(w, func() { _ = w.resolve(digits) })
		return
	}
	bad, err := w.fail.test(r.vm, w.digits)
	if err != nil {
		d.finish(w, func() { _ = w.reject(thrown(err)) })
		return
	}
	if bad {
		d.typeAhead = ""
		digits := w.digits
		d.finish(w, func() {
			_ = w.reject(r.errs.make("DtmfError", CodeFailMatch,
				fmt.Sprintf("ctx.waitFor: digits %q matched failMatch", digits), "digits", digits))
		})
	}
}

func (d *dtmfState) finish(w *dtmfWaiter, fn func()) {
	if w.done {
		return
	}
	w.done = true
	if w.stopTimer != nil {
		w.stopTimer()
	}
	for i, x := range d.waiters {
		if x == w {
			d.waiters = append(d.waiters[:i], d.waiters[i+1:]...)
			break
		}
	}
	w.settle(fn)
}

// hangup rejects every waiter.
func (d *dtmfState) hangup(r *run, cause string) {
	for _, w := range append([]*dtmfWaiter(nil), d.waiters...) {
		d.finish(w, func() {
			_ = w.reject(r.errs.fromGo("ctx.waitFor", &voice.HangupError{Cause: cause, Err: voice.ErrHangup}))
		})
	}
}

// thrown turns an error from calling into JS back into the thrown value.
func thrown(err error) any {
	if ex, ok := err.(*goja.Exception); ok {
		return ex.Value()
	}
	return err.Error()
}

// waitFor implements ctx.waitFor(match, failMatch[, timeoutS = 60]).
func (r *run) waitFor(fc goja.FunctionCall) goja.Value {
	p, resolve, reject := r.newPromise()
	match, err1 := r.newMatcher(fc.Argument(0))
	fail, err2 := r.newMatcher(fc.Argument(1))
	if err := firstErr(err1, err2); err != nil || !match.set {
		_ = reject(r.errs.invalid("ctx.waitFor: match must be a string, RegExp or function"))
		return r.vm.ToValue(p)
	}
	timeout := 60.0
	if t := fc.Argument(2); !goja.IsUndefined(t) && !goja.IsNull(t) {
		timeout = t.ToFloat()
		if timeout <= 0 || timeout > 24*3600 || timeout != timeout {
			_ = reject(r.errs.invalid("ctx.waitFor: timeout must be between 0 and 86400 seconds"))
			return r.vm.ToValue(p)
		}
	}
	if r.down {
		_ = reject(r.errs.fromGo("ctx.waitFor", &voice.HangupError{Cause: r.cause, Err: voice.ErrHangup}))
		return r.vm.ToValue(p)
	}
	w := &dtmfWaiter{match: match, fail: fail, settle: r.loop.reserve(), resolve: resolve, reject: reject}
	r.dtmf.waiters = append(r.dtmf.waiters, w)
	var once sync.Once
	w.stopTimer = r.e.cfg.Clock.AfterFunc(time.Duration(timeout*float64(time.Second)), func() {
		once.Do(func() {
			r.onLoop(func() {
				r.dtmf.finish(w, func() {
					_ = reject(r.errs.make("TimeoutError", CodeTimeout,
						fmt.Sprintf("ctx.waitFor: no match within %gs", timeout), "digits", w.digits))
				})
			})
		})
	})
	// Digits pressed before the waitFor (type-ahead) are fed to it one by one, as if
	// they came now; what follows a match stays for the next waitFor.
	ahead := r.dtmf.typeAhead
	for i := 0; i < len(ahead) && !w.done; i++ {
		w.digits += ahead[i : i+1]
		r.dtmf.check(r, w)
		if w.done {
			r.dtmf.typeAhead = ahead[i+1:]
		}
	}
	return r.vm.ToValue(p)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
