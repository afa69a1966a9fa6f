package main

import (
	"strings"
	"testing"
)

func TestCallTimeline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{"menu: digit at a moment", []string{"ivr-menu", "--scripts", "../../examples", "--dtmf", "2@0.5s", "--var", "x=1"}, 0, []string{
			"   0.000s  ▶ answer\n",
			"   0.000s  ▶ play_and_get_digits 1 1 1 5000 # user/main-menu.wav silence_stream://250 cf_ivr_1 [012] 5000\n",
			"   0.500s    ← caller pressed 2\n",
			"   0.500s  log info: menu choice {\"caller\":\"1001\",\"choice\":\"support\",\"attempt\":1}  (ivr-menu.js:18:",
			"   0.500s  ▶ transfer support XML public\n",
			"call ivr-menu ended after 0.500s (simulated): (channel not hung up), script outcome ok\n",
		}},
		{"pin: kv preset, caller hangs up", []string{"--scripts", "../../examples", "--kv", "pin:1001=1234", "--hangup-after", "3s", "pin-check"}, 0, []string{
			"   3.000s    ← channel hung up: NORMAL_CLEARING\n",
			"call pin-check ended after 3.000s (simulated): NORMAL_CLEARING, script outcome hangup\n",
		}},
		{"hours: open, bridge fails", []string{"business-hours", "--scripts", "../../examples", "--at", "2024-07-03T13:30:00Z",
			"--bridge-fails", "--press", "record=#", "--media", "2s"}, 0, []string{
			"▶ answer\n",
			"▶ set hours_open=yes\n",
			"▶ bridge ",
			"▶ record ",
			"log info: message left",
		}},
		{"hours: a Saturday", []string{"business-hours", "--scripts", "../../examples", "--at", "2024-07-06T15:00:00Z", "--press", "record=#"}, 0, []string{
			"▶ set hours_open=no\n",
			"▶ playback user/closed.wav\n",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCommand(callCmd, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
		})
	}
}
