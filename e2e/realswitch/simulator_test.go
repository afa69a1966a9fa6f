package realswitch

import (
	"context"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callforge/callforge/voice/fstest"
)

// freeTCPAddr returns a loopback address nobody listens on right now.
func freeTCPAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// simulatedMedia: prompts "play" for 100 ms, the 20 s prompt for 20 s, a recording lasts
// 100 ms, and the caller has 1 s to key digits into play_and_get_digits.
func simulatedMedia(app, arg string) time.Duration {
	switch {
	case app == "playback" && strings.HasSuffix(arg, "/long-prompt.wav"):
		return 20 * time.Second
	case app == "playback", app == "play_and_get_digits", app == "record":
		return 100 * time.Millisecond
	}
	return 0
}

// TestScriptsOnSimulator runs the scripts of e2e/scripts in the callforge binary against the
// FreeSWITCH simulator (voice/fstest), the same calls as TestRealSwitch makes through the real
// switch, so that they are checked wherever go test runs, FreeSWITCH or not.
func TestScriptsOnSimulator(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	bin := callforgeBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel) // the subtests run in parallel, after this function returns
	work := t.TempDir()
	addr := freeTCPAddr(t)
	cf := startCallforgeAt(ctx, t, bin, addr, root, work)

	cases := []struct {
		name      string
		cfg       fstest.CallConfig
		caller    func(*fstest.Call)
		wantCause string
		wantVars  map[string]string
		wantMatch map[string]string // channel variables that must match a regexp
		wantPlays []string
		wantExec  []string // "app arg" the engine must have executed
		wantLog   string
	}{
		{
			name:      "hello",
			cfg:       fstest.CallConfig{Destination: "hello", Vars: map[string]string{"voice_script": "hello"}},
			wantCause: "NORMAL_CLEARING",
			wantVars:  map[string]string{"e2e_step": "played"},
			wantPlays: []string{"${callforge_user_sounds}/hello.wav"},
		},
		{
			// A Class 4 decision: router.js lets the call through and callforge bridges it
			// to routes.toml's loopback gateway with the caller id the script chose.
			name: "router via route_script",
			cfg: fstest.CallConfig{Destination: "+15551234567", Vars: map[string]string{
				"voice_script": "router", "route_script": "router"}},
			wantCause: "NORMAL_CLEARING",
			wantExec:  []string{"bridge {origination_caller_id_number=15551230000}loopback/hello/public"},
		},
		{
			name:      "ivr-demo branch one",
			cfg:       fstest.CallConfig{Destination: "1000", Vars: map[string]string{"voice_script": "ivr-demo"}},
			caller:    func(c *fstest.Call) { c.PressOn("play_and_get_digits", "123#") },
			wantCause: "NORMAL_CLEARING",
			wantVars:  map[string]string{"e2e_digits": "123", "e2e_branch": "one"},
			wantPlays: []string{"${callforge_user_sounds}/branch-one.wav"},
		},
		{
			name:      "ivr-demo no digits",
			cfg:       fstest.CallConfig{Destination: "1000", Vars: map[string]string{"voice_script": "ivr-demo"}},
			wantCause: "NORMAL_CLEARING",
			wantVars:  map[string]string{"e2e_digits": "", "e2e_branch": "timeout"},
			wantPlays: []string{"${callforge_user_sounds}/invalid.wav"},
		},
		{
			name:      "voicemail-demo speaks and records",
			cfg:       fstest.CallConfig{Destination: "voicemail-demo", Vars: map[string]string{"voice_script": "voicemail-demo"}},
			wantCause: "NORMAL_CLEARING",
			wantVars:  map[string]string{"e2e_step": "spoken"},
			// the simulator records in real time here: 100 ms, and more on a busy machine
			wantMatch: map[string]string{"e2e_record_seconds": `^0\.[1-9]\d*$`},
			wantExec:  []string{"speak flite|kal|Please leave a message."},
		},
		{
			name:      "features: a failed bridge leaves the call up",
			cfg:       fstest.CallConfig{Destination: "features", Vars: map[string]string{"voice_script": "features"}},
			caller:    func(c *fstest.Call) { c.FailBridge("SUBSCRIBER_ABSENT") },
			wantCause: "NORMAL_CLEARING",
			wantVars: map[string]string{"e2e_bridge": "failed SUBSCRIBER_ABSENT no-b-leg", "e2e_getvar": "failed SUBSCRIBER_ABSENT no-b-leg",
				"e2e_ran": "string vars-current", "e2e_refused": "EPERM"},
			wantExec: []string{"set continue_on_fail=true", "bridge {originate_timeout=3}user/9999", "say en number pronounced 42"},
		},
		{
			name:      "barge-in: the first key stops the 20 s prompt",
			cfg:       fstest.CallConfig{Destination: "barge-in", Vars: map[string]string{"voice_script": "barge-in"}},
			caller:    func(c *fstest.Call) { c.PressOn("playback", "123#") },
			wantCause: "NORMAL_CLEARING",
			wantVars:  map[string]string{"e2e_played": "FILE PLAYED", "e2e_digits": "123#"},
			wantPlays: []string{"${callforge_user_sounds}/long-prompt.wav"},
		},
		{
			name:      "room: the caller leaves the conference",
			cfg:       fstest.CallConfig{Destination: "room", Vars: map[string]string{"voice_script": "room"}},
			caller:    func(c *fstest.Call) { c.HangupOn("conference", 300*time.Millisecond, "NORMAL_CLEARING") },
			wantCause: "NORMAL_CLEARING",
			wantVars:  map[string]string{"e2e_step": "conference"},
			wantLog:   "e2e-conference-left result=undefined up=false",
		},
		{
			name:      "long-prompt caller hangs up mid-prompt",
			cfg:       fstest.CallConfig{Destination: "long-prompt", Vars: map[string]string{"voice_script": "long-prompt"}},
			caller:    func(c *fstest.Call) { c.HangupOn("playback", 300*time.Millisecond, "NORMAL_CLEARING") },
			wantCause: "NORMAL_CLEARING",
			wantVars:  map[string]string{"e2e_step": "prompt"},
			wantPlays: []string{"${callforge_user_sounds}/long-prompt.wav"},
			wantLog:   "e2e-mid-prompt-hangup-caught cause=NORMAL_CLEARING",
		},
		{
			name:      "load",
			cfg:       fstest.CallConfig{Destination: "load", Vars: map[string]string{"voice_script": "load"}},
			wantCause: "NORMAL_CLEARING",
			wantPlays: []string{"${callforge_user_sounds}/beep.wav"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg
			cfg.Media = simulatedMedia
			call, err := fstest.Dial(ctx, addr, cfg)
			if err != nil {
				t.Fatalf("dial callforge: %v", err)
			}
			defer call.Close()
			if tc.caller != nil {
				tc.caller(call)
			}
			res, err := call.Wait(ctx)
			if err != nil {
				t.Fatalf("call did not end: %v", err)
			}
			if res.HangupCause != tc.wantCause {
				t.Errorf("hangup cause %q, want %q", res.HangupCause, tc.wantCause)
			}
			vars := call.Vars()
			for k, v := range tc.wantVars {
				if got, ok := vars[k]; got != v || (v != "" && !ok) {
					t.Errorf("channel variable %s = %q, want %q", k, got, v)
				}
			}
			for k, re := range tc.wantMatch {
				if got := vars[k]; !regexp.MustCompile(re).MatchString(got) {
					t.Errorf("channel variable %s = %q, want a match of %s", k, got, re)
				}
			}
			played := map[string]bool{}
			for _, c := range res.Commands {
				if c.Name == "sendmsg" && c.CallCommand == "execute" {
					played[c.App+" "+c.Arg] = true
				}
			}
			for _, p := range tc.wantPlays {
				if !played["playback "+p] {
					t.Errorf("no playback %s among %v", p, played)
				}
			}
			for _, x := range tc.wantExec {
				if !played[x] {
					t.Errorf("no %s among %v", x, played)
				}
			}
			if tc.wantLog != "" {
				if err := fileContains(ctx, cf.log, tc.wantLog, 5*time.Second); err != nil {
					t.Errorf("callforge log: %v", err)
				}
			}
		})
	}
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := os.ReadFile(cf.log); err == nil {
				t.Logf("callforge log:\n%s", tail(b, 4000))
			}
		}
	})
}
