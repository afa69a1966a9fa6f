package scripttest

import (
	"context"
	"os"
	"path/filepath"
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
