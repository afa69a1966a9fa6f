package jsbridge_test

import (
	"strings"
	"testing"
	"time"

	"github.com/callforge/callforge/voice/fstest"
)

// The example scripts shipped in scripts/ (and embedded in the binary) each run
// through the simulator, on every path they have.
func TestExampleScripts(t *testing.T) {
	t.Parallel()
	kvOpt, _ := withKV(t)
	e := startEngineDir(t, "../scripts", kvOpt)
	tests := []struct {
		name, script string
		setup        func(*fstest.Call)
		apps         []string
		vars         map[string]string
		cause        string
	}{
		{name: "menu: caller presses 2", script: "ivr-menu",
			setup: func(c *fstest.Call) { c.PressOn("play_and_get_digits", "2") },
			apps:  []string{"answer", "playback", "play_and_get_digits", "set", "playback /snd/user/support.wav", "HANGUP"},
			vars:  map[string]string{"menu_choice": "support"}, cause: "NORMAL_CLEARING"},
		{name: "menu: invalid, then 1 on the retry", script: "ivr-menu",
			setup: func(c *fstest.Call) { c.PressOn("play_and_get_digits", "7"); c.PressOn("play_and_get_digits", "1") },
			apps:  []string{"answer", "playback", "play_and_get_digits", "playback /snd/user/try-again.wav", "play_and_get_digits", "set", "playback /snd/user/sales.wav", "HANGUP"},
			vars:  map[string]string{"menu_choice": "sales"}},
		{name: "menu: no input three times", script: "ivr-menu",
			apps: []string{"answer", "playback", "play_and_get_digits", "playback", "play_and_get_digits", "playback", "play_and_get_digits", "set", "playback /snd/user/goodbye.wav", "HANGUP"},
			vars: map[string]string{"menu_choice": "none"}},
		{name: "pin: right first time", script: "pin-check",
			setup: func(c *fstest.Call) { c.PressOn("play_and_get_digits", "1234#") },
			apps:  []string{"answer", "play_and_get_digits", "set", "playback /snd/user/pin-accepted.wav", "HANGUP"},
			vars:  map[string]string{"pin_result": "ok"}, cause: "NORMAL_CLEARING"},
		{name: "pin: three wrong PINs lock the caller out", script: "pin-check",
			setup: func(c *fstest.Call) {
				for i := 0; i < 3; i++ {
					c.PressOn("play_and_get_digits", "9999#")
				}
			},
			apps: []string{"answer", "play_and_get_digits", "playback", "play_and_get_digits", "playback", "play_and_get_digits", "playback", "set", "HANGUP CALL_REJECTED"},
			vars: map[string]string{"pin_result": "locked"}, cause: "CALL_REJECTED"},
		{name: "forward: first target answers", script: "call-forward",
			apps: []string{"answer", "set continue_on_fail=true", "bridge {originate_timeout=20}sofia/gateway/gw/1001", "set", "HANGUP"},
			vars: map[string]string{"forward_result": "answered:1001"}},
		{name: "forward: both fail, voicemail", script: "call-forward",
			setup: func(c *fstest.Call) { c.FailBridge("NO_ANSWER"); c.PressOn("record", "#") },
			apps: []string{"answer", "set continue_on_fail=true", "bridge {originate_timeout=20}sofia/gateway/gw/1001", "bridge {originate_timeout=20}sofia/gateway/gw/1002",
				"set", "playback /snd/user/nobody-available.wav", "set playback_terminators=#", "record", "HANGUP"},
			vars: map[string]string{"forward_result": "voicemail"}},
		{name: "voicemail: message ended with #", script: "voicemail",
			setup: func(c *fstest.Call) { c.PressOn("record", "#") },
			apps: []string{"answer", "playback /snd/user/leave-message.wav", "playback tone_stream://%(500,0,800)", "set playback_terminators=#",
				"record", "set", "set", "playback /snd/user/thank-you.wav", "HANGUP"}},
		{name: "voicemail: caller hangs up while recording", script: "voicemail",
			setup: func(c *fstest.Call) { c.HangupOn("record", 30*time.Millisecond, "NORMAL_CLEARING") },
			apps:  []string{"answer", "playback", "playback", "set", "record"}, cause: "NORMAL_CLEARING"},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := fstest.CallConfig{Setup: tc.setup, Media: func(app, _ string) time.Duration {
				if app == "record" {
					return 5 * time.Second // recording runs until # or the hang-up
				}
				return 0
			}}
			c := e.dial(t, tc.script, cfg)
			res := e.wait(t, c)
			got := apps(res)
			if len(got) != len(tc.apps) {
				t.Fatalf("commands %q, want %q", got, tc.apps)
			}
			for i, want := range tc.apps {
				if got[i] != want && !strings.HasPrefix(got[i], want+" ") {
					t.Fatalf("command %d = %q, want %q\nall: %q", i, got[i], want, got)
				}
			}
			for k, want := range tc.vars {
				if v, _ := c.Var(k); v != want {
					t.Errorf("%s = %q, want %q", k, v, want)
				}
			}
			if tc.cause != "" && res.HangupCause != tc.cause {
				t.Errorf("cause %q, want %q", res.HangupCause, tc.cause)
			}
			for _, l := range e.logs.lines(res.UUID) {
				if l["level"] == "error" {
					t.Errorf("error logged: %v", l)
				}
			}
		})
	}
}
