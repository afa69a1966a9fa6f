package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"time"

	"github.com/callforge/callforge/scripttest"
)

// test implements `callforge test [DIR]`: it runs the *.test.js / *.test.ts files
// beside the scripts of DIR (default ./scripts), prints a line per test, the
// failures with their diffs, and "N passed, N failed"; it returns 1 when a test
// failed or nothing could run, 2 for bad usage.
func test(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("callforge test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	run := fs.String("run", "", "only tests whose \"file > name\" matches this regular expression")
	verbose := fs.Bool("v", false, "also print t.log lines and the verbs of passing tests")
	parallel := fs.Int("parallel", 0, "tests in flight at once (default 4 per CPU)")
	timeout := fs.Duration("timeout", scripttest.DefaultTestTimeout, "real time one test may take")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: callforge test [flags] [DIR]

Runs the test files (*.test.js, *.test.ts) beside the scripts in DIR (default
./scripts). Each test places simulated calls into the real engine; media and
caller actions run on a virtual clock. See docs/testing.md.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "callforge test: one directory at most, got %q\n", fs.Args())
		return 2
	}
	dir := "./scripts"
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	opts := scripttest.Options{Dir: dir, Out: stdout, Verbose: *verbose, Parallel: *parallel, Timeout: *timeout}
	if *run != "" {
		re, err := regexp.Compile(*run)
		if err != nil {
			fmt.Fprintf(stderr, "callforge test: -run: %v\n", err)
			return 2
		}
		opts.Run = re
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := scripttest.Run(ctx, opts)
	if err != nil {
		fmt.Fprintln(stderr, "callforge test:", err)
		return 1
	}
	if !rep.OK() {
		return 1
	}
	return 0
}

// parseSeconds parses "3s", "1.5s", "250ms" or a bare number of seconds.
func parseSeconds(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, nil
	}
	var f float64
	if _, err := fmt.Sscanf(s, "%g", &f); err != nil || f < 0 {
		return 0, fmt.Errorf("bad duration %q (want 3s, 250ms or seconds)", s)
	}
	return time.Duration(f * float64(time.Second)), nil
}
