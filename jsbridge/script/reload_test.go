package script

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"
)

// mainResult runs sc's main() in a fresh runtime and returns its string result.
func mainResult(t testing.TB, sc *Script) string {
	t.Helper()
	vm := goja.New()
	main, err := sc.Entry(vm, nil)
	if err != nil {
		t.Fatalf("Entry(%s): %v", sc.Name, err)
	}
	v, err := main(goja.Undefined())
	if err != nil {
		t.Fatalf("main(%s): %v", sc.Name, err)
	}
	return v.String()
}

func TestReloadResult(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "same.js", "function main() { return 'same' }")
	writeFile(t, dir, "edit.js", "function main() { return 'edit v1' }")
	writeFile(t, dir, "gone.js", "function main() { return 'gone' }")
	writeFile(t, dir, "breaks.js", "function main() { return 'breaks v1' }")
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "edit.js", "function main() { return 'edit v2' }")
	writeFile(t, dir, "breaks.js", "function main() {\n  return (;\n}")
	writeFile(t, dir, "sub/new.ts", "export function main(): string { return 'new' }")
	writeFile(t, dir, "never.ts", "export function main(): string {\n  return <;\n}")
	writeFile(t, dir, "lib.d.ts", "declare const x: number;")                   // not a script
	writeFile(t, dir, ".git/hooks/x.js", "function main() { return 'hidden' }") // dot dirs are ignored
	writeFile(t, dir, "node_modules/dep/index.js", "module.exports = 1")        // so is node_modules
	if err := os.Remove(filepath.Join(dir, "gone.js")); err != nil {
		t.Fatal(err)
	}
	res, err := s.Reload()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"sub/new.ts"}; !slices.Equal(res.Added, want) {
		t.Errorf("Added = %v, want %v", res.Added, want)
	}
	if want := []string{"edit.js"}; !slices.Equal(res.Changed, want) {
		t.Errorf("Changed = %v, want %v", res.Changed, want)
	}
	if want := []string{"gone.js"}; !slices.Equal(res.Removed, want) {
		t.Errorf("Removed = %v, want %v", res.Removed, want)
	}
	var failed []string
	for _, err := range res.Failed {
		failed = append(failed, err.Error())
	}
	slices.Sort(failed)
	wantFailed := []string{`breaks.js:2:11: Unexpected token ;`, `never.ts:2:11: Unexpected "<"`}
	if len(failed) != 2 || !strings.HasPrefix(failed[0], "breaks.js:2:") || !strings.HasPrefix(failed[1], "never.ts:2:") {
		t.Errorf("Failed = %q, want errors like %q", failed, wantFailed)
	}
	if res.Unchanged != 1 {
		t.Errorf("Unchanged = %d, want 1", res.Unchanged)
	}

	var names []string
	for _, f := range s.Files() {
		names = append(names, f.Name)
	}
	if want := []string{"breaks.js", "edit.js", "never.ts", "same.js", "sub/new.ts"}; !slices.Equal(names, want) {
		t.Errorf("Files() = %v, want %v", names, want)
	}
}

// A broken edit keeps the last good version served; a script that never
// compiled gives its CompileError; fixing it serves the fix.
func TestReloadKeepsLastGoodVersion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "menu.js", "function main() { return 'good' }")
	var logs syncBuffer
	s, err := Open(dir, Options{Logger: zerolog.New(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	good, err := s.Get("menu")
	if err != nil {
		t.Fatal(err)
	}

	writeFile(t, dir, "menu.js", "function main() {\n  return 'half typed\n}\n")
	writeFile(t, dir, "fresh.js", "function main() {\n  if (\n}\n")
	res, err := s.Reload()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 2 {
		t.Fatalf("Failed = %v, want 2 errors", res.Failed)
	}
	got, err := s.Get("menu")
	if err != nil || got != good {
		t.Fatalf("Get(menu) after a broken edit = (%v, %v), want the last good version", got, err)
	}
	if r := mainResult(t, got); r != "good" {
		t.Errorf("main() = %q, want good", r)
	}
	var ce *CompileError
	if sc, err := s.Get("fresh"); sc != nil || !errors.As(err, &ce) || ce.File != "fresh.js" || ce.Line != 3 {
		t.Errorf("Get(fresh) = (%v, %v), want a *CompileError at fresh.js:3", sc, err)
	}
	for _, f := range s.Files() {
		if f.Name == "menu.js" && (f.Script != good || !errors.As(f.Err, &ce) || ce.Line != 2) {
			t.Errorf("Files() menu.js = %+v, want the good script and a compile error on line 2", f)
		}
	}
	if !strings.Contains(logs.String(), `"at":"menu.js:2:`) || !strings.Contains(logs.String(), `"serving":"`+good.Version+`"`) {
		t.Errorf("log does not name menu.js:2 and the version kept: %s", logs.String())
	}

	writeFile(t, dir, "menu.js", "function main() { return 'fixed' }")
	if _, err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	fixed, err := s.Get("menu")
	if err != nil || fixed == good || mainResult(t, fixed) != "fixed" {
		t.Fatalf("Get(menu) after the fix = (%v, %v), want the fixed version", fixed, err)
	}
	if r := mainResult(t, good); r != "good" {
		t.Errorf("the old *Script changed under a call in flight: main() = %q", r)
	}
}

func TestReloadDirectoryGone(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dir := filepath.Join(root, "scripts")
	writeFile(t, dir, "a.js", "function main() { return 'a' }")
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Reload(); err == nil {
		t.Fatal("Reload of a removed directory: want an error")
	}
	if _, err := s.Get("a"); err != nil {
		t.Errorf("Get after a failed reload: %v, want the old snapshot kept", err)
	}
}

// Gets racing with reloads always see one whole snapshot: every script of a
// generation, never a mix (checked on the snapshot directly), and Get never
// fails. Run with -race.
func TestConcurrentGetDuringReloads(t *testing.T) {
	t.Parallel()
	const files, generations = 20, 15
	dir := t.TempDir()
	write := func(gen int) {
		for i := range files {
			writeFile(t, dir, fmt.Sprintf("s%02d.js", i), fmt.Sprintf("function main() { return 'gen %d' }", gen))
		}
	}
	write(0)
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
				if _, err := s.Get(fmt.Sprintf("s%02d", (w+n)%files)); err != nil {
					errs <- err
					return
				}
				snap := s.snap.Load()
				var hash string
				for _, e := range snap.files {
					if hash == "" {
						hash = e.hash
					} else if e.hash != hash {
						errs <- fmt.Errorf("snapshot mixes versions %s and %s", hash, e.hash)
						return
					}
				}
			}
		}()
	}
	for gen := 1; gen <= generations; gen++ {
		write(gen)
		if _, err := s.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	sc, err := s.Get("s07")
	if err != nil || mainResult(t, sc) != fmt.Sprintf("gen %d", generations) {
		t.Fatalf("after the last reload Get(s07) = (%v, %v), want gen %d", sc, err, generations)
	}
}
