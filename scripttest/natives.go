package scripttest

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/callforge/callforge/jsbridge/kv"
)

// bindNatives fills __cf with the Go side of the test API.
func (fr *fileRun) bindNatives(vm *goja.Runtime, cf *goja.Object) {
	test := func(v goja.Value) *testCase {
		tc := fr.byID[int(v.ToInteger())]
		if tc == nil {
			panic(vm.NewTypeError("the test API was used outside a test"))
		}
		return tc
	}
	_ = cf.Set("call", func(fc goja.FunctionCall) goja.Value {
		tc := test(fc.Argument(0))
		spec, err := specFrom(vm, fc.Argument(1).ToObject(vm))
		if err != nil {
			panic(vm.NewTypeError(err.Error()))
		}
		p, resolve, reject := vm.NewPromise()
		if tc.ended {
			_ = reject(vm.NewGoError(fmt.Errorf("t.call(%q) after the test ended (a missing await?)", spec.Script)))
			return vm.ToValue(p)
		}
		store, err := tc.kv(fr.rn.tmp)
		if err != nil {
			_ = reject(vm.NewGoError(err))
			return vm.ToValue(p)
		}
		spec.KV = store
		spec.HTTP = tc.httpMock()
		fr.calls.Add(1)
		go func() {
			defer fr.calls.Done()
			res, err := fr.rn.sb.Call(tc.ctx, spec)
			fr.loop.RunOnLoop(func(vm *goja.Runtime) {
				if err != nil {
					_ = reject(vm.NewGoError(err))
					return
				}
				if !tc.ended {
					tc.res.Calls = append(tc.res.Calls, res)
					tc.res.Simulated += res.Duration
				}
				_ = resolve(resultValue(vm, res))
			})
		}()
		return vm.ToValue(p)
	})
	_ = cf.Set("kv", func(fc goja.FunctionCall) goja.Value {
		tc := test(fc.Argument(0))
		p, resolve, reject := vm.NewPromise()
		v, err := tc.kvOp(fr.rn.tmp, vm, fc.Argument(1).String(), fc.Arguments[2:])
		if err != nil {
			_ = reject(vm.NewGoError(err))
		} else {
			_ = resolve(v)
		}
		return vm.ToValue(p)
	})
	_ = cf.Set("route", func(fc goja.FunctionCall) goja.Value {
		tc := test(fc.Argument(0))
		o := fc.Argument(1).ToObject(vm)
		r := HTTPRoute{
			Method: o.Get("method").String(), URL: o.Get("url").String(), Host: o.Get("host").String(),
			Status: int(o.Get("status").ToInteger()), Body: o.Get("body").String(), Err: o.Get("error").String(),
			Header: map[string]string{},
		}
		if src := o.Get("re").String(); src != "" {
			re, err := regexp.Compile(src)
			if err != nil {
				panic(vm.NewTypeError("t.http.on: %v", err))
			}
			if r.Host == "" {
				panic(vm.NewTypeError("t.http.on with a RegExp needs {host: 'api.example.com'} in the answer"))
			}
			r.Re = re
		}
		if h, ok := o.Get("headers").Export().(map[string]any); ok {
			for k, v := range h {
				r.Header[k] = fmt.Sprint(v)
			}
		}
		tc.httpMock().Route(r)
		return goja.Undefined()
	})
	_ = cf.Set("log", func(fc goja.FunctionCall) goja.Value {
		tc := test(fc.Argument(0))
		var args []goja.Value
		if o, ok := fc.Argument(1).(*goja.Object); ok {
			_ = vm.ExportTo(o, &args)
		}
		tc.res.Logs = append(tc.res.Logs, formatValues(args))
		return goja.Undefined()
	})
	_ = cf.Set("assert", func(fc goja.FunctionCall) goja.Value {
		tc := test(fc.Argument(0))
		var args []goja.Value
		_ = vm.ExportTo(fc.Argument(2), &args)
		msg, ok := assert(vm, fc.Argument(1).String(), args)
		if !ok {
			tc.fail(fr.position(vm) + msg)
		}
		return vm.ToValue(ok)
	})
}

// position returns "file:line:col: " of the innermost frame in the test file.
func (fr *fileRun) position(vm *goja.Runtime) string {
	for _, f := range vm.CaptureCallStack(20, nil) {
		p := f.Position()
		if p.Line > 0 && p.Filename == fr.name {
			return fmt.Sprintf("%s:%d:%d: ", p.Filename, p.Line, p.Column+1)
		}
	}
	return ""
}

// kv opens the test's store (a bolt file of its own) on first use.
func (tc *testCase) kv(tmp string) (kv.Store, error) {
	if tc.kvStore == nil && tc.kvErr == nil {
		tc.kvStore, tc.kvErr = kv.OpenBolt(filepath.Join(tmp, fmt.Sprintf("%s-%d.db", strings.NewReplacer("/", "_", ".", "_").Replace(tc.fr.name), tc.id)),
			kv.BoltOptions{NoSync: true, SweepInterval: time.Hour})
	}
	return tc.kvStore, tc.kvErr
}

func (tc *testCase) httpMock() *HTTPMock {
	if tc.http == nil {
		tc.http = &HTTPMock{}
	}
	return tc.http
}

func (tc *testCase) kvOp(tmp string, vm *goja.Runtime, op string, args []goja.Value) (goja.Value, error) {
	s, err := tc.kv(tmp)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	arg := func(i int) goja.Value {
		if i < len(args) {
			return args[i]
		}
		return goja.Undefined()
	}
	ttl := func(i int) time.Duration { return time.Duration(arg(i).ToFloat() * float64(time.Second)) }
	key := arg(0).String()
	switch op {
	case "get":
		v, ok, err := s.Get(ctx, key)
		if err != nil || !ok {
			return goja.Undefined(), err
		}
		return vm.ToValue(v), nil
	case "set":
		return goja.Undefined(), s.Set(ctx, key, arg(1).String(), ttl(2))
	case "incr":
		n, err := s.Incr(ctx, key, arg(1).ToInteger(), ttl(2))
		return vm.ToValue(n), err
	case "del":
		ok, err := s.Del(ctx, key)
		return vm.ToValue(ok), err
	case "keys":
		keys, err := s.Keys(ctx, key, 0)
		return vm.ToValue(keys), err
	}
	return nil, fmt.Errorf("t.kv: unknown operation %q", op)
}

// specFrom reads the JS SimCall spec.
func specFrom(vm *goja.Runtime, o *goja.Object) (CallSpec, error) {
	secs := func(v goja.Value) time.Duration { return time.Duration(v.ToFloat() * float64(time.Second)) }
	str := func(name string) string {
		v := o.Get(name)
		if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
			return ""
		}
		return v.String()
	}
	spec := CallSpec{
		Script: str("script"), CallerIDNumber: str("callerIdNumber"), CallerIDName: str("callerIdName"),
		Destination: str("destination"), FailBridge: str("failBridge"), HangupWith: str("hangupCause"),
		HangupAt: secs(o.Get("hangupAt")), Timeout: secs(o.Get("timeout")),
		Vars: map[string]string{}, Env: map[string]string{}, Media: map[string]time.Duration{},
	}
	if v := o.Get("startMs"); v != nil && !goja.IsNull(v) && !goja.IsUndefined(v) {
		spec.Start = time.UnixMilli(v.ToInteger())
	}
	for _, m := range []struct {
		name string
		into map[string]string
	}{{"vars", spec.Vars}, {"env", spec.Env}} {
		if obj, ok := o.Get(m.name).(*goja.Object); ok {
			for _, k := range obj.Keys() {
				m.into[k] = obj.Get(k).String()
			}
		}
	}
	if obj, ok := o.Get("media").(*goja.Object); ok {
		for _, k := range obj.Keys() {
			d := obj.Get(k).ToFloat()
			if d < 0 || d != d {
				return spec, fmt.Errorf("media %q: seconds must be >= 0", k)
			}
			spec.Media[k] = secs(obj.Get(k))
		}
	}
	var lists struct {
		PressOn  [][]any `json:"pressOn"`
		DTMFAt   [][]any `json:"dtmfAt"`
		HangupOn [][]any `json:"hangupOn"`
		Missing  []string
		Unknown  []string
	}
	for _, name := range []string{"pressOn", "dtmfAt", "hangupOn", "missing", "unknown"} {
		var rows [][]any
		var strs []string
		v := o.Get(name)
		if name == "missing" || name == "unknown" {
			_ = vm.ExportTo(v, &strs)
		} else {
			_ = vm.ExportTo(v, &rows)
		}
		switch name {
		case "pressOn":
			lists.PressOn = rows
		case "dtmfAt":
			lists.DTMFAt = rows
		case "hangupOn":
			lists.HangupOn = rows
		case "missing":
			lists.Missing = strs
		case "unknown":
			lists.Unknown = strs
		}
	}
	num := func(v any) time.Duration {
		switch n := v.(type) {
		case int64:
			return time.Duration(n) * time.Second
		case float64:
			return time.Duration(n * float64(time.Second))
		}
		return 0
	}
	for _, r := range lists.PressOn {
		spec.PressOn = append(spec.PressOn, Press{App: fmt.Sprint(r[0]), Digits: fmt.Sprint(r[1])})
	}
	for _, r := range lists.DTMFAt {
		spec.DTMFAt = append(spec.DTMFAt, TimedDTMF{At: num(r[0]), Digits: fmt.Sprint(r[1])})
	}
	for _, r := range lists.HangupOn {
		spec.HangupOn = append(spec.HangupOn, HangupRule{App: fmt.Sprint(r[0]), After: num(r[1]), Cause: fmt.Sprint(r[2])})
	}
	spec.Missing, spec.Unknown = lists.Missing, lists.Unknown
	return spec, nil
}

// resultValue builds the JS object a test gets from call.run().
func resultValue(vm *goja.Runtime, r *CallResult) goja.Value {
	o := vm.NewObject()
	verbs := make([]any, 0, len(r.Verbs))
	apps := make([]any, 0, len(r.Verbs))
	for _, v := range r.Verbs {
		s := v.Slice()
		row := make([]any, len(s))
		for i, x := range s {
			row[i] = x
		}
		verbs = append(verbs, row)
		apps = append(apps, v.App)
	}
	vars := map[string]any{}
	for k, v := range r.Vars {
		vars[k] = v
	}
	var logs, lines, errs []any
	for _, l := range r.Logs {
		if l.Script {
			logs = append(logs, l.Message)
			lines = append(lines, map[string]any{"level": l.Level, "message": l.Message, "at": l.At.Seconds(), "pos": l.Pos})
		}
	}
	for _, e := range r.Errors() {
		errs = append(errs, e)
	}
	var httpCalls []any
	for _, h := range r.HTTP {
		hdr := map[string]any{}
		for k, v := range h.Headers {
			hdr[k] = v
		}
		httpCalls = append(httpCalls, map[string]any{"method": h.Method, "url": h.URL, "body": h.Body, "headers": hdr, "status": h.Status})
	}
	orEmpty := func(a []any) []any {
		if a == nil {
			return []any{}
		}
		return a
	}
	_ = o.Set("script", r.Script)
	_ = o.Set("uuid", r.UUID)
	_ = o.Set("verbs", vm.ToValue(verbs))
	_ = o.Set("apps", vm.ToValue(apps))
	_ = o.Set("vars", vm.ToValue(vars))
	_ = o.Set("hangupCause", r.HangupCause)
	_ = o.Set("logs", vm.ToValue(orEmpty(logs)))
	_ = o.Set("logLines", vm.ToValue(orEmpty(lines)))
	_ = o.Set("errors", vm.ToValue(orEmpty(errs)))
	_ = o.Set("outcome", r.Outcome)
	_ = o.Set("duration", r.Duration.Seconds())
	_ = o.Set("http", vm.ToValue(orEmpty(httpCalls)))
	var tl strings.Builder
	_ = r.WriteTimeline(&tl)
	_ = o.Set("timeline", tl.String())
	return o
}
