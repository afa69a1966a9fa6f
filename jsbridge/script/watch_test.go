package script

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the package when any test leaves a goroutine behind (a
// watcher that did not stop, a compile worker).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// watching runs s.Watch until the test ends and returns a channel of the
// reloads it runs. It waits until the watches are in place.
type watching struct {
	reloads chan ReloadResult
	cancel  context.CancelFunc
	done    chan error
}

func startWatch(t *testing.T, s *Store) *watching {
	t.Helper()
	w := &watching{reloads: make(chan ReloadResult, 100), done: make(chan error, 1)}
	ready := make(chan struct{})
	s.watching = func() { close(ready) }
	s.afterReload = func(res ReloadResult, ok bool) {
		if !ok {
			t.Errorf("watch reload failed")
		}
		w.reloads <- res
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	go func() { w.done <- s.Watch(ctx) }()
	t.Cleanup(func() { w.stop(t) })
	select {
	case <-ready:
	case err := <-w.done:
		t.Fatalf("Watch returned before it was ready: %v", err)
	}
	return w
}

// stop cancels the watch and waits for Watch to return nil.
func (w *watching) stop(t *testing.T) {
	t.Helper()
	if w.cancel == nil {
		return
	}
	w.cancel()
	w.cancel = nil
	select {
	case err := <-w.done:
		if err != nil {
			t.Errorf("Watch returned %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not return after its context was cancelled")
	}
}

// next waits for the next reload.
func (w *watching) next(t *testing.T) ReloadResult {
	t.Helper()
	select {
	case res := <-w.reloads:
		return res
	case <-time.After(10 * time.Second):
		t.Fatal("no reload within 10s of the change")
		return ReloadResult{}
	}
}

func TestWatchPicksUpChanges(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "ivr.js", "function main() { return 'v1' }")
	s, err := Open(dir, Options{ReloadQuiet: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, s)

	steps := []struct {
		name   string
		change func()
		check  func(ReloadResult) error
	}{
		{"edit", func() { writeFile(t, dir, "ivr.js", "function main() { return 'v2' }") }, func(r ReloadResult) error {
			if sc, err := s.Get("ivr"); err != nil || mainResult(t, sc) != "v2" {
				return fmt.Errorf("Get(ivr) = (%v, %v), want v2", sc, err)
			}
			return nil
		}},
		{"broken edit keeps v2", func() { writeFile(t, dir, "ivr.js", "function main() { return 'v3 }") }, func(r ReloadResult) error {
			if len(r.Failed) != 1 {
				return fmt.Errorf("Failed = %v, want one", r.Failed)
			}
			if sc, err := s.Get("ivr"); err != nil || mainResult(t, sc) != "v2" {
				return fmt.Errorf("Get(ivr) = (%v, %v), want v2 kept", sc, err)
			}
			return nil
		}},
		{"new subdirectory", func() {
			writeFile(t, dir, "team/a/menu.ts", "export function main(): string { return 'menu' }")
		}, func(r ReloadResult) error {
			if sc, err := s.Get("team/a/menu"); err != nil || mainResult(t, sc) != "menu" {
				return fmt.Errorf("Get(team/a/menu) = (%v, %v)", sc, err)
			}
			return nil
		}},
		{"file in the new subdirectory", func() {
			writeFile(t, dir, "team/a/other.js", "function main() { return 'other' }")
		}, func(r ReloadResult) error {
			if len(r.Added) != 1 || r.Added[0] != "team/a/other.js" {
				return fmt.Errorf("Added = %v, want [team/a/other.js]", r.Added)
			}
			return nil
		}},
		{"subdirectory removed", func() {
			if err := os.RemoveAll(filepath.Join(dir, "team")); err != nil {
				t.Fatal(err)
			}
		}, func(r ReloadResult) error {
			if len(r.Removed) != 2 {
				return fmt.Errorf("Removed = %v, want both team scripts", r.Removed)
			}
			return nil
		}},
	}
	for _, st := range steps {
		st.change()
		// Several reloads may follow one step (a directory, then its file):
		// the step holds once a reload satisfies it.
		var last error
		for range 3 {
			if last = st.check(w.next(t)); last == nil {
				break
			}
		}
		if last != nil {
			t.Fatalf("%s: %v", st.name, last)
		}
	}
}

// A burst of 50 changed files (a git pull) is one reload, and no snapshot
// ever mixes old and new versions.
func TestWatchBurstIsOneReload(t *testing.T) {
	const n = 50
	dir := t.TempDir()
	content := func(i, gen int) string {
		return fmt.Sprintf("function main() { return 'script %d gen %d' }\n", i, gen)
	}
	for i := range n {
		writeFile(t, dir, fmt.Sprintf("pkg%d/s%02d.js", i%5, i), content(i, 1))
	}
	quiet := 300 * time.Millisecond
	s, err := Open(dir, Options{ReloadQuiet: quiet, ReloadMaxDelay: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	old := s.snap.Load()

	// Watch every snapshot published while the burst lands.
	stopObs := make(chan struct{})
	var obs sync.WaitGroup
	var mixed []string
	obs.Add(1)
	go func() {
		defer obs.Done()
		for {
			snap := s.snap.Load()
			oldN := 0
			for name, e := range snap.files {
				if o := old.files[name]; o != nil && o.hash == e.hash {
					oldN++
				}
			}
			if oldN != 0 && oldN != n {
				mixed = append(mixed, fmt.Sprintf("%d of %d scripts old", oldN, n))
			}
			select {
			case <-stopObs:
				return
			default:
				time.Sleep(100 * time.Microsecond)
			}
		}
	}()

	w := startWatch(t, s)
	for i := range n {
		writeFile(t, dir, fmt.Sprintf("pkg%d/s%02d.js", i%5, i), content(i, 2))
	}
	res := w.next(t)
	if len(res.Changed) != n || len(res.Failed) != 0 {
		t.Errorf("the reload changed %d scripts (failed %v), want all %d", len(res.Changed), res.Failed, n)
	}
	// Let a second reload show itself if there were one.
	time.Sleep(3 * quiet)
	w.stop(t)
	close(stopObs)
	obs.Wait()
	if extra := len(w.reloads); extra != 0 {
		t.Errorf("%d more reloads after the first: the burst was split", extra)
	}
	if got := s.reloads.Load(); got != 1 {
		t.Errorf("reloads = %d, want 1", got)
	}
	if len(mixed) > 0 {
		t.Errorf("snapshots mixed old and new: %v", mixed[:min(3, len(mixed))])
	}
	sc, err := s.Get("pkg3/s48")
	if err != nil || mainResult(t, sc) != "script 48 gen 2" {
		t.Errorf("Get(pkg3/s48) = (%v, %v), want gen 2", sc, err)
	}
}

// Events in ignored places (dot directories, node_modules, other file types,
// chmod) never cause a reload.
func TestWatchIgnoresNoise(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.js", "function main() { return 'a' }")
	writeFile(t, dir, ".git/HEAD", "ref")
	writeFile(t, dir, "node_modules/x/index.js", "module.exports = 1")
	s, err := Open(dir, Options{ReloadQuiet: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, s)
	writeFile(t, dir, ".git/HEAD", "ref2")
	writeFile(t, dir, ".git/objects/x.js", "x")
	writeFile(t, dir, "node_modules/x/index.js", "module.exports = 2")
	writeFile(t, dir, "notes.txt", "hello")
	writeFile(t, dir, ".a.js.swp", "swap")
	if err := os.Chmod(filepath.Join(dir, "a.js"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Then one real change: the first reload seen must be that one alone.
	writeFile(t, dir, "b.js", "function main() { return 'b' }")
	res := w.next(t)
	if len(res.Added) != 1 || res.Added[0] != "b.js" || len(res.Changed)+len(res.Removed) != 0 {
		t.Errorf("reload = %+v, want only b.js added", res)
	}
	if n := s.reloads.Load(); n != 1 {
		t.Errorf("reloads = %d, want 1", n)
	}
}

func TestWatchStopsOnCancel(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.js", "function main() { return 'a' }")
	s, err := Open(dir, Options{ReloadQuiet: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	before := goleak.IgnoreCurrent()
	w := startWatch(t, s)
	writeFile(t, dir, "a.js", "function main() { return 'a2' }")
	w.next(t)
	// Cancel with a reload pending: Watch returns without running it.
	writeFile(t, dir, "a.js", "function main() { return 'a3' }")
	w.stop(t)
	goleak.VerifyNone(t, before)
}

func TestWatchMissingDir(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "scripts")
	writeFile(t, dir, "a.js", "function main() {}")
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Watch(context.Background()); err == nil {
		t.Fatal("Watch of a removed directory returned nil, want an error")
	}
}
