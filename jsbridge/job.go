package jsbridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/callforge/callforge/jsbridge/script"
)

// ErrNoFunction: a job names an exported function the script does not have.
var ErrNoFunction = errors.New("script exports no such function")

// DefaultJobBudget is the time budget of a script run outside a voice call
// (script-types.md: every kind but voice finishes within 10 seconds).
const DefaultJobBudget = 10 * time.Second

// Job is one run of a script outside a voice call: a Class 4 routing decision, an
// App, a Driver function or a Form handler. It runs in the same sandbox as voice
// scripts (fresh runtime, modules, limits) with one argument and no ctx.
type Job struct {
	Script *script.Script
	// Function is the exported function to call (drivers); "" calls the script's
	// entry point (main, module.exports, export default).
	Function string
	// Arg is the only argument, given as JSON-able Go data; ArgJS, if set, builds it
	// in the runtime instead.
	Arg   any
	ArgJS func(vm *goja.Runtime) goja.Value
	// Project, if set, picks what of the resolved value is returned (it runs on the
	// loop, before the JSON encoding): a routing decision needs data.routing, not
	// the ~165 headers around it.
	Project func(vm *goja.Runtime, v goja.Value) goja.Value
	// Budget bounds the whole run (default DefaultJobBudget).
	Budget time.Duration
	// RejectionIsAnswer: a rejection with a non-Error value, or with an Error whose
	// message starts with a 3-digit SIP code, is the script's answer (Class 4
	// routing's refusal), logged at info and not counted as a script error. The
	// caller still gets it as a *ScriptError.
	RejectionIsAnswer bool
	// Kind names the kind of script in logs ("route", "app", "driver", "form").
	Kind   string
	Logger *zerolog.Logger // default: the engine's logger
}

// JobResult is what the script's function settled with.
type JobResult struct {
	// Value is the JSON of the resolved value ("null" for undefined).
	Value json.RawMessage
	Took  time.Duration
}

// ScriptError is a job whose function threw or rejected.
type ScriptError struct {
	Script string
	// IsError is true when the thrown value is an Error object; Name, Message and
	// Stack are then set. Otherwise Value holds the thrown value as JSON
	// (e.g. [604, "Number on DNC List"]).
	IsError              bool
	Name, Message, Stack string
	Value                json.RawMessage
}

func (e *ScriptError) Error() string {
	if e.IsError {
		return fmt.Sprintf("%s: %s: %s", e.Script, e.Name, e.Message)
	}
	return fmt.Sprintf("%s: threw %s", e.Script, e.Value)
}

// LimitError is a job stopped by a sandbox limit (its time budget, CPU budget, heap).
type LimitError struct {
	Script, Limit, Why string
}

func (e *LimitError) Error() string { return fmt.Sprintf("%s: %s limit: %s", e.Script, e.Limit, e.Why) }
func (e *LimitError) Unwrap() error { return ErrLimit }

// jobState is the part of a run that belongs to a job. Loop goroutine only.
type jobState struct {
	j      Job
	budget time.Duration
	result json.RawMessage
	err    error
	done   bool
}

// RunJob runs j to its end and returns what its function settled with. Errors:
// *ScriptError (the script threw or rejected), *LimitError, an entry error
// (no such script function), or ctx's error. It is safe for concurrent use.
func (e *Engine) RunJob(ctx context.Context, j Job) (JobResult, error) {
	if j.Script == nil {
		return JobResult{}, errors.New("jsbridge: job has no script")
	}
	log := e.cfg.Logger
	if j.Logger != nil {
		log = *j.Logger
	}
	log = log.With().Str("run", uuid.NewString()).Str("script", j.Script.Name).Str("kind", j.Kind).
		Str("version", j.Script.Version).Logger()
	budget := j.Budget
	if budget <= 0 {
		budget = DefaultJobBudget
	}
	r := newRun(e, nil, j.Script, log)
	r.job = &jobState{j: j, budget: budget}
	began := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.execute()
	}()
	select {
	case <-done:
	case <-ctx.Done():
		r.hitLimit(LimitBudget, "the caller gave up: "+ctx.Err().Error())
		<-done
		return JobResult{}, ctx.Err()
	}
	if r.job.err != nil {
		return JobResult{}, r.job.err
	}
	return JobResult{Value: r.job.result, Took: time.Since(began)}, nil
}

// arg builds the job's argument in vm.
func (js *jobState) arg(vm *goja.Runtime) goja.Value {
	if js.j.ArgJS != nil {
		return js.j.ArgJS(vm)
	}
	if js.j.Arg == nil {
		return vm.NewObject()
	}
	b, err := json.Marshal(js.j.Arg)
	if err != nil {
		return vm.NewObject()
	}
	v, err := parseJSON(vm, string(b))
	if err != nil {
		return vm.NewObject()
	}
	return v
}

// entry finds the function to call.
func (js *jobState) entry(r *run, vm *goja.Runtime, require func(goja.FunctionCall) goja.Value) (goja.Callable, error) {
	if js.j.Function == "" {
		return r.sc.Entry(vm, require)
	}
	exp, err := r.sc.Exports(vm, require)
	if err != nil {
		return nil, err
	}
	if o, ok := exp.(*goja.Object); ok {
		if fn, ok := goja.AssertFunction(o.Get(js.j.Function)); ok {
			return fn, nil
		}
	}
	return nil, fmt.Errorf("%w: %s.%s", ErrNoFunction, r.sc.Name, js.j.Function)
}

// resolved records the function's value (on the loop).
func (js *jobState) resolved(r *run, v goja.Value) {
	if js.done {
		return
	}
	js.done = true
	if js.j.Project != nil {
		v = js.j.Project(r.vm, v)
	}
	js.result = toJSON(r.vm, v)
}

// rejected records a rejection value (on the loop).
func (js *jobState) rejected(r *run, v goja.Value) {
	if js.done {
		return
	}
	js.done = true
	js.err = scriptErrorOf(r, v)
}

// threw records a Go-side error from calling the function (on the loop).
func (js *jobState) threw(r *run, err error) {
	if js.done {
		return
	}
	js.done = true
	var ex *goja.Exception
	if errors.As(err, &ex) {
		js.err = scriptErrorOf(r, ex.Value())
		if se, ok := js.err.(*ScriptError); ok && se.Stack == "" {
			se.Stack = ex.String()
		}
		return
	}
	js.err = err
}

// finish runs after the loop: limits and never-settled runs become errors.
func (js *jobState) finish(r *run) {
	if li := r.limitHit.Load(); li != nil {
		js.err = &LimitError{Script: r.sc.Name, Limit: li.name, Why: li.why}
		return
	}
	if !js.done {
		js.err = &ScriptError{Script: r.sc.Name, IsError: true, Name: "Error",
			Message: "the function never settled: it waits on a promise that nothing is left to settle"}
	}
}

func scriptErrorOf(r *run, v goja.Value) *ScriptError {
	se := &ScriptError{Script: r.sc.Name}
	if o, ok := v.(*goja.Object); ok && o.ClassName() == "Error" {
		se.IsError = true
		se.Name = nameOf(v)
		if m := o.Get("message"); m != nil {
			se.Message = m.String()
		}
		se.Stack = stackOf(v)
		return se
	}
	se.Value = toJSON(r.vm, v)
	return se
}

// toJSON is JSON.stringify(v) with the runtime's own JSON (undefined -> null).
func toJSON(vm *goja.Runtime, v goja.Value) json.RawMessage {
	if v == nil || goja.IsUndefined(v) {
		return json.RawMessage("null")
	}
	if o, ok := v.(*goja.Object); ok {
		if j, err := o.MarshalJSON(); err == nil { // keeps the script's key order
			return j
		}
	}
	b, err := json.Marshal(v.Export())
	if err != nil {
		b, _ = json.Marshal(v.String())
	}
	return b
}

// isErrorObject reports whether v is an Error object.
func isErrorObject(v goja.Value) bool {
	o, ok := v.(*goja.Object)
	return ok && o.ClassName() == "Error"
}

// sipCoded reports whether an error description ("Error: 603 Destination
// Blocked") carries a 3-digit SIP code at the start of its message.
func sipCoded(desc string) bool {
	if i := strings.Index(desc, ": "); i >= 0 {
		desc = desc[i+2:]
	}
	return len(desc) >= 3 && desc[0] >= '1' && desc[0] <= '6' && desc[1] >= '0' && desc[1] <= '9' &&
		desc[2] >= '0' && desc[2] <= '9' && (len(desc) == 3 || desc[3] == ' ')
}
