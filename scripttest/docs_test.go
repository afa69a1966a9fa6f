package scripttest

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/callforge/callforge/jsbridge/kv"
	"github.com/callforge/callforge/jsbridge/script"
)

// Every code sample of docs/ (docs/examples/**) runs through the simulator: it
// starts, makes its FreeSWITCH calls and ends without an error log line. Some
// get a caller that presses digits or kv data, so that their main path runs.
func TestDocsSamplesRun(t *testing.T) {
	t.Parallel()
	const dir = "../docs/examples"
	sb := openSandbox(t, dir)
	store, err := script.Open(dir, script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tweaks := map[string]func(*CallSpec){
		"api/wait-for.js": func(s *CallSpec) { s.DTMFAt = []TimedDTMF{{At: 500 * time.Millisecond, Digits: "1234#"}} },
		"cookbook/pin-check.js": func(s *CallSpec) {
			s.PressOn = []Press{{"play_and_get_digits", "1234#"}}
		},
		"cookbook/voicemail-email.js": func(s *CallSpec) {
			s.PressOn = []Press{{"record", "#"}}
			s.HTTP = &HTTPMock{}
			s.HTTP.Route(HTTPRoute{Method: "POST", URL: "https://mail.example.com/*", Status: 202, Body: `{"queued":true}`})
		},
		// press 9 so the sample takes its opt-out branch (the 30 s waitFor
		// timeout would take no wall time either: it runs on the call's clock).
		"cookbook/do-not-call.js":  func(s *CallSpec) { s.DTMFAt = []TimedDTMF{{At: 500 * time.Millisecond, Digits: "9"}} },
		"cookbook/ivr-menu.js":     func(s *CallSpec) { s.PressOn = []Press{{"play_and_get_digits", "1"}} },
		"first-app/menu.js":        func(s *CallSpec) { s.PressOn = []Press{{"play_and_get_digits", "1"}} },
		"cookbook/call-forward.js": func(s *CallSpec) { s.FailBridge = "NO_ANSWER"; s.PressOn = []Press{{"record", "#"}} },
	}
	files := store.Files()
	if len(files) < 10 {
		t.Fatalf("only %d samples found in %s", len(files), dir)
	}
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			if f.Err != nil {
				t.Fatalf("does not compile: %v", f.Err)
			}
			kvStore, err := kv.OpenBolt(filepath.Join(t.TempDir(), "kv.db"), kv.BoltOptions{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer kvStore.Close()
			if err := kvStore.Set(context.Background(), "pin:1001", "1234", 0); err != nil {
				t.Fatal(err)
			}
			spec := CallSpec{Script: f.Name, KV: kvStore}
			if tw := tweaks[f.Name]; tw != nil {
				tw(&spec)
			}
			r, err := sb.Call(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Verbs) == 0 || r.Verbs[0].Kind != "execute" {
				t.Errorf("no FreeSWITCH application ran: %v", r.Verbs)
			}
			if errs := r.Errors(); len(errs) > 0 {
				t.Errorf("error log lines: %q", errs)
			}
			if r.Outcome != "ok" && r.Outcome != "hangup" {
				t.Errorf("outcome %q", r.Outcome)
			}
			if r.HangupCause == "" && !transferred(r) {
				t.Errorf("the call neither ended nor was transferred: %s", fmt.Sprint(r.Verbs))
			}
		})
	}
}

func transferred(r *CallResult) bool {
	for _, v := range r.Verbs {
		if v.App == "transfer" {
			return true
		}
	}
	return false
}
