package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/httpmod"
	"github.com/callforge/callforge/jsbridge/kv"
	"github.com/callforge/callforge/jsbridge/script"
)

// runCmd is `callforge run NAME [--data JSON] [--function FN] ...`: it runs an App
// (or one Driver function) once and prints its JSON result. 0 on success, 1 when
// the script fails (the error on stderr), 2 for bad usage.
func runCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("callforge run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		data, function, scriptsDir, dataDir, kvSpec, httpAllow, logLevel string
		budget                                                           time.Duration
		env                                                              listFlag
	)
	fs.StringVar(&data, "data", "", "the App's data as JSON (default {})")
	fs.StringVar(&function, "function", "", "call this exported function of a Driver instead of main")
	fs.StringVar(&scriptsDir, "scripts", "./scripts", "`directory` of scripts")
	fs.StringVar(&dataDir, "data-dir", "./data", "`directory` of the embedded kv store (kv.db); shared with a running serve only through --kv redis://")
	fs.StringVar(&kvSpec, "kv", "", "kv store: empty for the embedded store in --data-dir, or redis://host:port/db")
	fs.StringVar(&httpAllow, "http-allow", "", "`hosts` require('http') may reach, comma-separated")
	fs.Var(&env, "script-env", "NAME=VALUE that scripts see in process.env (repeatable)")
	fs.DurationVar(&budget, "budget", jsbridge.DefaultJobBudget, "time budget of the run")
	fs.StringVar(&logLevel, "log-level", "warn", "log level on stderr: debug, info, warn, error")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: callforge run NAME [--data JSON] [--function FN] [flags]")
		fs.PrintDefaults()
	}
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	extra := 0
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		if name == "" {
			name = fs.Arg(0) // the name may come after flags
		} else {
			extra++
		}
		args = fs.Args()[1:]
	}
	if name == "" || extra > 0 {
		fs.Usage()
		return 2
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "callforge run: "+format+"\n", a...)
		return code
	}
	var arg any
	if strings.TrimSpace(data) != "" {
		if !json.Valid([]byte(data)) {
			return fail(2, "--data is not valid JSON")
		}
		arg = json.RawMessage(data)
	}
	log, err := newLogger("console", logLevel, stderr)
	if err != nil {
		return fail(2, "%v", err)
	}
	store, err := script.Open(scriptsDir, script.Options{Logger: log})
	if err != nil {
		return fail(1, "%v", err)
	}
	sc, err := store.Get(name)
	if err != nil {
		return fail(1, "%v", err)
	}
	if kvSpec == "" {
		if err := os.MkdirAll(dataDir, 0o750); err != nil {
			return fail(1, "data directory: %v", err)
		}
	}
	kvs, err := kv.Open(kvSpec, dataDir)
	if err != nil {
		return fail(1, "kv store: %v (is `callforge serve` holding the embedded store? use --kv redis://...)", err)
	}
	defer kvs.Close()
	scriptEnv := map[string]string{}
	for _, p := range env {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return fail(2, "--script-env wants NAME=VALUE")
		}
		scriptEnv[k] = v
	}
	var client *httpmod.Client
	if httpAllow != "" {
		var allow []string
		for _, h := range strings.Split(httpAllow, ",") {
			if h = strings.TrimSpace(h); h != "" {
				allow = append(allow, h)
			}
		}
		if client, err = httpmod.New(httpmod.Options{Allow: allow}); err != nil {
			return fail(2, "--http-allow: %v", err)
		}
	}
	engine, err := jsbridge.New(jsbridge.Config{Scripts: store, Logger: log, KV: kvs, HTTP: client, ScriptEnv: scriptEnv})
	if err != nil {
		return fail(1, "%v", err)
	}
	kind := "app"
	if function != "" {
		kind = "driver"
	}
	res, err := engine.RunJob(context.Background(), jsbridge.Job{Script: sc, Function: function, Arg: arg, Budget: budget, Kind: kind})
	if err != nil {
		var se *jsbridge.ScriptError
		if errors.As(err, &se) {
			msg := "threw " + string(se.Value)
			if se.IsError {
				msg = se.Name + ": " + se.Message
			}
			if at := jsbridge.ScriptErrorPos(se); at != "" {
				msg += " (at " + at + ")"
			}
			return fail(1, "%s: %s", sc.Name, msg)
		}
		return fail(1, "%v", err)
	}
	fmt.Fprintln(stdout, string(res.Value))
	return 0
}
