package jsbridge_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/script"
)

func TestRunJob(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, src := range map[string]string{
		"route.js":  `function main(data) { data.routing.cli = '999'; return data; }`,
		"dnc.js":    `async function main(data) { throw [604, 'Number on DNC List']; }`,
		"block.js":  `function main(data) { throw new Error('603 Destination Blocked'); }`,
		"driver.js": `module.export = { search: async ({number}) => [{did: number + '1'}], list: () => [] };`,
		"spin.js":   `async function main() { await new Promise(r => setTimeout(r, 5)); for (;;) {} }`,
		"slow.js":   `async function main() { await new Promise(r => setTimeout(r, 60000)); }`,
		"app.js":    `async function main(d) { const kv = require('kv'); return {sum: d.a + d.b, n: await kv.incr('n')}; }`,
	} {
		if err := writeFile(dir+"/"+name, src); err != nil {
			t.Fatal(err)
		}
	}
	kvOpt, _ := withKV(t)
	store, err := script.Open(dir, script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := jsbridge.Config{Scripts: store, Limits: jsbridge.Limits{CPU: 200 * time.Millisecond}}
	kvOpt(&cfg)
	e, err := jsbridge.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	get := func(name string) *script.Script {
		s, err := store.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ctx := context.Background()
	tests := []struct {
		name  string
		job   jsbridge.Job
		value string
		check func(error) bool
	}{
		{"sync main returns data", jsbridge.Job{Script: get("route"), Arg: map[string]any{"routing": map[string]any{"cli": "1"}}},
			`{"routing":{"cli":"999"}}`, nil},
		{"rejection with [code, reason]", jsbridge.Job{Script: get("dnc")}, "", func(err error) bool {
			var se *jsbridge.ScriptError
			return errors.As(err, &se) && !se.IsError && string(se.Value) == `[604,"Number on DNC List"]`
		}},
		{"Error with a SIP code", jsbridge.Job{Script: get("block")}, "", func(err error) bool {
			var se *jsbridge.ScriptError
			return errors.As(err, &se) && se.IsError && se.Message == "603 Destination Blocked" && se.Stack != ""
		}},
		{"driver function via module.export", jsbridge.Job{Script: get("driver"), Function: "search", Arg: map[string]any{"number": "44"}},
			`[{"did":"441"}]`, nil},
		{"missing driver function", jsbridge.Job{Script: get("driver"), Function: "nope"}, "", func(err error) bool {
			return err != nil
		}},
		{"CPU budget", jsbridge.Job{Script: get("spin")}, "", func(err error) bool {
			var le *jsbridge.LimitError
			return errors.As(err, &le) && le.Limit == jsbridge.LimitCPU
		}},
		{"time budget", jsbridge.Job{Script: get("slow"), Budget: 100 * time.Millisecond}, "", func(err error) bool {
			var le *jsbridge.LimitError
			return errors.As(err, &le) && le.Limit == jsbridge.LimitBudget && errors.Is(err, jsbridge.ErrLimit)
		}},
		{"app with modules", jsbridge.Job{Script: get("app"), Arg: map[string]any{"a": 2, "b": 3}}, `{"sum":5,"n":1}`, nil},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := e.RunJob(ctx, tc.job)
			if tc.check != nil {
				if !tc.check(err) {
					t.Fatalf("error %v (%T) not as expected", err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Value) != tc.value {
				t.Fatalf("value %s, want %s", res.Value, tc.value)
			}
		})
	}
}

// A routing refusal ([604, ...], Error('603 ...')) is the script's answer: logged at
// info, not as a script error; any other throw is an error.
func TestRejectionIsAnswer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, src := range map[string]string{
		"dnc.js":   `function main(data) { throw [604, 'Number on DNC List']; }`,
		"block.js": `async function main(data) { throw new Error('603 Destination Blocked'); }`,
		"bug.js":   `function main(data) { return data.nope.x; }`,
	} {
		if err := writeFile(dir+"/"+name, src); err != nil {
			t.Fatal(err)
		}
	}
	store, err := script.Open(dir, script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := jsbridge.New(jsbridge.Config{Scripts: store})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		script    string
		wantError bool
	}{{"dnc", false}, {"block", false}, {"bug", true}} {
		logs := &logBuffer{}
		log := zerolog.New(logs)
		sc, err := store.Get(tc.script)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.RunJob(context.Background(), jsbridge.Job{Script: sc, Kind: "route", RejectionIsAnswer: true, Logger: &log})
		var se *jsbridge.ScriptError
		if !errors.As(err, &se) {
			t.Fatalf("%s: error %v, want a ScriptError", tc.script, err)
		}
		errorLines := 0
		for _, l := range logs.lines("") {
			if l["level"] == "error" {
				errorLines++
			}
		}
		if (errorLines > 0) != tc.wantError {
			t.Errorf("%s: %d error lines, want error: %v (%v)", tc.script, errorLines, tc.wantError, logs.lines(""))
		}
	}
}
