package schedule

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/kv"
	"github.com/callforge/callforge/jsbridge/script"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction(jsbridge.RegexClockGoroutine))
}

func TestHeaderSpec(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, want string }{
		{"line comment", "// Nightly cleanup\n// @cron */5 * * * *\nasync function main() {}", "*/5 * * * *"},
		{"block comment", "/**\n * Report.\n * @cron @hourly\n */\nasync function main() {}", "@hourly"},
		{"after shebang and use strict", "#!/usr/bin/env node\n'use strict';\n// @cron 0 6 * * 1-5\n", "0 6 * * 1-5"},
		{"one-line block", "/* @cron @every 1m */\nfunction main() {}", "@every 1m"},
		{"not in the header", "function main() {}\n// @cron * * * * *\n", ""},
		{"no cron", "// just a comment\nfunction main() {}", ""},
		{"empty spec", "// @cron\nfunction main() {}", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := HeaderSpec(strings.NewReader(tc.src))
			if got != tc.want || ok != (tc.want != "") {
				t.Fatalf("HeaderSpec = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}

func TestParseConfigEntry(t *testing.T) {
	t.Parallel()
	e, err := ParseConfigEntry("cleanup = */10 * * * *")
	if err != nil || e != (Entry{Script: "cleanup", Spec: "*/10 * * * *", Source: SourceConfig}) {
		t.Fatalf("%+v %v", e, err)
	}
	for _, bad := range []string{"cleanup", "=* * * * *", "x=not cron", "x=* * *"} {
		if _, err := ParseConfigEntry(bad); !errors.Is(err, ErrBadEntry) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func writeScripts(t *testing.T, files map[string]string) (string, *script.Store) {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := script.Open(dir, script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return dir, st
}

type blockingRunner struct {
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	args    []string
}

func (b *blockingRunner) RunJob(ctx context.Context, j jsbridge.Job) (jsbridge.JobResult, error) {
	raw, _ := json.Marshal(j.Arg)
	b.mu.Lock()
	b.args = append(b.args, string(raw))
	b.mu.Unlock()
	b.entered <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
		return jsbridge.JobResult{}, ctx.Err()
	}
	return jsbridge.JobResult{Value: json.RawMessage(`{"ok":true}`)}, nil
}

func TestSync(t *testing.T) {
	t.Parallel()
	dir, st := writeScripts(t, map[string]string{
		"report.js":  "// @cron 0 6 * * *\nasync function main() { return 1; }",
		"cleanup.js": "// @cron @hourly\nasync function main() {}",
		"plain.js":   "async function main() {}",
		"broken.js":  "// @cron every tuesday\nasync function main() {}",
	})
	var logs bytes.Buffer
	s, err := New(Options{Runner: &blockingRunner{}, Scripts: st, Logger: zerolog.New(&logs),
		Config: []Entry{{Script: "cleanup", Spec: "*/5 * * * *", Source: SourceConfig}}})
	if err != nil {
		t.Fatal(err)
	}
	s.Sync()
	want := []Entry{{"cleanup", "*/5 * * * *", SourceConfig}, {"report.js", "0 6 * * *", SourceHeader}}
	if got := s.Entries(); !equalEntries(got, want) {
		t.Fatalf("entries %+v, want %+v", got, want)
	}
	if !strings.Contains(logs.String(), "@cron header is not a cron expression") {
		t.Fatalf("broken header not logged: %s", logs.String())
	}
	if err := os.WriteFile(filepath.Join(dir, "report.js"), []byte("// @cron 30 7 * * *\nasync function main() {}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "broken.js")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Reload(); err != nil {
		t.Fatal(err)
	}
	s.Sync()
	want[1].Spec = "30 7 * * *"
	if got := s.Entries(); !equalEntries(got, want) {
		t.Fatalf("after the edit: %+v, want %+v", got, want)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func equalEntries(a, b []Entry) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A run that is still going makes the next one be skipped and logged.
func TestOverlapSkipped(t *testing.T) {
	t.Parallel()
	_, st := writeScripts(t, map[string]string{"report.js": "// @cron * * * * *\nasync function main() {}"})
	r := &blockingRunner{entered: make(chan struct{}, 4), release: make(chan struct{})}
	var logs syncBuffer
	s, err := New(Options{Runner: r, Scripts: st, Logger: zerolog.New(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	s.Sync()
	e := s.entries["report.js"]
	first := make(chan struct{})
	go func() { defer close(first); s.fire(e) }()
	<-r.entered
	s.fire(e) // the first is still going
	if ran, skipped := s.Counts(); ran != 1 || skipped != 1 {
		t.Fatalf("ran %d skipped %d, want 1 and 1", ran, skipped)
	}
	if !strings.Contains(logs.String(), "scheduled run skipped: the previous run is still going") {
		t.Fatalf("skip not logged: %s", logs.String())
	}
	r.release <- struct{}{}
	<-first
	go func() { <-r.entered; r.release <- struct{}{} }()
	s.fire(e) // the first is over: this one runs
	if ran, skipped := s.Counts(); ran != 2 || skipped != 1 {
		t.Fatalf("ran %d skipped %d, want 2 and 1", ran, skipped)
	}
	var arg map[string]any
	if err := json.Unmarshal([]byte(r.args[0]), &arg); err != nil || arg["scheduled"] != true || arg["schedule"] != "* * * * *" {
		t.Fatalf("scheduled run's data: %s (%v)", r.args[0], err)
	}
	_ = s.Stop(context.Background())
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A scheduled App runs on the real engine, and Start/Stop leave nothing behind.
func TestRealRun(t *testing.T) {
	t.Parallel()
	_, st := writeScripts(t, map[string]string{"tick.js": `// @cron @every 1h
const { kv } = require('cxKV');
async function main(data) {
  await kv.set('last', data.scheduled ? data.schedule : 'no');
  return 'ok';
}`})
	store, err := kv.OpenBolt(filepath.Join(t.TempDir(), "kv.db"), kv.BoltOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	eng, err := jsbridge.New(jsbridge.Config{Scripts: st, KV: store})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Runner: eng, Scripts: st})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	s.fire(s.entries["tick.js"])
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	v, ok, err := store.Get(context.Background(), "last")
	if err != nil || !ok || v != "@every 1h" {
		t.Fatalf("kv last = %q %v %v", v, ok, err)
	}
}
