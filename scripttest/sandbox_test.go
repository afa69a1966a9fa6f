package scripttest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/callforge/callforge/jsbridge/script"
)

func openSandbox(t testing.TB, dir string) *Sandbox {
	t.Helper()
	store, err := script.Open(dir, script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sb, err := NewSandbox(store, SandboxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sb.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return sb
}

// ctx.waitFor's timeout runs on the simulated call's virtual clock: a caller who
// never presses times out at 30 s of call time, and a press at 10 s wins over it.
func TestWaitForTimeoutOnTheCallsClock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `async function main(data, ctx) {
  await ctx.answer();
  try { await ctx.waitFor('#', null, 30); await ctx.set('result', 'matched'); }
  catch (e) { await ctx.set('result', e.code); }
}
`
	if err := os.WriteFile(filepath.Join(dir, "wait.js"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	sb := openSandbox(t, dir)
	tests := []struct {
		name         string
		dtmf         []TimedDTMF
		want         string
		minDur, maxD time.Duration
	}{
		{"nobody presses", nil, "ETIMEDOUT", 30 * time.Second, time.Minute},
		{"a press at 10 s", []TimedDTMF{{At: 10 * time.Second, Digits: "#"}}, "matched", 10 * time.Second, 30 * time.Second},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := sb.Call(context.Background(), CallSpec{Script: "wait", DTMFAt: tc.dtmf})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Vars["result"]; got != tc.want {
				t.Fatalf("result = %q, want %q; logs: %v", got, tc.want, r.Logs)
			}
			if r.Duration < tc.minDur || r.Duration >= tc.maxD {
				t.Fatalf("call time %v, want in [%v, %v)", r.Duration, tc.minDur, tc.maxD)
			}
		})
	}
}

// The script's own timers and Date run on the call's virtual clock: a script that
// waits five minutes on setTimeout, then ticks a one-minute setInterval three
// times, takes eight minutes of call time (far past the real-time limit of the
// call, so real timers would fail it), and Date starts where the call is placed.
func TestScriptTimersAndDateOnTheCallsClock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `async function main(data, ctx) {
  await ctx.answer();
  const began = Date.now();
  await ctx.set('began', new Date(began).toISOString());
  await new Promise((resolve) => setTimeout(resolve, 5 * 60 * 1000));
  await ctx.set('after_timeout', String(Date.now() - began));
  let ticks = 0;
  await new Promise((resolve) => {
    const h = setInterval(() => { ticks++; if (ticks === 3) { clearInterval(h); resolve(); } }, 60 * 1000);
  });
  await ctx.set('after_interval', String(Date.now() - began));
}
`
	if err := os.WriteFile(filepath.Join(dir, "timers.js"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	sb := openSandbox(t, dir)
	start := time.Date(2024, 7, 3, 13, 30, 0, 0, time.UTC)
	r, err := sb.Call(context.Background(), CallSpec{Script: "timers", Start: start, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != "ok" {
		t.Fatalf("outcome %q; logs: %v", r.Outcome, r.Logs)
	}
	if got := r.Vars["began"]; got != "2024-07-03T13:30:00.000Z" {
		t.Errorf("Date at the start of the call = %q, want the call's start 2024-07-03T13:30:00.000Z", got)
	}
	ms := func(name string) time.Duration {
		n, err := strconv.ParseInt(r.Vars[name], 10, 64)
		if err != nil {
			t.Fatalf("%s = %q: %v", name, r.Vars[name], err)
		}
		return time.Duration(n) * time.Millisecond
	}
	// The media of the answer and the set commands take no call time; allow a
	// little for the frames' own moments on the clock.
	within := func(name string, got, want time.Duration) {
		if got < want || got > want+time.Second {
			t.Errorf("%s: %v of call time, want %v", name, got, want)
		}
	}
	within("setTimeout of 5 min", ms("after_timeout"), 5*time.Minute)
	within("then 3 ticks of a 1 min setInterval", ms("after_interval"), 8*time.Minute)
	within("call duration", r.Duration, 8*time.Minute)
}

// ctx.recordMessage's seconds are FreeSWITCH's record_ms, not its whole-second
// record_seconds (the real switch reports "2" for a recording of 2,060 ms).
func TestRecordMessageSecondsToTheMillisecond(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `async function main(data, ctx) {
  await ctx.answer();
  const m = await ctx.recordMessage('vm.wav', { maxSeconds: 30 });
  await ctx.set('seconds', String(m.seconds));
}
`
	if err := os.WriteFile(filepath.Join(dir, "vm.js"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	sb := openSandbox(t, dir)
	r, err := sb.Call(context.Background(), CallSpec{Script: "vm", Media: map[string]time.Duration{"record": 2060 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Vars["seconds"]; got != "2.06" {
		t.Fatalf("recordMessage resolved seconds %q, want 2.06; logs: %v", got, r.Logs)
	}
}

// The simulated switch answers the allowed API commands strftime (on the call's
// clock, in the switch's local time) and md5, as mod_commands does.
func TestAPIStrftimeAndMD5(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `async function main(data, ctx) {
  await ctx.set('when', await ctx.api('strftime %Y-%m-%d %H:%M'));
  await ctx.set('default', await ctx.api('strftime'));
  await ctx.set('md5', await ctx.api('md5 hello'));
}
`
	if err := os.WriteFile(filepath.Join(dir, "api.js"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	sb := openSandbox(t, dir)
	start := time.Date(2024, 7, 6, 15, 4, 5, 0, time.UTC)
	r, err := sb.Call(context.Background(), CallSpec{Script: "api", Start: start})
	if err != nil {
		t.Fatal(err)
	}
	local := start.Local()
	for name, want := range map[string]string{
		"when":    local.Format("2006-01-02 15:04"),
		"default": local.Format("2006-01-02 15:04:05"),
		"md5":     "5d41402abc4b2a76b9719d911017c592",
	} {
		if got := r.Vars[name]; got != want {
			t.Errorf("%s = %q, want %q; logs: %v", name, got, want, r.Logs)
		}
	}
}
