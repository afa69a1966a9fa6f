package main

import (
	"bytes"
	"strings"
	"testing"
)

func runCall(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = call(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

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
		{"hours: bridge fails", []string{"business-hours", "--scripts", "../../examples", "--bridge-fails", "--press", "record=#", "--media", "2s"}, 0, []string{
			"▶ answer\n",
			"▶ record ",
			"log info: message left",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCall(tt.args...)
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

func TestCallErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"no script", []string{"--scripts", "../../examples"}, 2, "give exactly one script name"},
		{"bad dtmf", []string{"ivr-menu", "--dtmf", "x@1s"}, 2, `--dtmf "x@1s"`},
		{"bad hangup", []string{"ivr-menu", "--hangup-after", "soon"}, 2, "--hangup-after"},
		{"bad var", []string{"ivr-menu", "--var", "novalue"}, 2, "want k=v"},
		{"unknown script", []string{"nope", "--scripts", "../../examples"}, 1, "script not found"},
		{"script error", []string{"menu", "--scripts", "../../scripttest/testdata/broken", "--press", "play_and_get_digits=3"}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runCall(tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("exit %d stderr %q, want %d and %q", code, stderr, tt.wantCode, tt.wantStderr)
			}
		})
	}
}
