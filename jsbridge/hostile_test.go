package jsbridge_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/voice/fstest"
)

// hostileCase is one script of testdata/hostile and what the engine must do with it.
type hostileCase struct {
	name   string // testdata/hostile/<name>.js
	engine string // "" (shared), "heap" or "duration": engines with their own limits
	cause  string // hang-up cause of the hostile call
	// The log line that reports it: level, a substring of the message, and fields it
	// must hold (besides call and script, always checked).
	level, msg string
	fields     map[string]string
	errorHas   string   // substring of the line's "error" field ("" = not checked)
	script     []string // the script's own log lines, exactly (nil = not checked)
	never      []string // no command sent to FreeSWITCH may contain one of these
}

const (
	ntf      = "NORMAL_TEMPORARY_FAILURE"
	clearing = "NORMAL_CLEARING"
	limitMsg = "script limit hit"
	refusal  = "refused by the sandbox policy"
)

func repeatLines(format string, items ...string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = fmt.Sprintf(format, it)
	}
	return out
}

func limitHit(name string) map[string]string { return map[string]string{"limit": name} }

var hostileCases = []hostileCase{
	// Limits.
	{name: "cpu-main", cause: ntf, level: "error", msg: limitMsg, fields: limitHit("cpu")},
	{name: "cpu-timer", cause: ntf, level: "error", msg: limitMsg, fields: limitHit("cpu")},
	{name: "cpu-promise-job", cause: ntf, level: "error", msg: limitMsg, fields: limitHit("cpu")},
	{name: "cpu-microtask-chain-in-timer", cause: ntf, level: "error", msg: limitMsg, fields: limitHit("cpu")},
	{name: "await-microtask-loop", cause: ntf, level: "error", msg: limitMsg, fields: limitHit("cpu")},
	{name: "regex-backtracking", cause: ntf, level: "error", msg: limitMsg, fields: limitHit("cpu"),
		script: []string{"classic:false"}, never: []string{"after-regex"}},
	{name: "stack-overflow", cause: ntf, level: "error", msg: "call stack passed its depth cap", errorHas: "maximum call stack size"},
	{name: "heap-runaway", engine: "heap", cause: ntf, level: "error", msg: limitMsg, fields: limitHit("memory")},
	{name: "timer-cap", cause: ntf, level: "error", msg: "too many live timers", fields: limitHit("timers")},
	{name: "interval-storm", cause: ntf, level: "error", msg: "too many live timers", fields: limitHit("timers")},
	{name: "call-duration", engine: "duration", cause: ntf, level: "error", msg: limitMsg, fields: limitHit("call-duration")},

	// Refusals: a JS error with code EPERM the script catches and logs.
	{name: "refused-apps", cause: clearing, level: "warn", msg: "ctx.execute() " + refusal,
		script: repeatLines("%s:EPERM", "system", "bg_system", "spawn", "lua", "luarun", "js", "jsrun", "python",
			"perl", "eval", "expand", "originate", "SYSTEM", "Lua"),
		never: []string{"pwned"}},
	{name: "refused-apis", cause: clearing, level: "warn", msg: "ctx.api() " + refusal,
		script: repeatLines("%s:EPERM", "originate", "reloadxml", "reload", "load", "unload", "shutdown", "fsctl",
			"bgapi", "system", "luarun", "jsrun", "expand", "eval", "ORIGINATE"),
		never: []string{"originate", "reload", "load", "shutdown", "fsctl", "bgapi", "system", "run", "expand", "eval"}},
	{name: "uuid-other-call", cause: clearing, level: "warn", msg: "ctx.api() " + refusal,
		script: repeatLines("%s:EPERM", "uuid_kill", "uuid_transfer", "uuid_bridge", "uuid_bridge", "uuid_getvar",
			"uuid_setvar", "uuid_dump", "uuid_break", "uuid_record", "UUID_GETVAR", "uuid_getvar"),
		never: []string{"0badc0de", "API "}},
	{name: "dial-smuggling", cause: clearing, level: "warn", msg: "ctx.bridge() " + refusal,
		script: append(repeatLines("%s:EPERM", "bridge", "bridge", "bridge", "bridge", "bridge", "bridge", "bridge",
			"bridge"), "execute-bridge:EPERM"),
		never: []string{"bridge"}},
	{name: "hook-vars", cause: clearing, level: "warn", msg: refusal,
		script: append(repeatLines("%s:EPERM", "ctx.set", "ctx.set", "ctx.set", "ctx.set", "ctx.set", "set", "set",
			"export", "export", "push", "multiset", "multiset", "uuid_setvar"), "header:harmless"),
		never: []string{"system id", "lua x", "hook=", "app=", "API "}},
	{name: "expansions", cause: clearing, level: "warn", msg: refusal,
		script: repeatLines("%s:EPERM", "play", "play", "tts", "say", "set", "set", "set", "set", "header", "execute",
			"api", "bridge"),
		never: []string{"system(", "lua(", "(id)"}},
	{name: "require-host-modules", cause: clearing, level: "warn", msg: "require of a host module refused",
		script: repeatLines("%s:EPERM", "fs", "child_process", "net", "process", "node:fs", "node:child_process", "os",
			"vm", "fs/promises", "../../../etc/passwd")},

	// Failures: the call ends NORMAL_TEMPORARY_FAILURE.
	{name: "unhandled-rejection", cause: ntf, level: "error", msg: "unhandled promise rejection: ending the call",
		errorHas: "nobody handles this"},
	{name: "throw-string", cause: ntf, level: "error", msg: "main rejected", errorHas: "a plain string"},
	{name: "throw-object", cause: ntf, level: "error", msg: "main rejected", errorHas: "unprintable value"},
	{name: "throw-null", cause: ntf, level: "error", msg: "main rejected", errorHas: "null"},
	{name: "throw-undefined", cause: ntf, level: "error", msg: "main threw", errorHas: "undefined"},
	{name: "throw-symbol", cause: ntf, level: "error", msg: "main rejected", errorHas: "sneaky"},
	{name: "never-settles", cause: ntf, level: "error", msg: "main never settled"},
	{name: "replace-ctx-methods", cause: ntf, level: "error", msg: "main rejected", errorHas: `{"name":"HangupError"}`}, // its own Error, replaced: a fake HangupError on a live call is a failure
	{name: "delete-ctx-methods", cause: ntf, level: "error", msg: "main rejected", errorHas: "TypeError",
		never: []string{"gone.wav"}},
	{name: "poison-object-prototype", cause: ntf, level: "error", msg: "main rejected", errorHas: "after poisoning",
		script: []string{"system:EPERM"}},
	{name: "poison-array-prototype", cause: ntf, level: "error", msg: "main rejected", errorHas: "after poisoning arrays"},
	{name: "poison-promise-then", cause: ntf, level: "error", msg: "main rejected", errorHas: "main rejects for real"},
	{name: "poison-json", cause: ntf, level: "error", msg: "main rejected", errorHas: `{"plain":"object"}`,
		script: []string{`{"still":"logged"}`}},
	{name: "global-this-tricks", cause: ntf, level: "error", msg: "main rejected", errorHas: "TypeError",
		script: []string{"require:EPERM", "require:EPERM", "require:EPERM", "found:"}},
	{name: "constructor-constructor", cause: ntf, level: "error", msg: "main rejected", errorHas: "PermissionError",
		script: []string{"same-global:true exit:undefined", "native:true"}},
	{name: "process-exit-binding", cause: ntf, level: "error", msg: "main rejected", errorHas: "TypeError",
		script: []string{"exit:undefined binding:undefined home:undefined", "env-frozen:true"}},
	{name: "huge-strings", cause: clearing, level: "info", msg: "play:EINVAL",
		script: append(repeatLines("%s:EINVAL", "play", "tts", "say", "set-name", "set-value", "header", "execute",
			"api", "bridge", "transfer", "hangup", "ivr", "record", "conference"),
			strings.Repeat("x", 8<<10)+"…", strings.Repeat("x", 8<<10)+"…"),
		never: []string{"xxxxxxxx"}},
}

// goodScript is the well-behaved script that runs next to each hostile one: it
// answers, plays, waits for '#' (sent when the hostile call is over) and returns.
const goodScript = `async function main(data, ctx) {
	await ctx.answer();
	await ctx.play('good.wav');
	await ctx.waitFor('#', null, 30);
	console.log('good done');
}`

// hostileEngines starts the engines the cases need, each serving every hostile
// script and the good one.
func hostileEngines(t *testing.T) map[string]*engine {
	t.Helper()
	scripts := map[string]string{"good.js": goodScript}
	entries, err := os.ReadDir(filepath.Join("testdata", "hostile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range entries {
		b, err := os.ReadFile(filepath.Join("testdata", "hostile", de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		scripts[de.Name()] = string(b)
	}
	small := func(c *jsbridge.Config) {
		c.Limits = jsbridge.Limits{CPU: 200 * time.Millisecond, Timers: 50}
		c.AfterHangupGrace = 300 * time.Millisecond
	}
	return map[string]*engine{
		"": startEngine(t, scripts, small),
		// The heap guard, not the CPU budget, must be what stops the runaway.
		"heap": startEngine(t, scripts, small, func(c *jsbridge.Config) {
			c.Limits.CPU = 20 * time.Second
			c.Limits.HeapBytes = 256 << 20
		}),
		"duration": startEngine(t, scripts, small, func(c *jsbridge.Config) { c.Limits.CallDuration = 1500 * time.Millisecond }),
	}
}

// TestHostileScripts runs each hostile script while a well-behaved call is up on the
// same engine: the hostile call ends the way its case says, with a clear log line;
// the good call completes normally.
func TestHostileScripts(t *testing.T) {
	t.Parallel()
	engines := hostileEngines(t)
	files, _ := filepath.Glob(filepath.Join("testdata", "hostile", "*.js"))
	if len(files) != len(hostileCases) || len(hostileCases) < 30 {
		t.Fatalf("%d files in testdata/hostile, %d cases: every file needs a case (and at least 30)", len(files), len(hostileCases))
	}
	for _, tc := range hostileCases {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := engines[tc.engine]
			// The duration engine ends every call at 1.5 s: there the good call runs
			// inside the hostile one instead of around it.
			inside := tc.engine == "duration"
			var good *fstest.Call
			if !inside {
				good = startGood(t, e)
			}
			c := e.dial(t, tc.name, fstest.CallConfig{})
			if inside {
				if err := c.WaitApp(testCtx(t), "answer"); err != nil {
					t.Fatal(err)
				}
				good = startGood(t, e)
				finishGood(t, e, good)
			}
			res := e.wait(t, c)
			checkHostile(t, e, tc, res)
			if !inside {
				finishGood(t, e, good)
			}
		})
	}
}

func startGood(t *testing.T, e *engine) *fstest.Call {
	t.Helper()
	g := e.dial(t, "good", fstest.CallConfig{})
	if err := g.WaitApp(testCtx(t), "playback"); err != nil {
		t.Fatalf("good call: %v", err)
	}
	return g
}

// finishGood presses '#' on the good call and checks it ended normally.
func finishGood(t *testing.T, e *engine, g *fstest.Call) {
	t.Helper()
	g.SendDTMF("#")
	res := e.wait(t, g)
	want := []string{"answer", "playback good.wav", "HANGUP NORMAL_CLEARING"}
	if got := apps(res); !reflect.DeepEqual(got, want) || res.HangupCause != clearing {
		t.Errorf("good call: commands %q cause %q, want %q NORMAL_CLEARING\nlogs %v", got, res.HangupCause, want, e.logs.lines(res.UUID))
	}
	if msgs := e.logs.scriptMessages(res.UUID); !reflect.DeepEqual(msgs, []string{"good done"}) {
		t.Errorf("good call logged %q", msgs)
	}
	for _, l := range e.logs.lines(res.UUID) {
		if l["level"] == "error" {
			t.Errorf("good call has an error line: %v", l)
		}
	}
}

func checkHostile(t *testing.T, e *engine, tc hostileCase, res fstest.Result) {
	t.Helper()
	lines := e.logs.lines(res.UUID)
	dump := func() string {
		var b strings.Builder
		for _, l := range lines {
			fmt.Fprintf(&b, "\n  %v", clipLine(l))
		}
		return fmt.Sprintf("%q%s", clipAll(apps(res)), b.String())
	}
	if res.HangupCause != tc.cause {
		t.Errorf("hang-up cause %q, want %q\n%s", res.HangupCause, tc.cause, dump())
	}
	if !res.ExitReceived {
		t.Errorf("the engine never sent exit")
	}
	var line map[string]any
	for _, l := range lines {
		if m, _ := l["message"].(string); strings.Contains(m, tc.msg) && l["level"] == tc.level {
			line = l
			break
		}
	}
	if line == nil {
		t.Fatalf("no %s line %q\n%s", tc.level, tc.msg, dump())
	}
	if line["call"] != res.UUID || line["script"] != tc.name {
		t.Errorf("log line lacks call/script fields: %v", clipLine(line))
	}
	for k, v := range tc.fields {
		if line[k] != v {
			t.Errorf("log line %s = %v, want %q: %v", k, line[k], v, clipLine(line))
		}
	}
	if tc.errorHas != "" {
		if s, _ := line["error"].(string); !strings.Contains(s, tc.errorHas) {
			t.Errorf("log line error %q does not hold %q", line["error"], tc.errorHas)
		}
	}
	if tc.script != nil {
		if got := e.logs.scriptMessages(res.UUID); !reflect.DeepEqual(got, tc.script) {
			t.Errorf("script logged\n %q\nwant\n %q", clipAll(got), clipAll(tc.script))
		}
	}
	for _, a := range apps(res) {
		for _, bad := range tc.never {
			if strings.Contains(a, bad) {
				t.Errorf("FreeSWITCH was sent %q", clip(a))
			}
		}
	}
	for _, l := range lines {
		if m, _ := l["message"].(string); len(m) > 16<<10 {
			t.Errorf("a log line of %d bytes", len(m))
		}
		if l["message"] == "script runtime panicked" {
			t.Errorf("the runtime panicked: %v", clipLine(l))
		}
	}
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

func clipAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = clip(s)
	}
	return out
}

func clipLine(l map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range l {
		if s, ok := v.(string); ok {
			v = clip(s)
		}
		out[k] = v
	}
	return out
}

// Each call's runtime is fresh: a script that poisons globals and built-in
// prototypes does not change what the next call, of another script, sees.
func TestFreshRuntimePerCall(t *testing.T) {
	t.Parallel()
	const probe = `[typeof Object.prototype.then, typeof Object.prototype.code, [1, 2].join('-'), [3].map(x => x * 2)[0],
		JSON.stringify(JSON.parse('{"a":1}')), typeof globalThis.leaked, Promise.prototype.then.toString().includes('native code'),
		typeof Array.prototype.evil, String.prototype.trim.call(' t '), Math.max(1, 2), typeof require, typeof process.env.LEAK]`
	e := startEngine(t, map[string]string{
		"poison.js": `
			Object.prototype.then = function (r) { r('hijacked'); };
			Object.defineProperty(Object.prototype, 'code', { get() { return 'FAKE'; }, configurable: true });
			Array.prototype.join = () => 'poisoned'; Array.prototype.map = () => []; Array.prototype.evil = 1;
			JSON.parse = () => 'poisoned'; JSON.stringify = () => 'poisoned';
			Promise.prototype.then = function () { return this; };
			String.prototype.trim = () => 'poisoned'; Math.max = () => -1;
			globalThis.leaked = true; require = null;
			async function main(data, ctx) {
				process.env.LEAK = 'x';
				ctx.log('poisoned');
			}`,
		"clean.js": `async function main(data, ctx) { await ctx.set('out', JSON.stringify(` + probe + `)); }`,
	})
	const want = `["undefined","undefined","1-2",6,"{\"a\":1}","undefined",true,"undefined","t",2,"function","undefined"]`
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.wait(t, e.dial(t, "poison", fstest.CallConfig{}))
		}()
	}
	wg.Wait()
	for i := 0; i < 3; i++ {
		c := e.dial(t, "clean", fstest.CallConfig{})
		res := e.wait(t, c)
		if got, _ := c.Var("out"); got != want {
			t.Fatalf("clean call %d saw\n %s\nwant\n %s\nlogs %v", i, got, want, e.logs.lines(res.UUID))
		}
	}
}
