package scripttest

import (
	"context"
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

func TestScratch(t *testing.T) {
	sb := openSandbox(t, "../examples")
	start := time.Now()
	r, err := sb.Call(context.Background(), CallSpec{Script: "ivr-menu", PressOn: []Press{{"play_and_get_digits", "2"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(time.Since(start), r.Duration, r.HangupCause, r.Outcome)
	for _, v := range r.Verbs {
		t.Log(v)
	}
	for _, l := range r.Logs {
		t.Log(l)
	}
	for _, f := range r.Frames[:8] {
		t.Logf("%v %q", f.FromEngine, f.Data)
	}
}
