package scripttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func runDir(t testing.TB, opts Options) (*Report, string) {
	t.Helper()
	var out bytes.Buffer
	opts.Out = &out
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := Run(ctx, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep, out.String()
}

// The passing fixtures exercise the whole API: kv, http, digits on a prompt and
// at a moment, bridge failure, hang-ups, media durations, describe, skip, todo,
// TypeScript, requiring a script's helpers, and the call's own clock (.at, timers).
func TestRunPassing(t *testing.T) {
	t.Parallel()
	rep, out := runDir(t, Options{Dir: "testdata/passing"})
	if rep.Failed != 0 || rep.Passed != 10 || rep.Skipped != 1 || rep.Todo != 1 {
		t.Fatalf("got %d passed, %d failed, %d skipped, %d todo:\n%s", rep.Passed, rep.Failed, rep.Skipped, rep.Todo, out)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^ok   greet\.test\.js > greet > media durations are virtual \(\S+, 60\d\.000s simulated\)$`),
		regexp.MustCompile(`(?m)^skip greet\.test\.js > skipped tests are reported$`),
		regexp.MustCompile(`(?m)^todo greet\.test\.js > todo tests are reported$`),
		regexp.MustCompile(`(?m)^ok   typed\.test\.ts > TypeScript test files work \(`),
		regexp.MustCompile(`\n10 passed, 0 failed, 1 skipped, 1 todo \(3 files, \S+\)\n$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

// The broken fixtures are reported precisely: a diff for verbs, expected vs
// actual, the script's error, the verbs of each call, timeouts, load errors.
func TestRunBroken(t *testing.T) {
	t.Parallel()
	rep, out := runDir(t, Options{Dir: "testdata/broken"})
	if rep.Passed != 1 || rep.Failed != 8 || rep.OK() {
		t.Fatalf("got %d passed, %d failed:\n%s", rep.Passed, rep.Failed, out)
	}
	for _, want := range []string{
		"FAIL menu.test.js > verbs differ (",
		"    menu.test.js:3:15: deepEqual\n        - expected\n        + actual\n          [\n            [\"answer\"],\n" +
			"        -   [\"playback\",\"user/hello.wav\"],\n",
		"        +   [\"playback\",\"user/welcome.wav\"],\n",
		"    menu.test.js:14:11: equal: choice after pressing 2\n        expected: \"1\"\n        actual:   \"2\"\n",
		"    call 1 to menu: NORMAL_TEMPORARY_FAILURE, outcome error, 1.000s simulated\n",
		"      engine error: main rejected: TypeError: Cannot read property 'boom' of undefined or null\n",
		"    menu.test.js:25:11: match\n        pattern: /menu shown/\n        does not match:\n            []\n",
		"test rejected: Error: the test itself is wrong\n",
		"engine error: script cannot run: script \"no-such-script\": script not found\n",
		"ok   menu.test.js > passes (",
		"FAIL menu.test.js > never settles (",
		"    timed out after 300ms",
		"FAIL syntax.test.js > (loading the test file)",
		"    syntax.test.js:2:15: Expected \")\" but found \";\"\n",
		"\n1 passed, 8 failed (2 files, ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunFilterAndErrors(t *testing.T) {
	t.Parallel()
	rep, out := runDir(t, Options{Dir: "testdata/broken", Run: regexp.MustCompile(`passes`)})
	if rep.Passed != 1 || rep.Failed != 1 { // the file that does not compile still fails
		t.Fatalf("filter: %d passed %d failed\n%s", rep.Passed, rep.Failed, out)
	}
	if _, err := Run(context.Background(), Options{Dir: "testdata/nope"}); err == nil {
		t.Error("missing dir: no error")
	}
	empty := t.TempDir()
	if _, err := Run(context.Background(), Options{Dir: empty}); !errors.Is(err, ErrNoTests) {
		t.Errorf("empty dir: %v, want ErrNoTests", err)
	}
}

// writeSuite writes a script and a test file with n call tests.
func writeSuite(t testing.TB, n int) string {
	dir := t.TempDir()
	script := `async function main(data, ctx) {
  await ctx.answer();
  await ctx.play('user/welcome.wav');
  const r = await ctx.ivr('user/menu.wav', 5, 1, 1, '#');
  await ctx.set('choice', r.value || 'none');
  console.log('choice', r.value);
  await ctx.sleep(2000);
}
`
	tests := fmt.Sprintf(`for (let i = 0; i < %d; i++) {
  const digit = String(i %% 10);
  test('call ' + i, async (t) => {
    const r = await t.call('menu', { vars: { n: String(i) } }).pressOn('play_and_get_digits', digit).run();
    t.deepEqual(r.apps, ['answer', 'playback', 'play_and_get_digits', 'set', 'sleep', 'hangup']);
    t.equal(r.vars.choice, digit);
    t.match(r.logs, new RegExp('choice ' + digit));
  });
}
`, n)
	for name, src := range map[string]string{"menu.js": script, "menu.test.js": tests} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// 300 call tests, each a whole simulated call with 3 s of media, run in about a
// second of wall time (the figure is logged; speed is measured by the benchmark).
func TestRun300Calls(t *testing.T) {
	// not parallel: it loads every CPU on its own
	dir := writeSuite(t, 300)
	began := time.Now()
	rep, out := runDir(t, Options{Dir: dir})
	took := time.Since(began)
	if rep.Passed != 300 || rep.Failed != 0 {
		t.Fatalf("%d passed, %d failed:\n%s", rep.Passed, rep.Failed, out)
	}
	var simulated time.Duration
	for _, r := range rep.Results {
		simulated += r.Simulated
	}
	t.Logf("300 call tests: %v wall, %v simulated", took, simulated)
}

func BenchmarkSuite300(b *testing.B) {
	dir := writeSuite(b, 300)
	b.ResetTimer()
	for range b.N {
		rep, _ := runDir(b, Options{Dir: dir})
		if rep.Failed != 0 {
			b.Fatal("failures")
		}
	}
}
