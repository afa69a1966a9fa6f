package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// Subcommands as the tests call them.
var (
	checkCmd = check
	callCmd  = call
	testCmd  = test
)

// runCommand runs a subcommand with args and returns its exit code and output.
func runCommand(cmd func([]string, io.Writer, io.Writer) int, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = cmd(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// Bad usage and bad input of check, call and test: the exit code and what stderr
// says. check also prints nothing on stdout then.
func TestUsageErrors(t *testing.T) {
	t.Parallel()
	commands := map[string]func([]string, io.Writer, io.Writer) int{"check": checkCmd, "call": callCmd, "test": testCmd}
	tests := []struct {
		cmd        string
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"check", "two directories", []string{"a", "b"}, 2, "one directory at most"},
		{"check", "missing directory", []string{"testdata/nope"}, 1, "callforge check: open scripts dir"},
		{"check", "a file", []string{"check.go"}, 1, "not a directory"},
		{"check", "help", []string{"-h"}, 0, "Usage: callforge check [DIR]"},
		{"check", "unknown flag", []string{"--fix"}, 2, "flag provided but not defined"},
		{"call", "no script", []string{"--scripts", "../../examples"}, 2, "give exactly one script name"},
		{"call", "bad dtmf", []string{"ivr-menu", "--dtmf", "x@1s"}, 2, `--dtmf "x@1s"`},
		{"call", "bad hangup", []string{"ivr-menu", "--hangup-after", "soon"}, 2, "--hangup-after"},
		{"call", "bad at", []string{"ivr-menu", "--at", "tomorrow"}, 2, "--at"},
		{"call", "bad var", []string{"ivr-menu", "--var", "novalue"}, 2, "want k=v"},
		{"call", "unknown script", []string{"nope", "--scripts", "../../examples"}, 1, "script not found"},
		{"call", "script error", []string{"menu", "--scripts", "../../scripttest/testdata/broken", "--press", "play_and_get_digits=3"}, 1, ""},
		{"test", "two directories", []string{"a", "b"}, 2, "one directory at most"},
		{"test", "bad -run", []string{"-run", "(", "../../examples"}, 2, "-run:"},
		{"test", "missing directory", []string{"testdata/nope"}, 1, "callforge test: open scripts dir"},
		{"test", "no test files", []string{"testdata/broken"}, 1, "no *.test.js or *.test.ts files"},
		{"test", "filter", []string{"-run", "unknown account", "../../examples"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.cmd+"/"+tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCommand(commands[tt.cmd], tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantStderr) || (tt.cmd == "check" && stdout != "") {
				t.Errorf("%s %q = %d, stdout %q, stderr %q; want %d and stderr containing %q",
					tt.cmd, tt.args, code, stdout, stderr, tt.wantCode, tt.wantStderr)
			}
		})
	}
}
