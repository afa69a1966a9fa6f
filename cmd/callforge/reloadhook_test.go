package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/metrics"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Every reload of the store is counted, also one that changed nothing (logged at
// debug level, which the info-level output leaves out), and a failed one.
func TestReloadsAreCounted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.js"), []byte("function main() {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out lockedBuffer
	log := zerolog.New(&out).Level(zerolog.InfoLevel)
	met := metrics.New(metrics.Options{NoProcessMetrics: true})
	store, err := script.Open(dir, script.Options{Logger: reloadCounting(log, &out, met)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Reload(); err != nil { // nothing changed
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.js"), []byte("function main() {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Reload(); err != nil { // b.js added
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Reload(); err == nil {
		t.Fatal("reload of a removed directory succeeded")
	}
	rec := httptest.NewRecorder()
	met.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{`callforge_script_reloads_total{result="ok"} 2`, `callforge_script_reloads_total{result="error"} 1`} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s:\n%s", want, rec.Body.String())
		}
	}
	logs := out.String()
	if strings.Count(logs, msgScriptsReloaded) != 1 || strings.Contains(logs, `"level":"debug"`) {
		t.Errorf("want exactly the info-level reload line and no debug lines in the output:\n%s", logs)
	}
}
