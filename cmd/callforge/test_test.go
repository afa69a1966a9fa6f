package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func runTest(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = test(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// `callforge test examples` runs green: a line per test, the summary, exit 0.
func TestTestExamples(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runTest("../../examples")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		`(?m)^ok   ivr-menu\.test\.js > caller presses 2: support \(\S+\)$`,
		`(?m)^ok   pin-check\.test\.js > three wrong PINs lock the caller out \(\S+, 4\.000s simulated\)$`,
		`(?m)^ok   business-hours\.test\.ts > isOpen follows New York time, daylight saving included \(\S+\)$`,
		`\n12 passed, 0 failed \(3 files, \S+\)\n$`,
	} {
		if !regexp.MustCompile(want).MatchString(stdout) {
			t.Errorf("stdout lacks %s:\n%s", want, stdout)
		}
	}
}

// The deliberately broken set fails precisely, with exit code 1.
func TestTestBroken(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runTest("../../scripttest/testdata/broken")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{
		"FAIL menu.test.js > verbs differ (",
		"        -   [\"playback\",\"user/hello.wav\"],\n",
		"        +   [\"playback\",\"user/welcome.wav\"],\n",
		"    menu.test.js:14:11: equal: choice after pressing 2\n        expected: \"1\"\n        actual:   \"2\"\n",
		"      engine error: main rejected: TypeError: Cannot read property 'boom' of undefined or null\n",
		"ok   menu.test.js > passes (",
		"FAIL syntax.test.js > (loading the test file)\n    syntax.test.js:2:15: Expected \")\" but found \";\"\n",
		"\n1 passed, 8 failed (2 files, ",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

func TestTestUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"two directories", []string{"a", "b"}, 2, "one directory at most"},
		{"bad -run", []string{"-run", "(", "../../examples"}, 2, "-run:"},
		{"missing directory", []string{"testdata/nope"}, 1, "callforge test: open scripts dir"},
		{"no test files", []string{"testdata/broken"}, 1, "no *.test.js or *.test.ts files"},
		{"filter", []string{"-run", "unknown account", "../../examples"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runTest(tt.args...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("exit %d stderr %q, want %d and %q", code, stderr, tt.wantCode, tt.wantStderr)
			}
		})
	}
}

// The test file quoted by docs/testing.md runs green too.
func TestTestDocsExamples(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runTest("../../docs/examples")
	if code != 0 || stderr != "" || !regexp.MustCompile(`\n3 passed, 0 failed \(1 files, \S+\)\n$`).MatchString(stdout) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
