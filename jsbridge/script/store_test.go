package script

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"
)

func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := writeFile(t, dir, "f.js", "")
	tests := []struct {
		name    string
		dir     string
		wantErr bool
	}{
		{"directory", dir, false},
		{"relative directory", "testdata", false},
		{"missing", filepath.Join(dir, "nope"), true},
		{"file", file, true},
		{"empty", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := Open(tt.dir, Options{})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Open(%q) err = %v, wantErr %v", tt.dir, err, tt.wantErr)
			}
			if err == nil && !filepath.IsAbs(s.Dir()) {
				t.Errorf("Dir() = %q, want absolute", s.Dir())
			}
		})
	}
}

func TestGetResolvesNames(t *testing.T) {
	t.Parallel()
	s := openTestdata(t)
	tests := []struct {
		name     string
		wantName string
		wantErr  error
	}{
		{"classic_sync", "classic_sync.js", nil},
		{"classic_sync.js", "classic_sync.js", nil},
		{"only_ts", "only_ts.ts", nil},
		{"both", "both.js", nil}, // .js is tried before .ts
		{"both.ts", "both.ts", nil},
		{"sub/menu", "sub/menu.js", nil},
		{"sub/menu.js", "sub/menu.js", nil},
		{"./sub//menu", "sub/menu.js", nil},
		{"../testdata/classic_sync", "", ErrInvalidName},
		{"sub/../classic_sync", "", ErrInvalidName},
		{"..", "", ErrInvalidName},
		{"/etc/passwd", "", ErrInvalidName},
		{"sub\\menu", "", ErrInvalidName},
		{"classic_sync\x00.js", "", ErrInvalidName},
		{"", "", ErrInvalidName},
		{".", "", ErrInvalidName},
		{"sub/", "", ErrInvalidName},
		{"missing", "", ErrNotFound},
		{"sub/missing.js", "", ErrNotFound},
		{"notes.txt", "", ErrNotFound}, // only .js/.ts files are scripts
		{"notes", "", ErrNotFound},
		{"dir.js", "", ErrNotFound}, // a directory
		{"classic_sync.js/x", "", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, err := s.Get(tt.name)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || sc != nil {
					t.Fatalf("Get(%q) = (%v, %v), want %v", tt.name, sc, err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), "script ") {
					t.Errorf("error %q does not name the script", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Get(%q): %v", tt.name, err)
			}
			wantPath := filepath.Join(s.Dir(), filepath.FromSlash(tt.wantName))
			if sc.Name != tt.wantName || sc.Path != wantPath {
				t.Errorf("Get(%q) = %s at %s, want %s at %s", tt.name, sc.Name, sc.Path, tt.wantName, wantPath)
			}
			src, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(src)
			if want := hex.EncodeToString(sum[:])[:12]; sc.Version != want {
				t.Errorf("Version = %q, want %q", sc.Version, want)
			}
			if sc.Program == nil {
				t.Error("Program is nil")
			}
		})
	}
}

func TestGetRejectsSymlinksOutOfDir(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	outside := filepath.Join(root, "outside")
	scripts := filepath.Join(root, "scripts")
	writeFile(t, outside, "secret.js", "function main() { return 'secret' }")
	writeFile(t, scripts, "real.js", "function main() { return 'real' }")
	links := map[string]string{
		"evil.js":   filepath.Join(outside, "secret.js"),
		"evildir":   outside,
		"alias.js":  filepath.Join(scripts, "real.js"),
		"rel.js":    "real.js",
		"relout.js": "../outside/secret.js",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(scripts, name)); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(scripts, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		wantErr error
	}{
		{"evil", ErrInvalidName},
		{"evildir/secret", ErrInvalidName},
		{"relout.js", ErrInvalidName},
		{"alias", nil},
		{"rel", nil},
		{"real", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, err := s.Get(tt.name)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Get(%q) = (%v, %v), want error %v", tt.name, sc, err, tt.wantErr)
			}
		})
	}
}

// A symlink that is retargeted out of the directory after a successful Get
// must be caught once the store reloads.
func TestReloadRechecksRetargetedSymlink(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	scripts := filepath.Join(root, "scripts")
	writeFile(t, scripts, "real.js", "function main() { return 'real' }")
	secret := writeFile(t, root, "secret.js", "function main() { return 'secret' }")
	link := filepath.Join(scripts, "link.js")
	if err := os.Symlink("real.js", link); err != nil {
		t.Fatal(err)
	}
	s, err := Open(scripts, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("link"); err != nil {
		t.Fatalf("Get(link): %v", err)
	}
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("link"); err != nil {
		t.Fatalf("Get(link) before reload: %v (Get must not look at the disk)", err)
	}
	if _, err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if sc, err := s.Get("link"); !errors.Is(err, ErrInvalidName) {
		t.Fatalf("Get(link) after retarget = (%v, %v), want ErrInvalidName", sc, err)
	}
}

func TestGetTooLarge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "big.js", "function main() { return 'this file is larger than the limit' }")
	s, err := Open(dir, Options{MaxSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	if sc, err := s.Get("big"); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Get = (%v, %v), want ErrTooLarge", sc, err)
	}
}

func TestReloadDropsDeletedFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "gone.js", "function main() {}")
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("gone"); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	res, err := s.Reload()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Removed) != 1 || res.Removed[0] != "gone.js" {
		t.Errorf("Reload removed %v, want [gone.js]", res.Removed)
	}
	if sc, err := s.Get("gone"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after delete = (%v, %v), want ErrNotFound", sc, err)
	}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func TestCompileErrorIsCachedPerVersion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "broken.js", "function main() {\n  return 1 +;\n}\n")
	var logs syncBuffer
	s, err := Open(dir, Options{Logger: zerolog.New(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	var first error
	for i := 0; i < 5; i++ {
		_, err := s.Get("broken")
		var ce *CompileError
		if !errors.As(err, &ce) || ce.Line != 2 {
			t.Fatalf("Get #%d = %v, want *CompileError on line 2", i, err)
		}
		if i == 0 {
			first = err
		} else if err != first {
			t.Fatalf("Get #%d returned a new error value: recompiled", i)
		}
	}
	if n := s.compiles.Load(); n != 1 {
		t.Fatalf("compiles = %d after 5 Gets of a broken script, want 1", n)
	}
	if _, err := s.Reload(); err != nil { // nothing changed: no recompile, no new log line
		t.Fatal(err)
	}
	if n := s.compiles.Load(); n != 1 {
		t.Fatalf("compiles = %d after a reload of an unchanged broken script, want 1", n)
	}
	if got := strings.Count(logs.String(), "script does not compile"); got != 1 {
		t.Errorf("logged %d compile failures, want 1: %s", got, logs.String())
	}
	if !strings.Contains(logs.String(), `"at":"broken.js:2:13"`) {
		t.Errorf("log does not locate the error at broken.js:2:13: %s", logs.String())
	}

	writeFile(t, dir, "broken.js", "function main() {\n  return 'fixed';\n}\n")
	if _, err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	sc, err := s.Get("broken")
	if err != nil {
		t.Fatalf("Get after fix: %v", err)
	}
	if n := s.compiles.Load(); n != 2 {
		t.Errorf("compiles = %d after fixing, want 2", n)
	}
	vm := goja.New()
	main, err := sc.Entry(vm, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := main(goja.Undefined()); err != nil || v.String() != "fixed" {
		t.Errorf("main() = %v, %v; want fixed", v, err)
	}
}

func TestFileChangeGivesNewVersion(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := writeFile(t, dir, "ivr.js", "function main() { return 'v1' }")
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	v1, err := s.Get("ivr")
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Get("ivr.js")
	if err != nil || again != v1 {
		t.Fatalf("second Get = (%p, %v), want the cached %p", again, err, v1)
	}

	// Same content, new mtime: the compiled script is reused.
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(p, future, future); err != nil {
		t.Fatal(err)
	}
	if res, err := s.Reload(); err != nil || !res.Empty() || res.Unchanged != 1 {
		t.Fatalf("Reload after touch = (%+v, %v), want nothing changed", res, err)
	}
	touched, err := s.Get("ivr")
	if err != nil || touched != v1 {
		t.Fatalf("Get after touch = (%p, %v), want the cached %p", touched, err, v1)
	}
	if n := s.compiles.Load(); n != 1 {
		t.Fatalf("compiles = %d, want 1", n)
	}

	writeFile(t, dir, "ivr.js", "function main() { return 'version two' }")
	if res, err := s.Reload(); err != nil || len(res.Changed) != 1 {
		t.Fatalf("Reload after change = (%+v, %v), want ivr.js changed", res, err)
	}
	v2, err := s.Get("ivr")
	if err != nil {
		t.Fatal(err)
	}
	if v2 == v1 || v2.Version == v1.Version || v2.Program == v1.Program {
		t.Fatalf("after change: version %s -> %s, program %p -> %p; want both new", v1.Version, v2.Version, v1.Program, v2.Program)
	}
	vm := goja.New()
	main, err := v2.Entry(vm, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := main(goja.Undefined()); err != nil || v.String() != "version two" {
		t.Errorf("main() = %v, %v; want version two", v, err)
	}
}

func TestConcurrentGetCompilesOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "busy.ts", "export function main(data: {n: number}): number {\n  if (data.n % 2) throw new Error(\"odd\");\n  return data.n * 2;\n}\n")
	writeFile(t, dir, "other.js", "function main() { return 'other' }\n")
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const workers = 32
	var (
		start   = make(chan struct{})
		wg      sync.WaitGroup
		scripts = make([]*Script, workers)
		errs    = make([]error, workers)
	)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			name := "busy"
			if i%4 == 0 {
				name = "other"
			}
			sc, err := s.Get(name)
			if err != nil {
				errs[i] = err
				return
			}
			scripts[i] = sc
			// Run the shared Program in this goroutine's own runtime.
			vm := goja.New()
			main, err := sc.Entry(vm, nil)
			if err != nil {
				errs[i] = err
				return
			}
			data := vm.NewObject()
			_ = data.Set("n", i)
			// Odd workers throw: stack positions are looked up through the
			// shared program's source map from many goroutines at once.
			_, err = main(goja.Undefined(), data)
			if odd := name == "busy" && i%2 == 1; odd != (err != nil) {
				errs[i] = fmt.Errorf("n=%d: main() error = %v", i, err)
			} else if odd && !strings.Contains(err.Error(), "busy.ts:2:") {
				errs[i] = fmt.Errorf("n=%d: error %q does not point at busy.ts:2", i, err)
			}
		}(i)
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("worker %d: %v", i, err)
		}
	}
	for i := range scripts {
		if j := i % 4; j != 0 && scripts[i] != scripts[1] {
			t.Fatalf("worker %d got a different *Script for busy.ts", i)
		}
	}
	if n := s.compiles.Load(); n != 2 {
		t.Fatalf("compiles = %d for two scripts fetched by %d goroutines, want 2", n, workers)
	}
}
