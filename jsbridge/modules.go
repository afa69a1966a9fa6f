package jsbridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/callforge/callforge/jsbridge/httpmod"
	"github.com/callforge/callforge/jsbridge/kv"
)

// BuiltinModules are the names `require` resolves without a file.
var BuiltinModules = []string{"kv", "cxKV", "cxUserspace", "http", "console", "url", "util", "buffer"}

// platformModules belong to the ConnexCS hosted platform and cannot be served here.
var platformModules = map[string]string{
	"cxRest":   "use require('http') to call REST APIs on the operator's allow-list",
	"cxSend":   "use require('http') to reach a mail or SMS gateway on the operator's allow-list",
	"cxHelper": "use plain JavaScript, require('util') or a vendored library in the scripts directory",
}

// hostModules are Node modules that reach the host; they are never available.
var hostModules = map[string]bool{
	"fs": true, "fs/promises": true, "child_process": true, "net": true, "dgram": true, "dns": true, "tls": true,
	"cluster": true, "worker_threads": true, "process": true, "os": true, "vm": true, "v8": true, "module": true,
	"http2": true, "https": true, "inspector": true, "perf_hooks": true, "repl": true,
}

// opTimeout bounds one kv or http operation of a script.
const opTimeout = 30 * time.Second

// requireFn returns the script's `require`, resolving from the script named from.
func (r *run) requireFn(from string) func(goja.FunctionCall) goja.Value {
	return func(fc goja.FunctionCall) goja.Value {
		spec := fc.Argument(0).String()
		v, err := r.require(from, spec)
		if err != nil {
			panic(err)
		}
		return v
	}
}

// require resolves one module. Errors are JS errors (thrown by the caller).
func (r *run) require(from, spec string) (goja.Value, *goja.Object) {
	vm := r.vm
	if m, ok := r.modules[spec]; ok && !strings.HasPrefix(spec, ".") {
		return m, nil
	}
	switch spec {
	case "kv":
		return r.cacheModule(spec, r.kvModule()), nil
	case "cxKV":
		return r.cacheModule(spec, r.cxKVModule()), nil
	case "cxUserspace":
		return r.cacheModule(spec, r.userspaceModule()), nil
	case "http":
		return r.cacheModule(spec, r.httpModule()), nil
	case "console":
		return vm.Get("console"), nil
	case "url", "util", "buffer":
		v, err := r.coreModule(spec)
		if err != nil {
			return nil, r.errs.make("Error", "MODULE_NOT_FOUND", fmt.Sprintf("require(%q): %v", spec, err))
		}
		return r.cacheModule(spec, v), nil
	}
	if hint, ok := platformModules[spec]; ok {
		r.log.Warn().Str("module", spec).Msg("require of a hosted-platform module refused")
		return nil, r.errs.make("Error", "MODULE_NOT_FOUND", fmt.Sprintf(
			"require(%q): %s belongs to the ConnexCS hosted platform and is not available in callforge: %s", spec, spec, hint))
	}
	name := strings.TrimPrefix(spec, "node:")
	if hostModules[name] {
		r.log.Warn().Str("module", spec).Msg("require of a host module refused")
		return nil, r.errs.make("PermissionError", CodePermission, fmt.Sprintf(
			"require(%q): scripts cannot reach the host (no files, processes or sockets); built-in modules: %s",
			spec, strings.Join(BuiltinModules, ", ")))
	}
	if strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../") {
		return r.requireFile(from, spec)
	}
	return nil, r.errs.make("Error", "MODULE_NOT_FOUND", fmt.Sprintf(
		"require(%q): no such module; built-in modules are %s, and files inside the scripts directory are required with ./",
		spec, strings.Join(BuiltinModules, ", ")))
}

// coreModule loads one of goja_nodejs's modules (url, util, buffer) through the
// engine's registry, which is enabled on this runtime the first time a script
// needs one of them: most calls never do.
func (r *run) coreModule(spec string) (goja.Value, error) {
	if r.core == nil {
		g := r.vm.GlobalObject()
		own := g.Get("require")
		r.core = r.e.registry.Enable(r.vm)
		// Enable defines the registry's own global require: put the script's back.
		if own != nil {
			_ = g.Set("require", own)
		} else {
			_ = g.Delete("require")
		}
	}
	return r.core.Require(spec)
}

func (r *run) cacheModule(name string, v goja.Value) goja.Value {
	r.modules[name] = v
	return v
}

// requireFile loads a library file from the scripts directory, relative to the
// requiring script; it never leaves the directory.
func (r *run) requireFile(from, spec string) (goja.Value, *goja.Object) {
	target := path.Clean(path.Join(path.Dir(from), spec))
	if target == "." || strings.HasPrefix(target, "../") || target == ".." || strings.HasPrefix(target, "/") {
		r.log.Warn().Str("module", spec).Msg("require outside the scripts directory refused")
		return nil, r.errs.make("PermissionError", CodePermission, fmt.Sprintf("require(%q): outside the scripts directory", spec))
	}
	key := "file:" + target
	if m, ok := r.modules[key]; ok {
		if m == nil {
			return nil, r.errs.make("Error", "ERR_REQUIRE_CYCLE", fmt.Sprintf("require(%q): circular require", spec))
		}
		return m, nil
	}
	sc, err := r.e.cfg.Scripts.Get(target)
	if err != nil {
		return nil, r.errs.make("Error", "MODULE_NOT_FOUND", fmt.Sprintf("require(%q): %v", spec, err))
	}
	r.modules[key] = nil // loading
	v, err := sc.Exports(r.vm, r.requireFn(sc.Name))
	if err != nil {
		delete(r.modules, key)
		var ex *goja.Exception
		if errors.As(err, &ex) {
			panic(ex)
		}
		return nil, r.errs.make("Error", "ERR_REQUIRE", fmt.Sprintf("require(%q): %v", spec, err))
	}
	r.modules[key] = v
	return v, nil
}

// async runs work on its own goroutine (it may block on I/O) and settles the
// returned promise on the loop with conv(result).
func (r *run) async(what string, work func(ctx context.Context) (any, error), conv func(any) (goja.Value, error)) goja.Value {
	p, resolve, reject := r.newPromise()
	settle := r.loop.reserve()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		res, err := work(ctx)
		settle(func() {
			if err != nil {
				_ = reject(r.moduleError(what, err))
				return
			}
			if conv == nil {
				_ = resolve(res)
				return
			}
			v, cerr := conv(res)
			if cerr != nil {
				_ = reject(r.moduleError(what, cerr))
				return
			}
			_ = resolve(v)
		})
	}()
	return r.vm.ToValue(p)
}

// moduleError maps kv and http errors to JS errors with a code.
func (r *run) moduleError(what string, err error) *goja.Object {
	code := "EIO"
	switch {
	case errors.Is(err, kv.ErrBadKey), errors.Is(err, kv.ErrBadTTL), errors.Is(err, httpmod.ErrBadURL), errors.Is(err, httpmod.ErrBadRequest):
		code = CodeInvalid
	case errors.Is(err, kv.ErrTooLarge), errors.Is(err, httpmod.ErrTooLarge):
		code = "E2BIG"
	case errors.Is(err, kv.ErrNotInteger):
		code = "ENOTINT"
	case errors.Is(err, kv.ErrExists):
		code = "EEXIST"
	case errors.Is(err, kv.ErrNotFound):
		code = "ENOENT"
	case errors.Is(err, httpmod.ErrHostNotAllowed):
		code = CodePermission
		r.log.Warn().Err(err).Msg(what + " refused: host not on the allow-list")
	case errors.Is(err, httpmod.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		code = CodeTimeout
	}
	return r.errs.make("Error", code, what+": "+err.Error())
}

// store returns the kv store, or an error the script sees when none is configured.
func (r *run) store() (kv.Store, error) {
	if r.e.cfg.KV == nil {
		return nil, errors.New("no kv store is configured")
	}
	return r.e.cfg.KV, nil
}

// withStore adapts work on the kv store to r.async.
func (r *run) withStore(work func(ctx context.Context, s kv.Store) (any, error)) func(ctx context.Context) (any, error) {
	return func(ctx context.Context) (any, error) {
		s, err := r.store()
		if err != nil {
			return nil, err
		}
		return work(ctx, s)
	}
}

func ttlArg(v goja.Value) time.Duration {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return 0
	}
	s := v.ToFloat()
	if s <= 0 || s != s {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}

// kvModule is require('kv'): get/set/incr/del/keys on strings, getJSON/setJSON on
// objects; all return promises.
func (r *run) kvModule() *goja.Object {
	vm := r.vm
	m := vm.NewObject()
	str := func(v any) (goja.Value, error) {
		if v == nil {
			return goja.Undefined(), nil
		}
		return vm.ToValue(v), nil
	}
	get := func(fc goja.FunctionCall) goja.Value {
		key := fc.Argument(0).String()
		return r.async("kv.get", r.withStore(func(ctx context.Context, s kv.Store) (any, error) {
			v, ok, err := s.Get(ctx, key)
			if !ok || err != nil {
				return nil, err
			}
			return v, nil
		}), str)
	}
	set := func(fc goja.FunctionCall) goja.Value {
		key, val, ttl := fc.Argument(0).String(), valueString(fc.Argument(1)), ttlArg(fc.Argument(2))
		return r.async("kv.set", r.withStore(func(ctx context.Context, s kv.Store) (any, error) {
			return nil, s.Set(ctx, key, val, ttl)
		}), func(any) (goja.Value, error) { return goja.Undefined(), nil })
	}
	getJSON := func(fc goja.FunctionCall) goja.Value {
		key := fc.Argument(0).String()
		return r.async("kv.getJSON", r.withStore(func(ctx context.Context, s kv.Store) (any, error) {
			v, ok, err := s.Get(ctx, key)
			if !ok || err != nil {
				return nil, err
			}
			return v, nil
		}), func(v any) (goja.Value, error) {
			if v == nil {
				return goja.Undefined(), nil
			}
			return parseJSON(vm, v.(string))
		})
	}
	setJSON := func(fc goja.FunctionCall) goja.Value {
		key, ttl := fc.Argument(0).String(), ttlArg(fc.Argument(2))
		b, err := json.Marshal(fc.Argument(1).Export())
		if err != nil {
			return r.rejected(r.errs.invalid("kv.setJSON: value cannot be JSON-encoded: %v", err))
		}
		return r.async("kv.setJSON", r.withStore(func(ctx context.Context, s kv.Store) (any, error) {
			return nil, s.Set(ctx, key, string(b), ttl)
		}), func(any) (goja.Value, error) { return goja.Undefined(), nil })
	}
	incr := func(fc goja.FunctionCall) goja.Value {
		key := fc.Argument(0).String()
		by := int64(1)
		if a := fc.Argument(1); !goja.IsUndefined(a) && !goja.IsNull(a) {
			by = a.ToInteger()
		}
		ttl := ttlArg(fc.Argument(2))
		return r.async("kv.incr", r.withStore(func(ctx context.Context, s kv.Store) (any, error) {
			return s.Incr(ctx, key, by, ttl)
		}), nil)
	}
	del := func(fc goja.FunctionCall) goja.Value {
		key := fc.Argument(0).String()
		return r.async("kv.del", r.withStore(func(ctx context.Context, s kv.Store) (any, error) {
			return s.Del(ctx, key)
		}), nil)
	}
	keys := func(fc goja.FunctionCall) goja.Value {
		prefix := valueString(fc.Argument(0))
		limit := 0
		if a := fc.Argument(1); !goja.IsUndefined(a) && !goja.IsNull(a) {
			limit = int(a.ToInteger())
		}
		return r.async("kv.keys", r.withStore(func(ctx context.Context, s kv.Store) (any, error) {
			return s.Keys(ctx, prefix, limit)
		}), func(v any) (goja.Value, error) {
			ks, _ := v.([]string)
			if ks == nil {
				ks = []string{}
			}
			return vm.ToValue(ks), nil
		})
	}
	for name, fn := range map[string]func(goja.FunctionCall) goja.Value{
		"get": get, "set": set, "getJSON": getJSON, "setJSON": setJSON, "incr": incr, "del": del, "keys": keys,
	} {
		_ = m.Set(name, fn)
	}
	return m
}

// cxKVModule is require('cxKV'): {kv: {get, set}, ko: {get, set}, incr, keys}
// on the same store (ko holds objects).
func (r *run) cxKVModule() *goja.Object {
	vm := r.vm
	k := r.kvModule()
	kvObj, koObj, m := vm.NewObject(), vm.NewObject(), vm.NewObject()
	_ = kvObj.Set("get", k.Get("get"))
	_ = kvObj.Set("set", k.Get("set"))
	_ = koObj.Set("get", k.Get("getJSON"))
	_ = koObj.Set("set", k.Get("setJSON"))
	_ = m.Set("kv", kvObj)
	_ = m.Set("ko", koObj)
	_ = m.Set("incr", k.Get("incr"))
	_ = m.Set("keys", k.Get("keys"))
	return m
}

// userspaceModule is require('cxUserspace'): named tables on the same store.
func (r *run) userspaceModule() *goja.Object {
	vm := r.vm
	m := vm.NewObject()
	tables := func() (*kv.Tables, error) {
		s, err := r.store()
		if err != nil {
			return nil, err
		}
		return kv.NewTables(s)
	}
	encode := func(v goja.Value) (string, error) {
		b, err := json.Marshal(v.Export())
		return string(b), err
	}
	undef := func(any) (goja.Value, error) { return goja.Undefined(), nil }
	_ = m.Set("create", func(fc goja.FunctionCall) goja.Value {
		table, key := fc.Argument(0).String(), fc.Argument(1).String()
		val, err := encode(fc.Argument(2))
		if err != nil {
			return r.rejected(r.errs.invalid("cxUserspace.create: %v", err))
		}
		return r.async("cxUserspace.create", func(ctx context.Context) (any, error) {
			t, err := tables()
			if err != nil {
				return nil, err
			}
			return nil, t.Create(ctx, table, key, val)
		}, undef)
	})
	_ = m.Set("update", func(fc goja.FunctionCall) goja.Value {
		table, key := fc.Argument(0).String(), fc.Argument(1).String()
		val, err := encode(fc.Argument(2))
		if err != nil {
			return r.rejected(r.errs.invalid("cxUserspace.update: %v", err))
		}
		return r.async("cxUserspace.update", func(ctx context.Context) (any, error) {
			t, err := tables()
			if err != nil {
				return nil, err
			}
			return nil, t.Update(ctx, table, key, val)
		}, undef)
	})
	_ = m.Set("read", func(fc goja.FunctionCall) goja.Value {
		table, key := fc.Argument(0).String(), fc.Argument(1).String()
		return r.async("cxUserspace.read", func(ctx context.Context) (any, error) {
			t, err := tables()
			if err != nil {
				return nil, err
			}
			v, ok, err := t.Read(ctx, table, key)
			if !ok || err != nil {
				return nil, err
			}
			return v, nil
		}, func(v any) (goja.Value, error) {
			if v == nil {
				return goja.Undefined(), nil
			}
			return parseJSON(vm, v.(string))
		})
	})
	_ = m.Set("delete", func(fc goja.FunctionCall) goja.Value {
		table, key := fc.Argument(0).String(), fc.Argument(1).String()
		return r.async("cxUserspace.delete", func(ctx context.Context) (any, error) {
			t, err := tables()
			if err != nil {
				return nil, err
			}
			return t.Delete(ctx, table, key)
		}, nil)
	})
	_ = m.Set("list", func(fc goja.FunctionCall) goja.Value {
		table := fc.Argument(0).String()
		return r.async("cxUserspace.list", func(ctx context.Context) (any, error) {
			t, err := tables()
			if err != nil {
				return nil, err
			}
			return t.List(ctx, table)
		}, func(v any) (goja.Value, error) {
			rows, _ := v.([]kv.Row)
			arr := make([]any, 0, len(rows))
			for _, row := range rows {
				o := vm.NewObject()
				_ = o.Set("key", row.Key)
				val, err := parseJSON(vm, row.Value)
				if err != nil {
					val = vm.ToValue(row.Value)
				}
				_ = o.Set("value", val)
				arr = append(arr, o)
			}
			return vm.ToValue(arr), nil
		})
	})
	return m
}

// httpModule is require('http'): a fetch-style client limited to the operator's
// allow-list of hosts.
func (r *run) httpModule() *goja.Object {
	vm := r.vm
	m := vm.NewObject()
	do := func(what string, req httpmod.Request, wantJSON bool) goja.Value {
		if r.e.cfg.HTTP == nil {
			return r.rejected(r.errs.make("PermissionError", CodePermission, what+": no hosts are allowed (start callforge with --http-allow)"))
		}
		return r.async(what, func(ctx context.Context) (any, error) {
			return r.e.cfg.HTTP.Do(ctx, req)
		}, func(v any) (goja.Value, error) {
			resp := v.(*httpmod.Response)
			if wantJSON {
				if resp.Status >= 400 {
					return nil, fmt.Errorf("http status %d %s", resp.Status, resp.StatusText)
				}
				return parseJSON(vm, string(resp.Body))
			}
			return r.responseObject(resp), nil
		})
	}
	request := func(what string, method string, url goja.Value, body goja.Value, opts *goja.Object, wantJSON bool) goja.Value {
		req := httpmod.Request{Method: method, URL: url.String(), Headers: map[string]string{}}
		if opts != nil {
			if h, ok := opts.Get("headers").(*goja.Object); ok {
				for _, k := range h.Keys() {
					req.Headers[k] = h.Get(k).String()
				}
			}
			if t := opts.Get("timeoutMs"); t != nil && !goja.IsUndefined(t) {
				req.Timeout = time.Duration(t.ToInteger()) * time.Millisecond
			}
		}
		if body != nil && !goja.IsUndefined(body) && !goja.IsNull(body) {
			if o, ok := body.(*goja.Object); ok && o.ClassName() != "String" {
				b, err := json.Marshal(o.Export())
				if err != nil {
					return r.rejected(r.errs.invalid("%s: body cannot be JSON-encoded: %v", what, err))
				}
				req.Body = b
				if _, ok := req.Headers["Content-Type"]; !ok {
					req.Headers["Content-Type"] = "application/json"
				}
			} else {
				req.Body = []byte(body.String())
			}
		}
		return do(what, req, wantJSON)
	}
	_ = m.Set("get", func(fc goja.FunctionCall) goja.Value {
		return request("http.get", "GET", fc.Argument(0), nil, optObject(vm, fc.Argument(1)), false)
	})
	_ = m.Set("getJSON", func(fc goja.FunctionCall) goja.Value {
		return request("http.getJSON", "GET", fc.Argument(0), nil, optObject(vm, fc.Argument(1)), true)
	})
	_ = m.Set("post", func(fc goja.FunctionCall) goja.Value {
		return request("http.post", "POST", fc.Argument(0), fc.Argument(1), optObject(vm, fc.Argument(2)), false)
	})
	_ = m.Set("postJSON", func(fc goja.FunctionCall) goja.Value {
		return request("http.postJSON", "POST", fc.Argument(0), fc.Argument(1), optObject(vm, fc.Argument(2)), true)
	})
	_ = m.Set("request", func(fc goja.FunctionCall) goja.Value {
		o := optObject(vm, fc.Argument(0))
		if o == nil {
			return r.rejected(r.errs.invalid("http.request: an options object {method, url, headers, body} is required"))
		}
		method := strings.ToUpper(optString(o, "method", "GET"))
		return request("http.request", method, o.Get("url"), o.Get("body"), o, false)
	})
	return m
}

func (r *run) responseObject(resp *httpmod.Response) *goja.Object {
	vm := r.vm
	o := vm.NewObject()
	_ = o.Set("status", resp.Status)
	_ = o.Set("statusText", resp.StatusText)
	_ = o.Set("ok", resp.Status >= 200 && resp.Status < 300)
	_ = o.Set("url", resp.URL)
	h := vm.NewObject()
	for k, v := range resp.Headers {
		_ = h.Set(k, v)
	}
	_ = o.Set("headers", h)
	body := string(resp.Body)
	_ = o.Set("body", body)
	_ = o.Set("text", func(goja.FunctionCall) goja.Value { return vm.ToValue(body) })
	_ = o.Set("json", func(goja.FunctionCall) goja.Value {
		v, err := parseJSON(vm, body)
		if err != nil {
			panic(r.errs.make("SyntaxError", CodeInvalid, "response.json(): "+err.Error()))
		}
		return v
	})
	return o
}

// parseJSON parses s with the runtime's own JSON.parse.
func parseJSON(vm *goja.Runtime, s string) (goja.Value, error) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, err
	}
	return vm.ToValue(v), nil
}

// newProcess makes the script's `process`, with only the env the operator chose.
func (r *run) newProcess(vm *goja.Runtime) *goja.Object {
	env := vm.NewObject()
	for k, v := range r.e.cfg.ScriptEnv {
		_ = env.Set(k, v)
	}
	// process is made when the script first reads it, by which time the script may
	// have replaced Object: freeze only through a real Object.freeze-like function.
	if obj, ok := vm.Get("Object").(*goja.Object); ok {
		if freeze, ok := goja.AssertFunction(obj.Get("freeze")); ok {
			_, _ = freeze(goja.Undefined(), env)
		}
	}
	p := vm.NewObject()
	_ = p.Set("env", env)
	return p
}
