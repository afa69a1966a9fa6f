package jsbridge

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/dop251/goja"

	"github.com/callforge/callforge/voice"
)

// maxArg caps any string a script passes to a ctx method.
const maxArg = 16 << 10

var (
	varName     = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$`)
	headerName  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_\-]{0,127}$`)
	bareDest    = regexp.MustCompile(`^[A-Za-z0-9+*#._\-]{1,64}$`)
	eventNameRe = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,63}(::[A-Za-z0-9_:.\-]{1,64})?$`)
)

// eventFilter holds the FreeSWITCH event names a script listens to with ctx.on.
// Written on the loop, read on the call's event goroutine.
type eventFilter struct {
	mu    sync.RWMutex
	names map[string]bool
}

func (f *eventFilter) add(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.names == nil {
		f.names = map[string]bool{}
	}
	if f.names[name] {
		return false
	}
	f.names[name] = true
	return true
}

func (f *eventFilter) has(name string) bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.names[name]
}

// onEvent runs on the call's event goroutine for each event, in order: it forwards
// what the script needs to the loop, in the same order.
func (r *run) onEvent(ev *voice.Event) {
	name := ev.Name()
	if name == "DTMF" {
		digit := ev.Get("DTMF-Digit")
		r.onLoop(func() { r.dtmf.onDigit(r, digit) })
	}
	if r.events.has(name) {
		r.onLoop(func() {
			vm := r.vm
			obj := eventObject(vm, ev.Each)
			for _, h := range r.handlers[name] {
				r.callHandler(name, h, obj)
			}
		})
	}
}

// ctxMethods are ctx's methods (voice-api.md §3), by name: one table for every call, turned into a
// function of a call's ctx only when its script first reads the method.
var ctxMethods = map[string]func(r *run, fc goja.FunctionCall) goja.Value{
	"get": func(r *run, fc goja.FunctionCall) goja.Value {
		vm := r.vm
		v, ok := r.call.Var(fc.Argument(0).String())
		if !ok {
			return goja.Undefined()
		}
		return vm.ToValue(v)
	},
	"set": func(r *run, fc goja.FunctionCall) goja.Value {
		name, value := fc.Argument(0).String(), valueString(fc.Argument(1))
		if !varName.MatchString(name) {
			return r.rejected(r.errs.invalid("ctx.set: bad variable name %q", clip(name)))
		}
		if len(value) > maxArg {
			return r.rejected(r.errs.invalid("ctx.set: value longer than %d bytes", maxArg))
		}
		if err := firstErr(r.policy.checkVar(name), r.policy.checkArg(value)); err != nil {
			return r.refused("ctx.set()", err)
		}
		return r.command("ctx.set()", func(done func(*voice.Event, error)) { r.call.SetVar(name, value, done) }, nil)
	},
	"header": func(r *run, fc goja.FunctionCall) goja.Value {
		name := fc.Argument(0).String()
		if !headerName.MatchString(name) {
			if len(fc.Arguments) > 1 {
				return r.rejected(r.errs.invalid("ctx.header: bad header name %q", clip(name)))
			}
			return goja.Undefined()
		}
		if len(fc.Arguments) < 2 {
			return r.readHeader(name)
		}
		value := valueString(fc.Argument(1))
		if len(value) > maxArg {
			return r.rejected(r.errs.invalid("ctx.header: value longer than %d bytes", maxArg))
		}
		if err := r.policy.checkArg(value); err != nil {
			return r.refused("ctx.header()", err)
		}
		return r.command("ctx.header()", func(done func(*voice.Event, error)) { r.call.SetVar("sip_h_"+name, value, done) }, nil)
	},
	"log": func(r *run, fc goja.FunctionCall) goja.Value {
		r.scriptLog(0x01, fc.Arguments)
		return goja.Undefined()
	},
	"answer":    simpleApp("ctx.answer()", "answer"),
	"preAnswer": simpleApp("ctx.preAnswer()", "pre_answer"),
	"play": func(r *run, fc goja.FunctionCall) goja.Value {
		file, err := r.fileArg("ctx.play", fc.Argument(0))
		if err != nil {
			return r.rejected(err)
		}
		return r.app("ctx.play()", "playback", file, func(ev *voice.Event) (any, error) {
			return ev.Get("Application-Response"), nil
		})
	},
	"tts": func(r *run, fc goja.FunctionCall) goja.Value {
		vm := r.vm
		text := valueString(fc.Argument(0))
		if text == "" || len(text) > maxArg {
			return r.rejected(r.errs.invalid("ctx.tts: text must be 1 to %d bytes", maxArg))
		}
		engine, voiceName := r.e.cfg.TTSEngine, r.e.cfg.TTSVoice
		opts := optObject(vm, fc.Argument(1))
		engine = optString(opts, "engine", engine)
		voiceName = optString(opts, "voice", voiceName)
		if strings.ContainsAny(engine+voiceName, "|\n\r ") {
			return r.rejected(r.errs.invalid("ctx.tts: bad engine or voice"))
		}
		return r.app("ctx.tts()", "speak", engine+"|"+voiceName+"|"+text, nil)
	},
	"say": func(r *run, fc goja.FunctionCall) goja.Value {
		vm := r.vm
		text := valueString(fc.Argument(0))
		opts := optObject(vm, fc.Argument(1))
		lang := optString(opts, "lang", "en")
		typ := optString(opts, "type", "number")
		method := optString(opts, "method", "pronounced")
		for _, f := range []string{lang, typ, method} {
			if !varName.MatchString(f) {
				return r.rejected(r.errs.invalid("ctx.say: bad lang, type or method %q", clip(f)))
			}
		}
		if text == "" || len(text) > 1024 || strings.ContainsAny(text, "\r\n") {
			return r.rejected(r.errs.invalid("ctx.say: text must be one line of 1 to 1024 bytes"))
		}
		return r.app("ctx.say()", "say", lang+" "+typ+" "+method+" "+text, nil)
	},
	"ivr": (*run).ivr,
	"echo": func(r *run, fc goja.FunctionCall) goja.Value {
		app, arg := "echo", ""
		if d := fc.Argument(0); !goja.IsUndefined(d) && !goja.IsNull(d) {
			ms := d.ToInteger()
			if ms <= 0 || ms > 60000 {
				return r.rejected(r.errs.invalid("ctx.echo: delay must be 1 to 60000 ms"))
			}
			app, arg = "delay_echo", strconv.FormatInt(ms, 10)
		}
		return r.untilHangup("ctx.echo()", app, arg)
	},
	"conference": func(r *run, fc goja.FunctionCall) goja.Value {
		name := fc.Argument(0).String()
		profile := "default"
		if p := fc.Argument(1); !goja.IsUndefined(p) && !goja.IsNull(p) {
			profile = p.String()
		}
		if !varName.MatchString(name) || !varName.MatchString(profile) {
			return r.rejected(r.errs.invalid("ctx.conference: bad conference or profile name"))
		}
		return r.untilHangup("ctx.conference()", "conference", name+"@"+profile)
	},
	"bridge": (*run).bridge,
	"hangup": func(r *run, fc goja.FunctionCall) goja.Value {
		cause := "NORMAL_CLEARING"
		if a := fc.Argument(0); !goja.IsUndefined(a) && !goja.IsNull(a) && a.String() != "" {
			cause = a.String()
		}
		if len(cause) <= 128 { // checked first: a huge string is not upper-cased
			cause = strings.ToUpper(cause)
		}
		if !varName.MatchString(cause) {
			return r.rejected(r.errs.invalid("ctx.hangup: bad cause %q", clip(cause)))
		}
		return r.command("ctx.hangup()", func(done func(*voice.Event, error)) {
			r.call.Hangup(cause, func(err error) { done(nil, err) })
		}, nil)
	},
	"blockDtmf": func(r *run, fc goja.FunctionCall) goja.Value {
		digits := ""
		if a := fc.Argument(0); !goja.IsUndefined(a) && !goja.IsNull(a) {
			digits = a.String()
		}
		if digits == "" {
			r.dtmf.blockAll = true
		} else {
			r.dtmf.blocked += digits
		}
		return r.app("ctx.blockDtmf()", "block_dtmf", "", nil)
	},
	"unblockDtmf": func(r *run, fc goja.FunctionCall) goja.Value {
		r.dtmf.blockAll, r.dtmf.blocked = false, ""
		return r.app("ctx.unblockDtmf()", "unblock_dtmf", "", nil)
	},
	"waitFor": (*run).waitFor,
	"waitForHangup": func(r *run, fc goja.FunctionCall) goja.Value {
		vm := r.vm
		p, resolve, _ := r.newPromise()
		if r.down {
			_ = resolve(r.cause)
			return vm.ToValue(p)
		}
		settle := r.loop.reserve()
		r.call.OnHangup(func(cause string) { settle(func() { _ = resolve(cause) }) })
		return vm.ToValue(p)
	},
	"record": func(r *run, fc goja.FunctionCall) goja.Value {
		path, err := r.recordingPath("ctx.record", fc.Argument(0))
		if err != nil {
			return r.rejected(err)
		}
		return r.app("ctx.record()", "record_session", path, func(*voice.Event) (any, error) { return path, nil })
	},
	"recordStop": func(r *run, fc goja.FunctionCall) goja.Value {
		arg := "all"
		if a := fc.Argument(0); !goja.IsUndefined(a) && !goja.IsNull(a) {
			path, err := r.recordingPath("ctx.recordStop", a)
			if err != nil {
				return r.rejected(err)
			}
			arg = path
		}
		return r.app("ctx.recordStop()", "stop_record_session", arg, nil)
	},
	"recordMessage": (*run).recordMessage,
	"sleep": func(r *run, fc goja.FunctionCall) goja.Value {
		ms := fc.Argument(0).ToInteger()
		if ms < 0 || ms > 24*3600*1000 {
			return r.rejected(r.errs.invalid("ctx.sleep: ms must be 0 to 86400000"))
		}
		return r.app("ctx.sleep()", "sleep", strconv.FormatInt(ms, 10), nil)
	},
	"transfer": func(r *run, fc goja.FunctionCall) goja.Value {
		ext := fc.Argument(0).String()
		dialplan, context := "XML", r.call.Data().Get("Caller-Context")
		if a := fc.Argument(1); !goja.IsUndefined(a) && !goja.IsNull(a) {
			dialplan = a.String()
		}
		if a := fc.Argument(2); !goja.IsUndefined(a) && !goja.IsNull(a) {
			context = a.String()
		}
		if context == "" {
			context = "default"
		}
		for _, f := range []string{ext, dialplan, context} {
			if !bareDest.MatchString(f) {
				return r.rejected(r.errs.invalid("ctx.transfer: bad extension, dialplan or context %q", clip(f)))
			}
		}
		return r.app("ctx.transfer()", "transfer", ext+" "+dialplan+" "+context, func(*voice.Event) (any, error) {
			r.call.Detach()
			return nil, nil
		})
	},
	"stop": func(r *run, fc goja.FunctionCall) goja.Value {
		return r.api("ctx.stop()", "uuid_break "+r.call.UUID())
	},
	"on": func(r *run, fc goja.FunctionCall) goja.Value {
		vm := r.vm
		name := fc.Argument(0).String()
		fn, ok := goja.AssertFunction(fc.Argument(1))
		if !ok {
			panic(r.errs.invalid("ctx.on: handler must be a function"))
		}
		switch name {
		case "dtmf", "hangup":
			r.handlers[name] = append(r.handlers[name], fn)
			if name == "hangup" && r.down {
				r.callHandler(name, fn, vm.ToValue(r.cause))
			}
			return goja.Undefined()
		}
		if !eventNameRe.MatchString(name) {
			panic(r.errs.invalid("ctx.on: unknown event %q (use 'dtmf', 'hangup' or a FreeSWITCH event name)", clip(name)))
		}
		r.handlers[name] = append(r.handlers[name], fn)
		if r.events.add(name) {
			if sub, ok := customSubscription(name); ok {
				r.call.SubscribeEvents(sub, func(err error) {
					if err != nil {
						r.log.Warn().Err(err).Str("event", name).Msg("event subscription refused")
					}
				})
			}
		}
		return goja.Undefined()
	},
	"execute": func(r *run, fc goja.FunctionCall) goja.Value {
		vm := r.vm
		app := fc.Argument(0).String()
		arg := ""
		if a := fc.Argument(1); !goja.IsUndefined(a) && !goja.IsNull(a) {
			arg = valueString(a)
		}
		if len(arg) > maxArg {
			return r.rejected(r.errs.invalid("ctx.execute: argument longer than %d bytes", maxArg))
		}
		if err := r.policy.checkApp(app, arg); err != nil {
			return r.refused("ctx.execute()", err)
		}
		return r.app("ctx.execute("+clip(app)+")", app, arg, func(ev *voice.Event) (any, error) {
			vars := vm.NewObject()
			ev.Each(func(name, value string) {
				if v, ok := strings.CutPrefix(name, "variable_"); ok {
					_ = vars.Set(v, value)
				}
			})
			res := vm.NewObject()
			_ = res.Set("response", ev.Get("Application-Response"))
			_ = res.Set("vars", vars)
			return res, nil
		})
	},
	"api": func(r *run, fc goja.FunctionCall) goja.Value {
		cmd := fc.Argument(0).String()
		if len(cmd) > maxArg {
			return r.rejected(r.errs.invalid("ctx.api: command longer than %d bytes", maxArg))
		}
		if err := r.policy.checkAPI(cmd, r.call.UUID()); err != nil {
			return r.refused("ctx.api()", err)
		}
		return r.api("ctx.api()", cmd)
	},
}

// buildCtx makes the `ctx` object: it costs one small struct until the script
// reads a method.
func (r *run) buildCtx(vm *goja.Runtime) *goja.Object {
	return vm.NewDynamicObject(&ctxObject{r: r})
}

// ctxObject is `ctx`: its methods become JavaScript functions the first time a
// script reads them (most scripts use a few of the thirty), and uuid and up are
// read-only properties. A script may replace or delete a method on its own ctx.
type ctxObject struct {
	r       *run
	values  map[string]goja.Value // methods made so far, and what the script set
	deleted map[string]bool
}

func (c *ctxObject) Get(key string) goja.Value {
	switch key {
	case "uuid":
		return c.r.vm.ToValue(c.r.call.UUID())
	case "up":
		return c.r.vm.ToValue(!c.r.down && c.r.call.Up())
	}
	if v, ok := c.values[key]; ok {
		return v
	}
	if c.deleted[key] {
		return nil
	}
	method, ok := ctxMethods[key]
	if !ok {
		return nil
	}
	r := c.r
	v := r.vm.ToValue(func(fc goja.FunctionCall) goja.Value { return method(r, fc) })
	c.set(key, v)
	return v
}

func (c *ctxObject) Set(key string, val goja.Value) bool {
	if key == "uuid" || key == "up" {
		return false // read-only
	}
	c.set(key, val)
	delete(c.deleted, key)
	return true
}

func (c *ctxObject) set(key string, val goja.Value) {
	if c.values == nil {
		c.values = make(map[string]goja.Value, 4)
	}
	c.values[key] = val
}

func (c *ctxObject) Has(key string) bool {
	if key == "uuid" || key == "up" {
		return true
	}
	if _, ok := c.values[key]; ok {
		return true
	}
	_, ok := ctxMethods[key]
	return ok && !c.deleted[key]
}

func (c *ctxObject) Delete(key string) bool {
	if key == "uuid" || key == "up" {
		return false
	}
	delete(c.values, key)
	if c.deleted == nil {
		c.deleted = map[string]bool{}
	}
	c.deleted[key] = true
	return true
}

func (c *ctxObject) Keys() []string {
	keys := make([]string, 0, len(ctxMethods)+len(c.values)+2)
	for k := range ctxMethods {
		if !c.deleted[k] {
			keys = append(keys, k)
		}
	}
	for k := range c.values {
		if _, ok := ctxMethods[k]; !ok {
			keys = append(keys, k)
		}
	}
	keys = append(keys, "uuid", "up")
	sort.Strings(keys)
	return keys
}

// customSubscription tells which "event plain" subscription an event name needs
// beyond myevents (CUSTOM subclasses and BACKGROUND_JOB).
func customSubscription(name string) ([]string, bool) {
	if sub, ok := strings.CutPrefix(name, "CUSTOM::"); ok {
		return []string{"CUSTOM", sub}, true
	}
	if name == "BACKGROUND_JOB" {
		return []string{name}, true
	}
	return nil, false
}

// rejected returns a promise already rejected with err.
func (r *run) rejected(err *goja.Object) goja.Value {
	p, _, reject := r.newPromise()
	_ = reject(err)
	return r.vm.ToValue(p)
}

// refused logs a policy refusal and returns a promise rejected with a
// PermissionError (code EPERM).
func (r *run) refused(what string, err error) goja.Value {
	r.log.Warn().Str("at", r.scriptPos()).Err(err).Msg(what + " refused by the sandbox policy")
	return r.rejected(r.errs.make("PermissionError", CodePermission, what+": "+err.Error()))
}

// simpleApp is a ctx method that runs app with no argument.
func simpleApp(what, app string) func(*run, goja.FunctionCall) goja.Value {
	return func(r *run, _ goja.FunctionCall) goja.Value { return r.app(what, app, "", nil) }
}

// app runs a dialplan application; the promise settles with conv(completion event)
// (undefined if conv is nil) when FreeSWITCH has finished it.
func (r *run) app(what, app, arg string, conv func(*voice.Event) (any, error)) goja.Value {
	if err := r.policy.checkArg(arg); err != nil {
		return r.refused(what, err)
	}
	return r.command(what, func(done func(*voice.Event, error)) { r.call.Execute(app, arg, done) }, conv)
}

// command issues one FreeSWITCH command through issue and returns its promise.
func (r *run) command(what string, issue func(done func(*voice.Event, error)), conv func(*voice.Event) (any, error)) goja.Value {
	p, resolve, reject := r.newPromise()
	tok := r.noteCommand(what)
	settle := r.loop.reserve()
	issue(func(ev *voice.Event, err error) {
		settle(func() {
			r.doneCommand(tok)
			if err != nil {
				_ = reject(r.errs.fromGo(what, err))
				return
			}
			if conv == nil {
				_ = resolve(goja.Undefined())
				return
			}
			v, cerr := conv(ev)
			if cerr != nil {
				_ = reject(r.errs.fromGo(what, cerr))
				return
			}
			_ = resolve(v)
		})
	})
	return r.vm.ToValue(p)
}

// untilHangup runs an application whose normal end is the caller hanging up (echo,
// conference): the hang-up resolves it instead of rejecting it.
func (r *run) untilHangup(what, app, arg string) goja.Value {
	p, resolve, reject := r.newPromise()
	tok := r.noteCommand(what)
	settle := r.loop.reserve()
	r.call.Execute(app, arg, func(_ *voice.Event, err error) {
		settle(func() {
			r.doneCommand(tok)
			if he := (*voice.HangupError)(nil); err != nil && !asHangup(err, &he) {
				_ = reject(r.errs.fromGo(what, err))
				return
			}
			_ = resolve(goja.Undefined())
		})
	})
	return r.vm.ToValue(p)
}

// api runs an API command; the promise resolves with its response body.
func (r *run) api(what, cmd string) goja.Value {
	p, resolve, reject := r.newPromise()
	tok := r.noteCommand(what)
	settle := r.loop.reserve()
	r.call.API(cmd, func(body string, err error) {
		settle(func() {
			r.doneCommand(tok)
			if err != nil {
				_ = reject(r.errs.fromGo(what, err))
				return
			}
			_ = resolve(body)
		})
	})
	return r.vm.ToValue(p)
}

func (r *run) readHeader(name string) goja.Value {
	lower := strings.ToLower(name)
	under := strings.ReplaceAll(lower, "-", "_")
	for _, v := range []string{"sip_h_" + name, "sip_i_" + under, "sip_i_" + lower, "sip_" + under} {
		if val, ok := r.call.Var(v); ok {
			return r.vm.ToValue(val)
		}
	}
	return goja.Undefined()
}

// fileArg checks and maps a sound file argument.
func (r *run) fileArg(what string, v goja.Value) (string, *goja.Object) {
	if goja.IsUndefined(v) || goja.IsNull(v) {
		return "", r.errs.invalid("%s: a file is required", what)
	}
	f := v.String()
	if f == "" || len(f) > 4096 || strings.ContainsAny(f, "\r\n\x00") {
		return "", r.errs.invalid("%s: bad file %q", what, clip(f))
	}
	return r.e.soundPath(f), nil
}

// recordingPath maps a recording name into the recordings folder.
func (r *run) recordingPath(what string, v goja.Value) (string, *goja.Object) {
	name := v.String()
	if goja.IsUndefined(v) || name == "" || len(name) > 255 || strings.HasPrefix(name, "/") ||
		strings.Contains(name, "..") || strings.ContainsAny(name, " \t\r\n\x00\\${}") {
		return "", r.errs.invalid("%s: bad recording name %q (a relative name inside the recordings folder)", what, clip(name))
	}
	return joinPath(r.e.cfg.RecordingsDir, name), nil
}

// ivr implements ctx.ivr(file, timeout, min, max[, terminators[, opts]]) with
// play_and_get_digits; it resolves {status, value}.
func (r *run) ivr(fc goja.FunctionCall) goja.Value {
	vm := r.vm
	file, jerr := r.fileArg("ctx.ivr", fc.Argument(0))
	if jerr != nil {
		return r.rejected(jerr)
	}
	timeoutS := fc.Argument(1).ToFloat()
	minD, maxD := fc.Argument(2).ToInteger(), fc.Argument(3).ToInteger()
	if goja.IsUndefined(fc.Argument(1)) {
		timeoutS = 5
	}
	if goja.IsUndefined(fc.Argument(2)) {
		minD = 1
	}
	if goja.IsUndefined(fc.Argument(3)) {
		maxD = minD
	}
	if timeoutS <= 0 || timeoutS > 3600 || minD < 0 || maxD < minD || maxD > 128 || minD > 128 {
		return r.rejected(r.errs.invalid("ctx.ivr: need timeout 0-3600 s and 0 <= min <= max <= 128"))
	}
	terms := "#"
	if t := fc.Argument(4); !goja.IsUndefined(t) && !goja.IsNull(t) {
		terms = t.String()
		if terms == "" {
			terms = "none"
		}
	}
	opts := optObject(vm, fc.Argument(5))
	tries := optInt(opts, "tries", 1)
	invalid := optString(opts, "invalid_file", "silence_stream://250")
	regex := optString(opts, "regexp", `\d+`)
	transfer := optString(opts, "transfer_on_failure", "")
	if tries < 1 || tries > 10 {
		return r.rejected(r.errs.invalid("ctx.ivr: tries must be 1 to 10"))
	}
	if invalid != "silence_stream://250" {
		invalid = r.e.soundPath(invalid)
	}
	for _, f := range []string{file, invalid, regex, terms, transfer} {
		if strings.ContainsAny(f, " \t\r\n") {
			return r.rejected(r.errs.invalid("ctx.ivr: file names, terminators and regexp cannot hold spaces (FreeSWITCH splits its arguments on them)"))
		}
	}
	r.ivrSeq++
	varName := "cf_ivr_" + strconv.Itoa(r.ivrSeq)
	digitTimeout := int64(timeoutS * 1000)
	arg := fmt.Sprintf("%d %d %d %d %s %s %s %s %s %d", minD, maxD, tries, digitTimeout, terms, file, invalid, varName, regex, digitTimeout)
	if transfer != "" {
		arg += " " + transfer
	}
	r.ivrDepth++
	return r.command("ctx.ivr()", func(done func(*voice.Event, error)) {
		r.call.Execute("play_and_get_digits", arg, func(ev *voice.Event, err error) {
			done(ev, err)
		})
	}, func(ev *voice.Event) (any, error) {
		r.ivrDepth--
		res := vm.NewObject()
		value, _ := ev.Var(varName)
		invalidDigits, _ := ev.Var(varName + "_invalid")
		status := "timeout"
		switch {
		case value != "":
			status = "success"
		case invalidDigits != "":
			status = "invalid"
		}
		_ = res.Set("status", status)
		_ = res.Set("value", value)
		if status == "invalid" {
			_ = res.Set("invalid", invalidDigits)
		}
		return res, nil
	})
}

// bridge implements ctx.bridge(destination[, continueOn[, wait]]).
func (r *run) bridge(fc goja.FunctionCall) goja.Value {
	vm := r.vm
	dest := fc.Argument(0).String()
	if goja.IsUndefined(fc.Argument(0)) || dest == "" || len(dest) > 4096 || strings.ContainsAny(dest, "\r\n\x00") {
		return r.rejected(r.errs.invalid("ctx.bridge: a destination is required"))
	}
	dial := dest
	if !isDialString(dest) {
		if !bareDest.MatchString(dest) {
			return r.rejected(r.errs.invalid("ctx.bridge: %q is neither a number/extension nor a dial string", clip(dest)))
		}
		dial = strings.ReplaceAll(r.e.cfg.DialTemplate, "{dest}", dest)
	}
	continueOn := true
	if a := fc.Argument(1); !goja.IsUndefined(a) && !goja.IsNull(a) {
		continueOn = a.ToBoolean()
	}
	if w := fc.Argument(2); !goja.IsUndefined(w) && !goja.IsNull(w) {
		secs := w.ToInteger()
		if secs <= 0 || secs > 3600 {
			return r.rejected(r.errs.invalid("ctx.bridge: wait must be 1 to 3600 seconds"))
		}
		timeoutVar := "originate_timeout=" + strconv.FormatInt(secs, 10)
		if strings.HasPrefix(dial, "{") {
			dial = "{" + timeoutVar + "," + dial[1:]
		} else {
			dial = "{" + timeoutVar + "}" + dial
		}
	}
	if err := r.policy.checkDial(dial); err != nil {
		return r.refused("ctx.bridge()", err)
	}
	// Without continue_on_fail FreeSWITCH itself hangs the caller up when the bridge
	// fails (switch_channel_handle_cause), before the script can decide: the engine
	// keeps the call up and does what continueOn says. Pipelined: FreeSWITCH runs the
	// set before the bridge.
	if v, _ := r.call.Var("continue_on_fail"); v != "true" {
		r.call.SetVar("continue_on_fail", "true", func(*voice.Event, error) {})
	}
	return r.app("ctx.bridge()", "bridge", dial, func(ev *voice.Event) (any, error) {
		disp := ev.Get("variable_originate_disposition")
		res := vm.NewObject()
		status, cause := "failed", disp
		bLeg := ev.Get("Other-Leg-Unique-ID")
		if disp == "SUCCESS" || disp == "ANSWER" {
			status = "success"
			cause = ev.Get("variable_bridge_hangup_cause")
			if cause == "" {
				cause = ev.Get("variable_last_bridge_hangup_cause")
			}
			if cause == "" {
				cause = "NORMAL_CLEARING"
			}
			if bLeg == "" {
				bLeg = ev.Get("variable_bridge_uuid")
			}
		} else {
			bLeg = ""
			if cause == "" {
				cause = ev.Get("Application-Response")
			}
		}
		_ = res.Set("status", status)
		_ = res.Set("cause", cause)
		_ = res.Set("bLeg", bLeg)
		if status == "failed" && !continueOn {
			settle := r.loop.reserve()
			r.call.Hangup(cause, func(error) { settle(nil) })
			return nil, fmt.Errorf("%w: bridge failed (%s) and continueOn is false", ErrInvalidArgument, cause)
		}
		return res, nil
	})
}

// recordMessage implements ctx.recordMessage(name, {maxSeconds, silenceThreshold,
// silenceSeconds, terminators}) with the blocking record application.
func (r *run) recordMessage(fc goja.FunctionCall) goja.Value {
	vm := r.vm
	path, jerr := r.recordingPath("ctx.recordMessage", fc.Argument(0))
	if jerr != nil {
		return r.rejected(jerr)
	}
	opts := optObject(vm, fc.Argument(1))
	maxS := optInt(opts, "maxSeconds", 60)
	thresh := optInt(opts, "silenceThreshold", 200)
	silence := optInt(opts, "silenceSeconds", 3)
	terms := optString(opts, "terminators", "#")
	if maxS <= 0 || maxS > 3600 || thresh < 0 || thresh > 100000 || silence < 0 || silence > 3600 ||
		strings.ContainsAny(terms, " \r\n=") || len(terms) > 16 {
		return r.rejected(r.errs.invalid("ctx.recordMessage: bad options"))
	}
	if terms == "" {
		terms = "none"
	}
	// Both commands are sent now; FreeSWITCH runs them in order.
	r.call.SetVar("playback_terminators", terms, func(*voice.Event, error) {})
	arg := fmt.Sprintf("%s %d %d %d", path, maxS, thresh, silence)
	return r.app("ctx.recordMessage()", "record", arg, func(ev *voice.Event) (any, error) {
		res := vm.NewObject()
		// record_seconds is whole seconds (the real switch: "2" for 2,060 ms); record_ms
		// is what the length really was.
		secs, _ := strconv.ParseFloat(ev.Get("variable_record_seconds"), 64)
		if ms, err := strconv.ParseFloat(ev.Get("variable_record_ms"), 64); err == nil {
			secs = ms / 1000
		}
		_ = res.Set("path", path)
		_ = res.Set("seconds", secs)
		_ = res.Set("terminator", ev.Get("variable_playback_terminator_used"))
		return res, nil
	})
}

// isDialString reports whether dest is a FreeSWITCH dial string rather than a bare
// number or extension.
func isDialString(dest string) bool {
	return strings.ContainsRune(dest, '/') || strings.HasPrefix(dest, "{") || strings.HasPrefix(dest, "[") ||
		strings.HasPrefix(dest, "<")
}

func asHangup(err error, target **voice.HangupError) bool {
	he, ok := err.(*voice.HangupError)
	if ok {
		*target = he
	}
	return ok
}

func valueString(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return ""
	}
	return v.String()
}

func optObject(vm *goja.Runtime, v goja.Value) *goja.Object {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil
	}
	if o, ok := v.(*goja.Object); ok {
		return o
	}
	return nil
}

func optString(o *goja.Object, key, def string) string {
	if o == nil {
		return def
	}
	v := o.Get(key)
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return def
	}
	return v.String()
}

func optInt(o *goja.Object, key string, def int64) int64 {
	if o == nil {
		return def
	}
	v := o.Get(key)
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return def
	}
	return v.ToInteger()
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
