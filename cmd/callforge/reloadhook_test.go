package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/metrics"
)

// Every reload of the store is counted, also one that changed nothing, and a
// failed one.
func TestReloadsAreCounted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.js"), []byte("function main() {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	met := metrics.New(metrics.Options{NoProcessMetrics: true})
	store, err := script.Open(dir, script.Options{OnReload: reloadCounter(met)})
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
}
