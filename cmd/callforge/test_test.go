package main

import (
	"regexp"
	"strings"
	"testing"
)

// `callforge test examples` runs green: a line per test, the summary, exit 0.
func TestTestExamples(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCommand(testCmd, "../../examples")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		`(?m)^ok   ivr-menu\.test\.js > caller presses 2: support \(\S+\)$`,
		`(?m)^ok   pin-check\.test\.js > three wrong PINs lock the caller out \(\S+, 4\.000s simulated\)$`,
		`(?m)^ok   business-hours\.test\.ts > isOpen follows New York time, daylight saving included \(\S+\)$`,
		`\n13 passed, 0 failed \(3 files, \S+\)\n$`,
	} {
		if !regexp.MustCompile(want).MatchString(stdout) {
			t.Errorf("stdout lacks %s:\n%s", want, stdout)
		}
	}
}

// The deliberately broken set fails precisely, with exit code 1.
func TestTestBroken(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCommand(testCmd, "../../scripttest/testdata/broken")
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

// The test file quoted by docs/testing.md runs green too.
func TestTestDocsExamples(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCommand(testCmd, "../../docs/examples")
	if code != 0 || stderr != "" || !regexp.MustCompile(`\n3 passed, 0 failed \(1 files, \S+\)\n$`).MatchString(stdout) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
