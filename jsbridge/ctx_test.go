package jsbridge_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/voice/fstest"
)

// Every ctx method of voice-api.md §3 does the right FreeSWITCH work, and what it
// resolves with reaches the script (the script stores it in the channel variable
// "out" as JSON).
func TestCtxMethods(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string // body of async main(data, ctx)
		setup func(*fstest.Call)
		vars  map[string]string // extra channel variables
		apps  []string          // every command, in order (final HANGUP included)
		out   string            // JSON the script stored in "out" ("" = don't check)
		cause string
	}{
		{name: "answer", body: `await ctx.answer();`,
			apps: []string{"answer", "HANGUP NORMAL_CLEARING"}, cause: "NORMAL_CLEARING"},
		{name: "preAnswer", body: `await ctx.preAnswer();`,
			apps: []string{"pre_answer", "HANGUP NORMAL_CLEARING"}},
		{name: "play maps user/ and resolves with the response",
			body: `await ctx.answer(); const r = await ctx.play('user/hello.wav'); await ctx.set('out', JSON.stringify(r));`,
			apps: []string{"answer", "playback /snd/user/hello.wav", `set out="FILE PLAYED"`, "HANGUP NORMAL_CLEARING"},
			out:  `"FILE PLAYED"`},
		{name: "play of a missing file resolves FILE NOT FOUND",
			body:  `const r = await ctx.play('/nope.wav'); await ctx.set('out', JSON.stringify(r));`,
			setup: func(c *fstest.Call) { c.MissingFile("/nope.wav") },
			apps:  []string{"playback /nope.wav", `set out="FILE NOT FOUND"`, "HANGUP NORMAL_CLEARING"}, out: `"FILE NOT FOUND"`},
		{name: "ivr/ passes through", body: `await ctx.play('ivr/ivr-welcome.wav');`,
			apps: []string{"playback ivr/ivr-welcome.wav", "HANGUP NORMAL_CLEARING"}},
		{name: "tts with defaults and overrides",
			body: `await ctx.tts('Hello there'); await ctx.tts('Bonjour', {engine: 'tts_commandline', voice: 'fr'});`,
			apps: []string{"speak flite|kal|Hello there", "speak tts_commandline|fr|Bonjour", "HANGUP NORMAL_CLEARING"}},
		{name: "say", body: `await ctx.say('1234', {type: 'number', method: 'iterated'});`,
			apps: []string{"say en number iterated 1234", "HANGUP NORMAL_CLEARING"}},
		{name: "ivr success",
			body:  `const r = await ctx.ivr('user/menu.wav', 3, 1, 4, '#'); await ctx.set('out', JSON.stringify(r));`,
			setup: func(c *fstest.Call) { c.PressOn("play_and_get_digits", "42#") },
			apps: []string{`play_and_get_digits 1 4 1 3000 # /snd/user/menu.wav silence_stream://250 cf_ivr_1 \d+ 3000`,
				`set out={"status":"success","value":"42"}`, "HANGUP NORMAL_CLEARING"},
			out: `{"status":"success","value":"42"}`},
		{name: "ivr timeout",
			body: `const r = await ctx.ivr('user/menu.wav', 2, 1, 1, '#', {tries: 2}); await ctx.set('out', JSON.stringify(r));`,
			apps: []string{`play_and_get_digits 1 1 2 2000 # /snd/user/menu.wav silence_stream://250 cf_ivr_1 \d+ 2000`,
				`set out={"status":"timeout","value":""}`, "HANGUP NORMAL_CLEARING"},
			out: `{"status":"timeout","value":""}`},
		{name: "ivr invalid",
			body:  `const r = await ctx.ivr('user/menu.wav', 2, 1, 1, '#', {regexp: '[12]', invalid_file: 'user/bad.wav'}); await ctx.set('out', JSON.stringify(r));`,
			setup: func(c *fstest.Call) { c.PressOn("play_and_get_digits", "9") },
			apps: []string{`play_and_get_digits 1 1 1 2000 # /snd/user/menu.wav /snd/user/bad.wav cf_ivr_1 [12] 2000`,
				`set out={"status":"invalid","value":"","invalid":"9"}`, "HANGUP NORMAL_CLEARING"},
			out: `{"status":"invalid","value":"","invalid":"9"}`},
		{name: "echo resolves when the caller hangs up",
			body:  `await ctx.echo(); console.log('echo over');`,
			setup: func(c *fstest.Call) { c.HangupOn("echo", 50*time.Millisecond, "NORMAL_CLEARING") },
			apps:  []string{"echo"}, cause: "NORMAL_CLEARING"},
		{name: "delay echo", body: `await ctx.echo(500);`,
			setup: func(c *fstest.Call) { c.HangupOn("delay_echo", 10*time.Millisecond, "") },
			apps:  []string{"delay_echo 500"}},
		{name: "bridge of a bare number uses the dial template",
			body: `const r = await ctx.bridge('1002'); await ctx.set('out', JSON.stringify({status: r.status, cause: r.cause, b: r.bLeg !== ''}));`,
			apps: []string{"set continue_on_fail=true", "bridge sofia/gateway/gw/1002", `set out={"status":"success","cause":"NORMAL_CLEARING","b":true}`, "HANGUP NORMAL_CLEARING"},
			out:  `{"status":"success","cause":"NORMAL_CLEARING","b":true}`},
		{name: "bridge failure resolves failed with the cause",
			body:  `const r = await ctx.bridge('sofia/gateway/x/1', true, 15); await ctx.set('out', JSON.stringify(r));`,
			setup: func(c *fstest.Call) { c.FailBridge("USER_BUSY") },
			apps:  []string{"set continue_on_fail=true", "bridge {originate_timeout=15}sofia/gateway/x/1", `set out={"status":"failed","cause":"USER_BUSY","bLeg":""}`, "HANGUP NORMAL_CLEARING"},
			out:   `{"status":"failed","cause":"USER_BUSY","bLeg":""}`},
		{name: "bridge failure without continueOn ends the call with the cause",
			body:  `try { await ctx.bridge('1002', false); } catch (e) { console.log('caught', e.code); }`,
			setup: func(c *fstest.Call) { c.FailBridge("NO_ANSWER") },
			apps:  []string{"set continue_on_fail=true", "bridge sofia/gateway/gw/1002", "HANGUP NO_ANSWER"}, cause: "NO_ANSWER"},
		{name: "hangup with a cause", body: `await ctx.answer(); await ctx.hangup('USER_BUSY'); console.log('up', ctx.up);`,
			apps: []string{"answer", "HANGUP USER_BUSY"}, cause: "USER_BUSY"},
		{name: "blockDtmf", body: `await ctx.blockDtmf();`, apps: []string{"block_dtmf", "HANGUP NORMAL_CLEARING"}},
		{name: "record resolves with the path once started",
			body: `const p = await ctx.record('call-1.wav'); await ctx.set('out', JSON.stringify(p)); await ctx.recordStop('call-1.wav');`,
			apps: []string{"record_session /rec/call-1.wav", `set out="/rec/call-1.wav"`, "stop_record_session /rec/call-1.wav", "HANGUP NORMAL_CLEARING"},
			out:  `"/rec/call-1.wav"`},
		{name: "recordMessage",
			body:  `const r = await ctx.recordMessage('vm.wav', {maxSeconds: 30, silenceSeconds: 2}); await ctx.set('out', JSON.stringify({path: r.path, t: r.terminator}));`,
			setup: func(c *fstest.Call) { c.PressOn("record", "#") },
			apps:  []string{"set playback_terminators=#", "record /rec/vm.wav 30 200 2", `set out={"path":"/rec/vm.wav","t":"#"}`, "HANGUP NORMAL_CLEARING"},
			out:   `{"path":"/rec/vm.wav","t":"#"}`},
		{name: "sleep", body: `await ctx.sleep(20);`, apps: []string{"sleep 20", "HANGUP NORMAL_CLEARING"}},
		{name: "failure-tuning variables are not hooks; execute_on_answer is",
			body: `await ctx.set('continue_on_fail', 'NO_ANSWER,USER_BUSY'); await ctx.set('fail_on_single_reject', 'USER_BUSY');
try { await ctx.set('execute_on_answer', 'playback x'); } catch (e) { await ctx.set('out', e.code); }`,
			apps: []string{"set continue_on_fail=NO_ANSWER,USER_BUSY", "set fail_on_single_reject=USER_BUSY", "set out=EPERM", "HANGUP NORMAL_CLEARING"},
			out:  "EPERM"},
		{name: "transfer detaches: no hangup afterwards", body: `await ctx.answer(); await ctx.transfer('9999', 'XML', 'default');`,
			apps: []string{"answer", "transfer 9999 XML default"}},
		{name: "conference ends with the caller", body: `await ctx.conference('room1');`,
			setup: func(c *fstest.Call) { c.HangupOn("conference", 20*time.Millisecond, "") },
			apps:  []string{"conference room1@default"}},
		{name: "set then get sees the value at once; header reads and writes",
			body: `ctx.set('a', 'b'); const v = ctx.get('a'); await ctx.header('X-Tenant', 'acme');
			       await ctx.set('out', JSON.stringify([v, ctx.get('nope'), ctx.header('X-Ref')]));`,
			vars: map[string]string{"sip_h_X-Ref": "r-1"},
			apps: []string{"set a=b", "set sip_h_X-Tenant=acme", `set out=["b",null,"r-1"]`, "HANGUP NORMAL_CLEARING"},
			out:  `["b",null,"r-1"]`},
		{name: "execute resolves with response and vars",
			body: `const r = await ctx.execute('set', 'k=v'); await ctx.set('out', JSON.stringify([r.response, r.vars.k]));`,
			apps: []string{"set k=v", `set out=["_none_","v"]`, "HANGUP NORMAL_CLEARING"}, out: `["_none_","v"]`},
		{name: "api resolves with the body",
			body: `await ctx.set('k', 'v1'); const b = await ctx.api('uuid_getvar ' + ctx.uuid + ' k'); await ctx.set('out', JSON.stringify(b));`,
			apps: []string{"set k=v1", "API uuid_getvar UUID k", `set out="v1"`, "HANGUP NORMAL_CLEARING"}, out: `"v1"`},
		{name: "stop interrupts the playback",
			body: `const p = ctx.play('long.wav'); await ctx.sleep(0); await ctx.stop(); const r = await p; await ctx.set('out', JSON.stringify(r));`,
			apps: []string{"playback long.wav", "sleep 0", "API uuid_break UUID", `set out="FILE PLAYED"`, "HANGUP NORMAL_CLEARING"}, out: `"FILE PLAYED"`},
	}
	scriptName := func(test string) string {
		return strings.NewReplacer(" ", "-", "/", "-", ",", "", ":", "").Replace(test) + ".js"
	}
	src := map[string]string{}
	for _, tc := range tests {
		src[scriptName(tc.name)] = "async function main(data, ctx) {\n" + tc.body + "\n}\n"
	}
	e := startEngine(t, src)
	for _, tc := range tests {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name := scriptName(tc.name)
			cfg := fstest.CallConfig{Vars: tc.vars}
			if strings.Contains(tc.name, "long.wav") || strings.HasPrefix(tc.name, "stop") {
				cfg.Media = func(app, arg string) time.Duration {
					if app == "playback" {
						return 10 * time.Second
					}
					return 0
				}
			}
			if tc.vars == nil {
				cfg.Vars = map[string]string{}
			}
			cfg.Setup = tc.setup
			c := e.dial(t, strings.TrimSuffix(name, ".js"), cfg)
			res := e.wait(t, c)
			got := apps(res)
			for i := range got {
				got[i] = strings.ReplaceAll(got[i], res.UUID, "UUID")
			}
			want := tc.apps
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("commands:\n got %q\nwant %q\nlogs: %v", got, want, e.logs.lines(res.UUID))
			}
			if tc.out != "" {
				if v, _ := c.Var("out"); v != tc.out {
					t.Errorf("out = %s, want %s", v, tc.out)
				}
			}
			if tc.cause != "" && res.HangupCause != tc.cause {
				t.Errorf("hangup cause %q, want %q", res.HangupCause, tc.cause)
			}
			if !res.ExitReceived && !strings.Contains(tc.name, "transfer") {
				t.Errorf("engine never sent exit")
			}
			if l := e.logs.find(res.UUID, "main rejected"); l != nil {
				t.Errorf("script failed: %v", l)
			}
		})
	}
}

// A command's promise settles on the application's completion, not on +OK: with
// media taking 150 ms the awaited play takes at least that long, and the next
// command is sent only after the completion.
func TestSettlesOnCompletionNotOnReply(t *testing.T) {
	t.Parallel()
	e := startEngine(t, map[string]string{"m.js": `async function main(data, ctx) {
		const t0 = Date.now(); await ctx.play('a.wav'); const t1 = Date.now();
		await ctx.set('elapsed', String(t1 - t0));
	}`})
	c := e.dial(t, "m", fstest.CallConfig{Media: func(app, _ string) time.Duration {
		if app == "playback" {
			return 150 * time.Millisecond
		}
		return 0
	}})
	res := e.wait(t, c)
	v, _ := c.Var("elapsed")
	var ms int
	fmt.Sscan(v, &ms)
	if ms < 150 {
		t.Fatalf("await ctx.play took %d ms, less than the 150 ms the playback lasted", ms)
	}
	if res.Commands[len(res.Commands)-1].Name != "exit" {
		t.Errorf("last command %q, want exit", res.Commands[len(res.Commands)-1].Name)
	}
	for _, cmd := range res.Commands {
		if cmd.App == "set" && cmd.EngineTime < 0 {
			t.Errorf("set was sent while the playback was still running")
		}
	}
}

func TestWaitForBurstOf500DigitsInOrder(t *testing.T) {
	t.Parallel()
	e := startEngine(t, map[string]string{"w.js": `async function main(data, ctx) {
		await ctx.answer();
		const d = await ctx.waitFor(s => s.length >= 500, null, 10);
		await ctx.set('got', d);
	}`})
	var digits strings.Builder
	for i := 0; i < 500; i++ {
		digits.WriteByte("0123456789*#ABCD"[i%16])
	}
	c := e.dial(t, "w", fstest.CallConfig{})
	ctx := testCtx(t)
	if err := c.WaitApp(ctx, "answer"); err != nil {
		t.Fatal(err)
	}
	c.SendDTMF(digits.String())
	e.wait(t, c)
	if got, _ := c.Var("got"); got != digits.String() {
		t.Fatalf("waitFor saw %d digits %q..., want the 500 in order", len(got), got[:min(len(got), 40)])
	}
}

func TestWaitForMatchFailMatchTimeout(t *testing.T) {
	t.Parallel()
	e := startEngine(t, map[string]string{"w.js": `async function main(data, ctx) {
		const out = [];
		await ctx.answer();
		out.push(await ctx.waitFor('#', '*', 5));
		try { await ctx.waitFor(/^\d{4}$/, '*', 5); } catch (e) { out.push(e.name + ':' + e.code + ':' + e.digits); }
		try { await ctx.waitFor('9', null, 0.2); } catch (e) { out.push(e.name + ':' + e.code); }
		try { await ctx.waitFor(() => { throw new Error('boom'); }, null, 5); } catch (e) { out.push('threw:' + e.message); }
		await ctx.set('out', JSON.stringify(out));
	}`})
	c := e.dial(t, "w", fstest.CallConfig{})
	if err := c.WaitApp(testCtx(t), "answer"); err != nil {
		t.Fatal(err)
	}
	c.SendDTMF("12#") // before or after the first waitFor starts: type-ahead counts
	time.Sleep(50 * time.Millisecond)
	c.SendDTMF("5*")
	time.Sleep(400 * time.Millisecond)
	c.SendDTMF("1")
	e.wait(t, c)
	want := `["12#","DtmfError:EFAILMATCH:5*","TimeoutError:ETIMEDOUT","threw:boom"]`
	if got, _ := c.Var("out"); got != want {
		t.Fatalf("out = %s, want %s\nlogs %v", got, want, e.logs.lines(c.UUID()))
	}
}

// Commands that are not awaited still run in order, each settling on its own
// completion; the engine warns with the script line.
func TestUnawaitedCommandsCompleteInOrder(t *testing.T) {
	t.Parallel()
	e := startEngine(t, map[string]string{"u.js": `async function main(data, ctx) {
		const done = [];
		ctx.answer().then(() => done.push('answer'));
		for (let i = 0; i < 5; i++) ctx.play('p' + i + '.wav').then(() => done.push('p' + i));
		await ctx.play('last.wav');
		await ctx.set('done', done.join(','));
	}`})
	c := e.dial(t, "u", fstest.CallConfig{})
	res := e.wait(t, c)
	want := []string{"answer", "playback p0.wav", "playback p1.wav", "playback p2.wav", "playback p3.wav", "playback p4.wav",
		"playback last.wav", "set done=answer,p0,p1,p2,p3,p4", "HANGUP NORMAL_CLEARING"}
	if got := apps(res); !reflect.DeepEqual(got, want) {
		t.Fatalf("commands\n got %q\nwant %q", got, want)
	}
	w := e.logs.find(res.UUID, "was not awaited")
	if at, _ := w["at"].(string); !strings.HasPrefix(at, "u.js:3:") {
		t.Fatalf("want a not-awaited warning at u.js:3, got %v", w)
	}
}

// A caller hang-up during each blocking verb rejects it with HangupError (with the
// cause), the script's catch block runs, and later commands reject the same way.
func TestHangupDuringEachBlockingVerb(t *testing.T) {
	t.Parallel()
	verbs := []struct{ call, app string }{
		{"ctx.play('x.wav')", "playback"},
		{"ctx.tts('hello')", "speak"},
		{"ctx.say('12')", "say"},
		{"ctx.ivr('user/m.wav', 5, 1, 4)", "play_and_get_digits"},
		{"ctx.bridge('1002')", "bridge"},
		{"ctx.sleep(5000)", "sleep"},
		{"ctx.recordMessage('m.wav')", "record"},
		{"ctx.execute('playback', 'y.wav')", "playback"},
		{"ctx.waitFor('#')", "waitfor"},
	}
	src := map[string]string{}
	for i, v := range verbs {
		src[fmt.Sprintf("v%d.js", i)] = fmt.Sprintf(`async function main(data, ctx) {
			if (%q !== 'answer') await ctx.set('ready', '1');
			try { await %s; console.log('RESOLVED'); }
			catch (e) {
				let again = '';
				try { await ctx.play('after.wav'); } catch (e2) { again = e2.name; }
				console.log(JSON.stringify({name: e.name, code: e.code, cause: e.cause, again, up: ctx.up}));
			}
		}`, v.app, v.call)
	}
	e := startEngine(t, src)
	for i, v := range verbs {
		i, v := i, v
		t.Run(v.app+"/"+v.call, func(t *testing.T) {
			t.Parallel()
			cfg := fstest.CallConfig{Media: func(app, _ string) time.Duration {
				return 10 * time.Second // every app runs long: the caller hangs up first
			}}
			if v.app != "waitfor" {
				cfg.Setup = func(c *fstest.Call) { c.HangupOn(v.app, 20*time.Millisecond, "NORMAL_CLEARING") }
			}
			c := e.dial(t, fmt.Sprintf("v%d", i), cfg)
			if v.app == "waitfor" {
				if err := c.WaitApp(testCtx(t), "set"); err != nil {
					t.Fatal(err)
				}
				time.Sleep(50 * time.Millisecond)
				c.HangupNow("NORMAL_CLEARING")
			}
			res := e.wait(t, c)
			msgs := e.logs.scriptMessages(res.UUID)
			want := `{"name":"HangupError","code":"EHANGUP","cause":"NORMAL_CLEARING","again":"HangupError","up":false}`
			if len(msgs) != 1 || msgs[0] != want {
				t.Fatalf("script logged %q, want %s\n%v\n%q", msgs, want, e.logs.lines(res.UUID), apps(res))
			}
			if !res.ExitReceived {
				t.Error("no exit after the hang-up")
			}
		})
	}
}

func TestMainReturningHangsUpAndWaitForHangupKeepsTheCall(t *testing.T) {
	t.Parallel()
	e := startEngine(t, map[string]string{
		"ret.js":  `async function main(data, ctx) { await ctx.answer(); }`,
		"keep.js": `async function main(data, ctx) { await ctx.answer(); ctx.on('hangup', c => console.log('bye', c)); return ctx.waitForHangup(); }`,
	})
	c := e.dial(t, "ret", fstest.CallConfig{})
	if res := e.wait(t, c); res.HangupCause != "NORMAL_CLEARING" || apps(res)[1] != "HANGUP NORMAL_CLEARING" {
		t.Fatalf("main returned: want the engine's hangup, got %q cause %q", apps(res), res.HangupCause)
	}
	k := e.dial(t, "keep", fstest.CallConfig{})
	if err := k.WaitApp(testCtx(t), "answer"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	select {
	case <-k.Done():
		t.Fatal("the call ended although main returned ctx.waitForHangup()")
	default:
	}
	k.HangupNow("ORIGINATOR_CANCEL")
	res := e.wait(t, k)
	if res.HangupCause != "ORIGINATOR_CANCEL" || len(apps(res)) != 1 {
		t.Fatalf("got %q cause %q", apps(res), res.HangupCause)
	}
	if msgs := e.logs.scriptMessages(res.UUID); len(msgs) != 1 || msgs[0] != "bye ORIGINATOR_CANCEL" {
		t.Errorf("hangup handler logged %q", msgs)
	}
}

func TestScriptErrorLogsFileLineAndFailsTheCall(t *testing.T) {
	t.Parallel()
	e := startEngine(t, map[string]string{
		"boom.js": "async function main(data, ctx) {\n  await ctx.answer();\n  null.x;\n}\n",
		"sync.js": "function main(data, ctx) {\n  throw new Error('sync failure');\n}\n",
		"str.js":  "async function main(data, ctx) { throw 'just a string'; }\n",
		"ts.ts":   "interface P { n: number }\nexport async function main(data: any, ctx: any): Promise<void> {\n  const p: P = { n: 1 };\n  await ctx.answer();\n  throw new Error('ts failure ' + p.n);\n}\n",
	})
	for _, tc := range []struct{ script, where, msg string }{
		{"boom", "boom.js:3", "main rejected"},
		{"sync", "sync.js:2", "main threw"},
		{"str", "", "main rejected"},
		{"ts", "ts.ts:5", "main rejected"},
	} {
		c := e.dial(t, tc.script, fstest.CallConfig{})
		res := e.wait(t, c)
		if res.HangupCause != "NORMAL_TEMPORARY_FAILURE" {
			t.Errorf("%s: cause %q, want NORMAL_TEMPORARY_FAILURE", tc.script, res.HangupCause)
		}
		l := e.logs.find(res.UUID, tc.msg)
		if l == nil || l["level"] != "error" || l["script"] != tc.script {
			t.Fatalf("%s: no error log line %q: %v", tc.script, tc.msg, e.logs.lines(res.UUID))
		}
		if stack, _ := l["stack"].(string); tc.where != "" && !strings.Contains(stack, tc.where) {
			t.Errorf("%s: stack %q does not name %s", tc.script, stack, tc.where)
		}
	}
}

// A script with a syntax error, or an unknown voice_script, fails its calls fast
// with a clear log line, while calls to good scripts keep working.
func TestBrokenScriptsFailFastOthersWork(t *testing.T) {
	t.Parallel()
	e := startEngine(t, map[string]string{
		"bad.js":  "async function main(data, ctx) {\n  await ctx.answer(\n}\n",
		"good.js": "async function main(data, ctx) { await ctx.answer(); await ctx.play('ok.wav'); }",
	})
	type out struct {
		res fstest.Result
		c   *fstest.Call
	}
	results := make(chan out, 30)
	for i := 0; i < 30; i++ {
		name := []string{"bad", "good", "missing/../x", "nope"}[i%4]
		go func() {
			c := e.dial(t, name, fstest.CallConfig{})
			ctx := testCtx(t)
			res, err := c.Wait(ctx)
			if err != nil {
				c.Close()
			}
			for e.active(res.UUID) && ctx.Err() == nil {
				time.Sleep(5 * time.Millisecond)
			}
			results <- out{res, c}
		}()
	}
	for i := 0; i < 30; i++ {
		o := <-results
		script, _ := o.c.Var("voice_script")
		switch script {
		case "good":
			if got := appNames(o.res); !reflect.DeepEqual(got, []string{"answer", "playback", "HANGUP"}) {
				t.Errorf("good call: %q", got)
			}
		default:
			if got := apps(o.res); !reflect.DeepEqual(got, []string{"HANGUP NORMAL_TEMPORARY_FAILURE"}) {
				t.Errorf("%s call: %q", script, got)
			}
			l := e.logs.find(o.res.UUID, "script cannot run")
			if l == nil {
				t.Errorf("%s: no 'script cannot run' line", script)
				continue
			}
			if script == "bad" && !strings.Contains(fmt.Sprint(l["error"]), "bad.js:3") {
				t.Errorf("bad: error %v does not say bad.js:3", l["error"])
			}
		}
	}
}

func TestDataObject(t *testing.T) {
	t.Parallel()
	e := startEngine(t, map[string]string{"d.js": `async function main(data, ctx) {
		await ctx.set('out', JSON.stringify([data.uuid === ctx.uuid, data.callerIdNumber, data.callerIdName,
			data.destinationNumber, data.context, data.vars.voice_script, data['Caller-Caller-ID-Number'],
			data['variable_weird'], data.vars.weird, typeof data['Channel-Name'],
			Object.keys(data).includes('Caller-Destination-Number'), Object.keys(data.vars).includes('voice_script'),
			JSON.parse(JSON.stringify(data)).vars.weird, (data.extra = 5, data.extra), delete data.uuid && data.uuid,
			'uuid' in data, 'callerIdName' in data]));
	}`})
	c := e.dial(t, "d", fstest.CallConfig{CallerIDNumber: "+15551234", CallerIDName: "Ann Smith", Destination: "600",
		Context: "public", Vars: map[string]string{"weird": "a b%c:d\ne"}})
	e.wait(t, c)
	want := `[true,"+15551234","Ann Smith","600","public","d","+15551234","a b%c:d\ne","a b%c:d\ne","string",true,true,"a b%c:d\ne",5,null,false,true]`
	var got, w any
	v, _ := c.Var("out")
	_ = json.Unmarshal([]byte(v), &got)
	_ = json.Unmarshal([]byte(want), &w)
	if !reflect.DeepEqual(got, w) {
		t.Fatalf("data = %s, want %s", v, want)
	}
}

func TestEntryForms(t *testing.T) {
	t.Parallel()
	e := startEngine(t, map[string]string{
		"classic.js":  `async function main(data, ctx) { await ctx.set('form', 'classic'); }`,
		"cjs.js":      `module.exports = async function (data, ctx) { await ctx.set('form', 'cjs'); };`,
		"cjsobj.js":   `module.exports = { main: async (data, ctx) => { await ctx.set('form', 'cjsobj'); } };`,
		"esm.js":      `export async function main(data, ctx) { await ctx.set('form', 'esm'); }`,
		"esmdef.js":   `export default async function (data, ctx) { await ctx.set('form', 'esmdef'); }`,
		"typed.ts":    `export default async function (data: unknown, ctx: { set(k: string, v: string): Promise<void> }) { await ctx.set('form', 'typed'); }`,
		"sub/deep.js": `async function main(data, ctx) { await ctx.set('form', 'deep'); }`,
	})
	for _, tc := range []struct{ script, form string }{
		{"classic", "classic"}, {"cjs", "cjs"}, {"cjsobj", "cjsobj"}, {"esm", "esm"}, {"esmdef", "esmdef"},
		{"typed", "typed"}, {"sub/deep.js", "deep"},
	} {
		c := e.dial(t, tc.script, fstest.CallConfig{})
		e.wait(t, c)
		if got, _ := c.Var("form"); got != tc.form {
			t.Errorf("%s: form %q", tc.script, got)
		}
	}
}

// With an error transfer configured, a failed script's call goes to the fallback
// extension instead of being hung up, and the engine then lets go of it.
func TestErrorTransfer(t *testing.T) {
	t.Parallel()
	e := startEngine(t, map[string]string{
		"fail.js": "async function main(data, ctx) { await ctx.answer(); throw new Error('db down'); }",
	}, func(c *jsbridge.Config) { c.ErrorTransfer = "operator XML default" })
	c := e.dial(t, "fail", fstest.CallConfig{})
	res := e.wait(t, c)
	if got, want := apps(res), []string{"answer", "transfer operator XML default"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("commands %q, want %q", got, want)
	}
	if !res.ExitReceived {
		t.Error("the engine kept the socket of a transferred call")
	}
	if l := e.logs.find(res.UUID, "main rejected"); l == nil || !strings.Contains(fmt.Sprint(l["stack"]), "fail.js:1") {
		t.Errorf("no error line naming fail.js:1: %v", l)
	}
}
