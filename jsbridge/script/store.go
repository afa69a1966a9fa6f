package script

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"
)

// DefaultMaxSize is the largest script file the Store reads when
// Options.MaxSize is zero.
const DefaultMaxSize = 4 << 20

// Options configures a Store.
type Options struct {
	Logger  zerolog.Logger // optional; the zero value logs nothing
	MaxSize int64          // largest script file in bytes; 0 means DefaultMaxSize

	// ReloadQuiet is how long Watch waits after the last file event before it
	// reloads (0 means DefaultReloadQuiet); ReloadMaxDelay bounds the wait
	// from the first event of a burst (0 means DefaultReloadMaxDelay).
	ReloadQuiet    time.Duration
	ReloadMaxDelay time.Duration

	// OnReload, if set, is called after every Reload (Watch's and SIGHUP's
	// included) with its result; err is set when the directory could not be
	// read and the old snapshot stayed. It must not block.
	OnReload func(res ReloadResult, err error)
}

// Store owns one scripts directory. It holds an immutable snapshot of every
// script in the tree, compiled, and swaps in a new snapshot on Reload. It is
// safe for concurrent use.
type Store struct {
	dir      string // absolute, symlinks evaluated
	log      zerolog.Logger
	maxSize  int64
	quiet    time.Duration
	maxWait  time.Duration
	onReload func(ReloadResult, error)

	snap     atomic.Pointer[snapshot]
	reloadMu sync.Mutex // one Reload at a time

	compiles    atomic.Int64             // compileSource calls, for tests
	reloads     atomic.Int64             // completed reloads (Open's load excluded), for tests
	afterReload func(ReloadResult, bool) // test hook: called after each reload Watch runs (ok=false on error)
	watching    func()                   // test hook: called once Watch's watches are in place
}

// snapshot is one consistent view of the scripts directory. It is never
// modified once published.
type snapshot struct {
	files map[string]*entry // canonical name ("sub/menu.js") -> entry
	// outside holds names (files or directories) that are symlinks leading
	// out of the scripts directory: Get refuses them and anything under them.
	outside map[string]bool
}

// bundleStale: the entry's source bundles vendored packages and must be
// rebuilt although its own source is unchanged (a package changed, or the last
// bundle failed: perhaps npm install has run since).
func (e *entry) bundleStale() bool {
	if e.err != nil {
		var ce *CompileError
		return errors.As(e.err, &ce) && ce.bundle
	}
	return e.script != nil && e.script.Version == e.hash && e.script.inputs != nil && e.script.bundleStale()
}

// entry is one script file in a snapshot.
type entry struct {
	name   string
	path   string
	hash   string  // content hash of the source last read ("" when it could not be read)
	script *Script // the version served: the last one that compiled (nil if none did)
	err    error   // why the current content is not served (nil when script is the current content)
}

// FileStatus describes one script file of the current snapshot.
type FileStatus struct {
	Name   string  // canonical name relative to the scripts directory ("sub/menu.js")
	Script *Script // the version Get returns; nil when no version ever compiled
	Err    error   // why the file's current content is not served; nil when it is
}

// ReloadResult summarises one Reload. Names are canonical and sorted.
type ReloadResult struct {
	Added     []string // new scripts that compiled
	Changed   []string // scripts whose new content compiled
	Removed   []string // scripts that are gone
	Failed    []error  // scripts whose current content does not compile or cannot be read (new or changed)
	Unchanged int
	Took      time.Duration
}

// Empty reports that the reload changed nothing.
func (r ReloadResult) Empty() bool {
	return len(r.Added)+len(r.Changed)+len(r.Removed)+len(r.Failed) == 0
}

// Open returns a Store for dir, which must exist and be a directory. It
// compiles every script in the tree (in parallel) before returning; scripts
// that do not compile are logged and reported by Get, they do not fail Open.
func Open(dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("open scripts dir: empty path")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open scripts dir %q: %w", dir, err)
	}
	realPath, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("open scripts dir %q: %w", dir, err)
	}
	fi, err := os.Stat(realPath)
	if err != nil {
		return nil, fmt.Errorf("open scripts dir %q: %w", dir, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("open scripts dir %q: not a directory", dir)
	}
	s := &Store{
		dir:      realPath,
		log:      opts.Logger,
		maxSize:  opts.MaxSize,
		quiet:    opts.ReloadQuiet,
		maxWait:  opts.ReloadMaxDelay,
		onReload: opts.OnReload,
	}
	if s.maxSize <= 0 {
		s.maxSize = DefaultMaxSize
	}
	if s.quiet <= 0 {
		s.quiet = DefaultReloadQuiet
	}
	if s.maxWait <= 0 {
		s.maxWait = DefaultReloadMaxDelay
	}
	if s.maxWait < s.quiet {
		s.maxWait = s.quiet
	}
	s.snap.Store(&snapshot{files: map[string]*entry{}, outside: map[string]bool{}})
	res, err := s.reload()
	if err != nil {
		return nil, fmt.Errorf("open scripts dir %q: %w", dir, err)
	}
	s.log.Info().Str("dir", realPath).Int("scripts", len(res.Added)).Int("failed", len(res.Failed)).
		Dur("took", res.Took).Msg("scripts loaded")
	return s, nil
}

// Dir returns the scripts directory (absolute, symlinks evaluated).
func (s *Store) Dir() string { return s.dir }

// Get resolves name (as the voice_script channel variable gives it) in the
// current snapshot and returns the compiled script. It costs a few map
// lookups: no file is read or stat'ed.
//
// name is relative to the scripts directory, slash-separated; ".js"/".ts" is
// optional: Get tries name (only when it ends in .js or .ts), name.js, then
// name.ts. Names that are absolute, contain "..", a NUL or a backslash are
// refused, and so is a file that leaves the directory through a symlink.
// A script whose current content does not compile keeps returning its last
// good version; one that never compiled returns its error.
//
// Errors: ErrInvalidName, ErrNotFound, ErrTooLarge (wrapped with the name),
// *CompileError, or an I/O error met when the file was last read.
func (s *Store) Get(name string) (*Script, error) {
	clean, err := cleanName(name)
	if err != nil {
		return nil, err
	}
	snap := s.snap.Load()
	if len(snap.outside) > 0 {
		for p := clean; p != "." && p != "/"; p = path.Dir(p) {
			if snap.outside[p] {
				return nil, fmt.Errorf("script %q: %w: resolves outside the scripts directory", name, ErrInvalidName)
			}
		}
	}
	for i, cand := range [3]string{clean, clean + ".js", clean + ".ts"} {
		if i == 0 && !isScriptName(cand) {
			continue
		}
		if snap.outside[cand] {
			return nil, fmt.Errorf("script %q: %w: resolves outside the scripts directory", name, ErrInvalidName)
		}
		if e, ok := snap.files[cand]; ok {
			if e.script != nil {
				return e.script, nil
			}
			return nil, e.err
		}
	}
	return nil, fmt.Errorf("script %q: %w", name, ErrNotFound)
}

// Files lists every script of the current snapshot, sorted by name.
func (s *Store) Files() []FileStatus {
	snap := s.snap.Load()
	out := make([]FileStatus, 0, len(snap.files))
	for _, e := range snap.files {
		out = append(out, FileStatus{Name: e.name, Script: e.script, Err: e.err})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Reload rescans the directory, compiles what changed (by content hash) and
// swaps the new snapshot in, in one step: a Get sees either the whole old set
// or the whole new one. Gets are served from the old snapshot meanwhile, and a
// call keeps the *Script it got. A script whose new content does not compile
// keeps its last good version (the error is logged with file:line:col);
// deleted scripts disappear. Reloads are serialised.
//
// The error is about the directory as a whole (it cannot be read); the old
// snapshot then stays in place.
func (s *Store) Reload() (ReloadResult, error) {
	res, err := s.reload()
	if s.onReload != nil {
		defer s.onReload(res, err)
	}
	if err != nil {
		s.log.Error().Err(err).Str("dir", s.dir).Msg("scripts reload failed: keeping the loaded scripts")
		return res, err
	}
	s.reloads.Add(1)
	s.logReload(res)
	return res, nil
}

func (s *Store) logReload(res ReloadResult) {
	ev := s.log.Info()
	if res.Empty() {
		ev = s.log.Debug()
	}
	ev.Int("changed", len(res.Changed)).Int("added", len(res.Added)).Int("removed", len(res.Removed)).
		Int("failed", len(res.Failed)).Int("unchanged", res.Unchanged).Dur("took", res.Took).Msg("scripts reloaded")
}

// scanned is one script file found by a scan.
type scanned struct {
	name string // canonical
	path string // absolute, through the scripts directory
}

// job is one file a reload reads and, if its content changed, compiles.
type job struct {
	file scanned
	prev *entry
	next *entry
}

func (s *Store) reload() (ReloadResult, error) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	start := time.Now()
	prev := s.snap.Load()
	files, outside, err := s.scan()
	if err != nil {
		return ReloadResult{}, err
	}
	jobs := make([]job, len(files))
	for i, f := range files {
		jobs[i] = job{file: f, prev: prev.files[f.name]}
	}
	parallel(len(jobs), func(i int) { jobs[i].next = s.load(jobs[i].file, jobs[i].prev) })

	next := &snapshot{files: make(map[string]*entry, len(jobs)), outside: outside}
	var res ReloadResult
	for _, j := range jobs {
		e := j.next
		if e == nil {
			continue // vanished between scan and read
		}
		next.files[e.name] = e
		switch {
		case j.prev != nil && e == j.prev:
			res.Unchanged++
		case e.err != nil:
			res.Failed = append(res.Failed, e.err)
			s.logFailure(e)
		case j.prev == nil:
			res.Added = append(res.Added, e.name)
		default:
			res.Changed = append(res.Changed, e.name)
		}
	}
	for name := range prev.files {
		if _, ok := next.files[name]; !ok {
			res.Removed = append(res.Removed, name)
		}
	}
	sort.Strings(res.Added)
	sort.Strings(res.Changed)
	sort.Strings(res.Removed)
	s.snap.Store(next)
	res.Took = time.Since(start)
	return res, nil
}

func (s *Store) logFailure(e *entry) {
	ev := s.log.Error().Str("script", e.name)
	var ce *CompileError
	if errors.As(e.err, &ce) {
		ev = ev.Str("at", fmt.Sprintf("%s:%d:%d", ce.File, ce.Line, ce.Column)).Str("error", ce.Message)
	} else {
		ev = ev.Err(e.err)
	}
	if e.script != nil {
		ev.Str("serving", e.script.Version).Msg("script does not compile: keeping its last good version")
		return
	}
	ev.Msg("script does not compile")
}

// load reads one file and returns its entry: prev itself when the content is
// unchanged, else a new entry (nil when the file vanished since the scan).
func (s *Store) load(f scanned, prev *entry) *entry {
	var last *Script
	if prev != nil {
		last = prev.script
	}
	src, err := readLimited(f.path, s.maxSize)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		err = fmt.Errorf("script %q: %w", f.name, err)
		return &entry{name: f.name, path: f.path, script: last, err: err}
	}
	sum := sha256.Sum256(src)
	ver := hex.EncodeToString(sum[:6])
	if prev != nil && prev.hash == ver && !prev.bundleStale() {
		return prev
	}
	sc, err := s.compile(f, ver, src)
	if err != nil {
		return &entry{name: f.name, path: f.path, hash: ver, script: last, err: err}
	}
	return &entry{name: f.name, path: f.path, hash: ver, script: sc}
}

// compile compiles one version of a file.
func (s *Store) compile(f scanned, ver string, src []byte) (*Script, error) {
	start := time.Now()
	s.compiles.Add(1)
	var inputs []inputStamp
	var prg *goja.Program
	var mapped bool
	var err error
	if needsBundle(string(src)) { // vendored npm packages: see bundle.go
		prg, inputs, err = safeBundle(s.dir, f.name, string(src))
		mapped = true
	} else {
		prg, mapped, err = safeCompile(f.name, string(src))
	}
	if err != nil {
		var ce *CompileError
		if errors.As(err, &ce) {
			ce.version = ver
		}
		return nil, err
	}
	s.log.Debug().Str("script", f.name).Str("version", ver).Dur("took", time.Since(start)).Msg("script compiled")
	return &Script{
		Name:     f.name,
		Path:     f.path,
		Version:  ver,
		Program:  prg,
		filename: f.name,
		dirname:  path.Dir(f.name),
		mapped:   mapped,
		inputs:   inputs,
	}, nil
}

// parallel runs fn(0..n-1) on at most GOMAXPROCS goroutines and waits.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// safeBundle is safeCompile for a script bundled with vendored packages.
func safeBundle(dir, name, src string) (prg *goja.Program, inputs []inputStamp, err error) {
	defer func() {
		if p := recover(); p != nil {
			prg, inputs, err = nil, nil, &CompileError{File: name, Message: fmt.Sprintf("bundler failure: %v", p)}
		}
		var ce *CompileError
		if errors.As(err, &ce) {
			ce.bundle = true
		}
	}()
	return compileBundle(dir, name, src)
}

// safeCompile turns an unexpected panic inside the compiler into an error:
// a bad script must never take the engine down.
func safeCompile(name, src string) (prg *goja.Program, mapped bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			prg, mapped, err = nil, false, &CompileError{File: name, Message: fmt.Sprintf("compiler failure: %v", p)}
		}
	}()
	return compileSource(name, src)
}

func readLimited(p string, limit int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w (limit %d bytes)", ErrTooLarge, limit)
	}
	return b, nil
}

// cleanName checks a requested name and returns it in a canonical
// slash-separated form (without adding an extension).
func cleanName(name string) (string, error) {
	bad := func(why string) error {
		return fmt.Errorf("script %q: %w: %s", name, ErrInvalidName, why)
	}
	switch {
	case name == "":
		return "", bad("empty")
	case strings.ContainsRune(name, 0):
		return "", bad("contains NUL")
	case strings.ContainsRune(name, '\\'):
		return "", bad("contains a backslash")
	case strings.HasPrefix(name, "/"):
		return "", bad("absolute path")
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", bad(`contains ".."`)
		}
	}
	clean := path.Clean(name)
	if clean == "." || strings.HasSuffix(name, "/") {
		return "", bad("not a file name")
	}
	return clean, nil
}

// isScriptName reports whether a file name is a script's: .js or .ts, but
// not a TypeScript declaration file nor an operator's test file (*.test.js,
// *.test.ts: `callforge test` runs those, the engine never does).
func isScriptName(name string) bool {
	if strings.HasSuffix(name, ".test.js") || strings.HasSuffix(name, ".test.ts") {
		return false
	}
	switch path.Ext(name) {
	case ".js":
		return true
	case ".ts":
		return !strings.HasSuffix(name, ".d.ts")
	}
	return false
}

// skipDir reports a directory the store neither loads nor watches: dot
// directories (.git, .vscode) and node_modules (vendored libraries are
// required by scripts, they are not scripts).
func skipDir(base string) bool {
	return strings.HasPrefix(base, ".") || base == "node_modules"
}

func inside(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return false
	}
	return rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}
