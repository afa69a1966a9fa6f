package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/callforge/callforge/jsbridge/kv"
	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/scripttest"
)

// repeatFlag collects a repeated flag as given (commas kept: --dtmf 1,2@3s).
type repeatFlag []string

func (l *repeatFlag) String() string     { return strings.Join(*l, ",") }
func (l *repeatFlag) Set(s string) error { *l = append(*l, s); return nil }

// optionalFlag is a flag that may be given bare (--bridge-fails) or with a value.
type optionalFlag struct {
	set   bool
	value string
	def   string
}

func (o *optionalFlag) String() string { return o.value }
func (o *optionalFlag) Set(s string) error {
	o.set = true
	if s == "true" || s == "" {
		s = o.def
	}
	o.value = s
	return nil
}
func (o *optionalFlag) IsBoolFlag() bool { return true }

// call implements `callforge call SCRIPT`: one simulated call into the script,
// printed as a timeline (virtual time, verbs, results, log lines). It returns 1
// when the call could not be placed or the script failed, 2 for bad usage.
func call(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("callforge call", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("scripts", "./scripts", "scripts directory")
	var vars, dtmf, media, kvs repeatFlag
	fs.Var(&vars, "var", "channel variable `k=v` (repeatable)")
	fs.Var(&dtmf, "dtmf", "digits the caller presses at a moment: `1,2@3s` (repeatable; no @ = at 0s)")
	fs.Var(&media, "media", "media duration: `2s` for every playback, or app=2s / user/file.wav=30s (repeatable)")
	fs.Var(&kvs, "kv", "preset a kv value `key=value` (repeatable)")
	press := repeatFlag{}
	fs.Var(&press, "press", "digits pressed when an app starts: `play_and_get_digits=2` (repeatable, in order)")
	hangup := fs.String("hangup-after", "", "the caller hangs up at this virtual time (e.g. 10s)")
	bridge := &optionalFlag{def: "USER_BUSY"}
	fs.Var(bridge, "bridge-fails", "bridges fail (with `CAUSE`, default USER_BUSY)")
	caller := fs.String("caller", "", "caller id number (default 1001)")
	dest := fs.String("destination", "", "destination number (default 1000)")
	at := fs.String("at", "", "when the call happens, as the script's Date sees it: RFC 3339 `time` (default now)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: callforge call [flags] SCRIPT

Places one simulated call into SCRIPT (a script of --scripts) and prints what
happened as a timeline. Media and caller actions take no wall time.

Flags:
`)
		fs.PrintDefaults()
	}
	// flags may follow the script name
	var script0 string
	rest := args
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		script0, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if script0 == "" && fs.NArg() > 0 {
		script0 = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return 2
		}
	}
	if script0 == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "callforge call: give exactly one script name")
		fs.Usage()
		return 2
	}
	spec := scripttest.CallSpec{Script: script0, Vars: map[string]string{}, Media: map[string]time.Duration{},
		CallerIDNumber: *caller, Destination: *dest}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "callforge call: "+format+"\n", a...)
		return 2
	}
	if *at != "" {
		when, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return bad("--at %q: want an RFC 3339 time such as 2024-07-06T15:00:00Z", *at)
		}
		spec.Start = when
	}
	for _, v := range vars {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return bad("--var %q: want k=v", v)
		}
		spec.Vars[k] = val
	}
	for _, d := range dtmf {
		digits, at, _ := strings.Cut(d, "@")
		digits = strings.ReplaceAll(digits, ",", "")
		if digits == "" || strings.Trim(digits, "0123456789*#ABCD") != "" {
			return bad("--dtmf %q: want digits (0-9 * # A-D), e.g. 1,2@3s", d)
		}
		when := time.Duration(0)
		if at != "" {
			w, err := parseSeconds(at)
			if err != nil {
				return bad("--dtmf %q: %v", d, err)
			}
			when = w
		}
		spec.DTMFAt = append(spec.DTMFAt, scripttest.TimedDTMF{At: when, Digits: digits})
	}
	for _, p := range press {
		app, digits, ok := strings.Cut(p, "=")
		if !ok || app == "" || digits == "" {
			return bad("--press %q: want app=digits", p)
		}
		spec.PressOn = append(spec.PressOn, scripttest.Press{App: app, Digits: digits})
	}
	for _, m := range media {
		key, val, ok := strings.Cut(m, "=")
		if !ok {
			key, val = "playback", m
		}
		d, err := parseSeconds(val)
		if err != nil {
			return bad("--media %q: %v", m, err)
		}
		spec.Media[key] = d
		if !ok {
			spec.Media["speak"], spec.Media["say"] = d, d
		}
	}
	if *hangup != "" {
		d, err := parseSeconds(*hangup)
		if err != nil || d <= 0 {
			return bad("--hangup-after %q: want a positive duration", *hangup)
		}
		spec.HangupAt = d
	}
	if bridge.set {
		spec.FailBridge = bridge.value
	}

	store, err := script.Open(*dir, script.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "callforge call:", err)
		return 1
	}
	if _, err := store.Get(script0); err != nil {
		fmt.Fprintln(stderr, "callforge call:", err)
		return 1
	}
	tmp, err := tempDir()
	if err != nil {
		fmt.Fprintln(stderr, "callforge call:", err)
		return 1
	}
	defer removeAll(tmp)
	kvStore, err := kv.OpenBolt(tmp+"/kv.db", kv.BoltOptions{NoSync: true})
	if err != nil {
		fmt.Fprintln(stderr, "callforge call:", err)
		return 1
	}
	defer kvStore.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, p := range kvs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return bad("--kv %q: want key=value", p)
		}
		if err := kvStore.Set(ctx, k, v, 0); err != nil {
			fmt.Fprintln(stderr, "callforge call:", err)
			return 1
		}
	}
	spec.KV = kvStore
	sb, err := scripttest.NewSandbox(store, scripttest.SandboxOptions{})
	if err != nil {
		fmt.Fprintln(stderr, "callforge call:", err)
		return 1
	}
	defer sb.Close(ctx)
	res, err := sb.Call(ctx, spec)
	if err != nil {
		fmt.Fprintln(stderr, "callforge call:", err)
		return 1
	}
	if err := res.WriteTimeline(stdout); err != nil {
		return 1
	}
	switch res.Outcome {
	case "error", "failed", "limit":
		return 1
	}
	return 0
}

func tempDir() (string, error) { return os.MkdirTemp("", "callforge-call-") }

func removeAll(dir string) { _ = os.RemoveAll(dir) }
