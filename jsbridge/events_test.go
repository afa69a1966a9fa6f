package jsbridge_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/callforge/callforge/voice/fstest"
)

// ctx.on: 'dtmf' gets each digit, a FreeSWITCH event name gets the event's
// headers, 'hangup' the cause; handlers run on the call's loop, in order.
func TestCtxOnEvents(t *testing.T) {
	t.Parallel()
	e := startEngine(t, map[string]string{"on.js": `async function main(data, ctx) {
		const seen = [];
		ctx.on('CHANNEL_ANSWER', ev => seen.push('answered:' + ev['Answer-State']));
		ctx.on('dtmf', d => seen.push('d' + d));
		ctx.on('hangup', cause => console.log('seen', JSON.stringify(seen), cause));
		await ctx.answer();
		await ctx.waitFor('#');
		return ctx.waitForHangup();
	}`})
	c := e.dial(t, "on", fstest.CallConfig{})
	ctx := testCtx(t)
	if err := c.WaitApp(ctx, "answer"); err != nil {
		t.Fatal(err)
	}
	c.SendDTMF("12#")
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := c.WaitHangup(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the call ended (%v) although main returned ctx.waitForHangup()", err)
	}
	c.HangupNow("NORMAL_CLEARING")
	res := e.wait(t, c)
	want := []string{`seen ["answered:answered","d1","d2","d#"] NORMAL_CLEARING`}
	if got := e.logs.scriptMessages(res.UUID); !reflect.DeepEqual(got, want) {
		t.Fatalf("script logged %q, want %q", got, want)
	}
}

// console.* and ctx.log write the call's structured log lines at their level,
// with call, script and the script's file:line.
func TestScriptLogLines(t *testing.T) {
	t.Parallel()
	e := startEngine(t, map[string]string{"log.js": `async function main(data, ctx) {
		console.log('plain', 42, {a: 1});
		console.warn('careful');
		console.error(new TypeError('bad thing'));
		ctx.log('via ctx', [1, 2]);
	}`})
	c := e.dial(t, "log", fstest.CallConfig{})
	res := e.wait(t, c)
	var got [][3]string
	engineLines := 0
	for _, l := range e.logs.lines(res.UUID) {
		if l["script"] != "log" {
			t.Errorf("a line of the call does not name the script: %v", l)
		}
		if l["source"] != "script" {
			engineLines++
		}
		if l["source"] == "script" {
			if l["script"] != "log" || l["call"] != res.UUID {
				t.Errorf("line without call/script: %v", l)
			}
			got = append(got, [3]string{l["level"].(string), l["message"].(string), l["at"].(string)})
		}
	}
	want := [][3]string{
		{"info", `plain 42 {"a":1}`, "log.js:2:14"},
		{"warn", "careful", "log.js:3:15"},
		{"error", "TypeError: bad thing", "log.js:4:16"},
		{"info", "via ctx [1,2]", "log.js:5:10"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("log lines\n got %q\nwant %q", got, want)
	}
	if engineLines == 0 {
		t.Error("no engine line (channel down...) was checked")
	}
}
