package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRunCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // exact, trimmed
		stderr string // contains
	}{
		{name: "app with --data", args: []string{"dnc-sync", "--data", `{"add":["1","2"]}`}, code: 0,
			stdout: `{"count":2,"scheduled":false}`},
		{name: "driver function", args: []string{"did-driver", "--function", "search", "--data", `{"number":"44"}`}, code: 0,
			stdout: `[{"did":"440001"},{"did":"440002"},{"did":"440003"}]`},
		{name: "flags before the name", args: []string{"--data", `{"email":"x"}`, "contact-form"}, code: 0,
			stdout: `{"ok":false,"error":"a valid email is required"}`},
		{name: "script error: exit 1 with file:line", args: []string{"did-driver", "--function", "allocate", "--data", `null`}, code: 1,
			stderr: "did-driver.js: TypeError: Value is not object coercible (at did-driver.js:13:13)"},
		{name: "two names", args: []string{"dnc-sync", "other"}, code: 2, stderr: "Usage: callforge run"},
		{name: "missing function", args: []string{"did-driver", "--function", "nope"}, code: 1, stderr: "no such function"},
		{name: "unknown script", args: []string{"nope"}, code: 1, stderr: "script not found"},
		{name: "bad JSON", args: []string{"dnc-sync", "--data", `{`}, code: 2, stderr: "not valid JSON"},
		{name: "no name", args: []string{"--data", `{}`}, code: 2, stderr: "Usage: callforge run"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out, errb bytes.Buffer
			args := append(append([]string{}, tc.args...), "--scripts", "../../examples/kinds", "--data-dir", t.TempDir())
			code := runCmd(args, &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, errb.String())
			}
			if tc.stdout != "" && strings.TrimSpace(out.String()) != tc.stdout {
				t.Fatalf("stdout %q, want %q", out.String(), tc.stdout)
			}
			if !strings.Contains(errb.String(), tc.stderr) {
				t.Fatalf("stderr %q lacks %q", errb.String(), tc.stderr)
			}
		})
	}
}
