package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/callforge/callforge/e2e/load/loadrun"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var cfg loadrun.Config
	var expect, expectSet string
	var asJSON bool
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8084", "engine address (its --listen)")
	fs.IntVar(&cfg.Calls, "calls", 2000, "calls to place")
	fs.IntVar(&cfg.Concurrency, "concurrency", loadrun.DefaultConcurrency, "calls in flight at most")
	fs.Float64Var(&cfg.Rate, "rate", 0, "calls started per second (0: as fast as -concurrency allows)")
	fs.StringVar(&cfg.Script, "script", "bench-call", "voice_script of every call (empty: the engine's default script)")
	fs.DurationVar(&cfg.Media, "media", 0, "how long every application plays (e.g. 20ms)")
	fs.StringVar(&cfg.Digits, "digits", "1234#", "digits the caller presses when play_and_get_digits starts (empty: none)")
	fs.StringVar(&expect, "expect", strings.Join(loadrun.BenchCallApps, ","),
		"applications every call must run, in order, comma-separated (hangup = sendmsg hangup); none: no check")
	fs.StringVar(&expectSet, "expect-set", "auto",
		"argument the set application must get; auto: bench_digits=<-digits without #>; none: no check")
	fs.StringVar(&cfg.ExpectCause, "cause", loadrun.DefaultCause, "hang-up cause every call must end with")
	fs.DurationVar(&cfg.CallTimeout, "call-timeout", loadrun.DefaultCallTimeout, "bound of one call")
	fs.DurationVar(&cfg.Timeout, "timeout", loadrun.DefaultTimeout, "bound of the whole run")
	fs.IntVar(&cfg.EnginePID, "engine-pid", 0, "the engine's pid: report its CPU time and RSS from /proc")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "load: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if expect != "none" && expect != "" {
		cfg.ExpectApps = strings.Split(expect, ",")
	}
	switch expectSet {
	case "auto":
		if d := strings.TrimRight(cfg.Digits, "#"); d != "" {
			cfg.ExpectSet = "bench_digits=" + d
		}
	case "none", "":
	default:
		cfg.ExpectSet = expectSet
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := loadrun.Run(ctx, cfg)
	if errors.Is(err, loadrun.ErrConfig) {
		fmt.Fprintln(stderr, "load:", err)
		return 2
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if werr := enc.Encode(rep); werr != nil {
			fmt.Fprintln(stderr, "load:", werr)
			return 1
		}
	} else if werr := rep.WriteText(stdout); werr != nil {
		fmt.Fprintln(stderr, "load:", werr)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "load:", err)
		return 1
	}
	if rep.Failed > 0 {
		return 1
	}
	return 0
}
