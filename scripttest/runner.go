package scripttest

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
	"github.com/dop251/goja_nodejs/eventloop"
	"github.com/evanw/esbuild/pkg/api"
	"github.com/rs/zerolog"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/kv"
	"github.com/callforge/callforge/jsbridge/script"
)

//go:embed prelude.js
var prelude string

// DefaultTestTimeout is the real time one test may take.
const DefaultTestTimeout = 30 * time.Second

// ErrNoTests is returned by Run when the directory holds no test file.
var ErrNoTests = errors.New("scripttest: no *.test.js or *.test.ts files")

// Options configures Run.
type Options struct {
	Dir      string         // scripts directory; test files are found beside the scripts
	Run      *regexp.Regexp // only tests whose "file > name" matches (nil: all)
	Parallel int            // tests in flight at once (default 4 × GOMAXPROCS)
	Timeout  time.Duration  // real time one test may take (default DefaultTestTimeout)
	Out      io.Writer      // the report (nil: discarded)
	Verbose  bool           // also print t.log lines and the verbs of passing tests
	Engine   func(*jsbridge.Config)
	Logger   zerolog.Logger // the runner's own diagnostics
}

// Status is a test's verdict.
type Status string

// Verdicts.
const (
	Passed  Status = "ok"
	Failed  Status = "FAIL"
	Skipped Status = "skip"
	Todo    Status = "todo"
)

// TestResult is one test's verdict and what explains it.
type TestResult struct {
	File      string // relative to Options.Dir, slash-separated
	Name      string // "describe > name"
	Status    Status
	Took      time.Duration // real time
	Simulated time.Duration // virtual time of its calls, added up
	Failures  []string      // one block per failed assertion or error
	Logs      []string      // t.log lines
	Calls     []*CallResult
}

// Report is the result of a run.
type Report struct {
	Results                       []TestResult
	Passed, Failed, Skipped, Todo int
	Files                         int
	Took                          time.Duration
}

// OK reports that nothing failed.
func (r *Report) OK() bool { return r.Failed == 0 }

// Run runs every test file under opts.Dir and writes the report to opts.Out as
// the tests finish (in file and declaration order). The error is about the run
// as a whole (no directory, no test files); failing tests are in the Report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	began := time.Now()
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 4 * runtime.GOMAXPROCS(0)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTestTimeout
	}
	store, err := script.Open(opts.Dir, script.Options{Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	files, err := findTests(store.Dir())
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoTests, opts.Dir)
	}
	sb, err := NewSandbox(store, SandboxOptions{Engine: opts.Engine, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "callforge-test-")
	if err != nil {
		return nil, fmt.Errorf("scripttest: temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	rn := &runner{opts: opts, store: store, sb: sb, tmp: tmp, sem: make(chan struct{}, opts.Parallel)}

	runs := make([]*fileRun, len(files))
	for i, f := range files {
		runs[i] = rn.load(f)
	}
	only := false
	for _, fr := range runs {
		for _, tc := range fr.tests {
			only = only || tc.only
		}
	}
	var wg sync.WaitGroup
	for _, fr := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fr.runAll(ctx, only)
		}()
	}
	rep := &Report{Files: len(files)}
	for _, fr := range runs {
		for _, res := range fr.results() {
			rn.print(res)
			rep.Results = append(rep.Results, res)
			switch res.Status {
			case Passed:
				rep.Passed++
			case Failed:
				rep.Failed++
			case Skipped:
				rep.Skipped++
			case Todo:
				rep.Todo++
			}
		}
	}
	wg.Wait()
	cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sb.Close(cctx); err != nil {
		opts.Logger.Warn().Err(err).Msg("sandbox did not drain")
	}
	rep.Took = time.Since(began)
	rn.summary(rep)
	return rep, nil
}

// findTests lists the test files under dir (dot directories and node_modules
// skipped), sorted.
func findTests(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if IsTestFile(d.Name()) {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scripttest: find test files: %w", err)
	}
	sort.Strings(out)
	return out, nil
}

// IsTestFile reports whether a file name is a test file's (*.test.js, *.test.ts).
func IsTestFile(name string) bool {
	return strings.HasSuffix(name, ".test.js") || strings.HasSuffix(name, ".test.ts")
}

type runner struct {
	opts  Options
	store *script.Store
	sb    *Sandbox
	tmp   string
	sem   chan struct{}

	outMu sync.Mutex
}

// fileRun is one test file: its runtime, loop and tests.
type fileRun struct {
	rn      *runner
	name    string
	loop    *eventloop.EventLoop
	vm      *goja.Runtime // loop goroutine only
	tests   []*testCase
	loadErr string

	mu    sync.Mutex
	cond  *sync.Cond
	byID  map[int]*testCase
	calls sync.WaitGroup
}

// testCase is one registered test. Fields after fn are written on the loop
// until finished is closed, then read by the report.
type testCase struct {
	fr       *fileRun
	id       int
	name     string
	fn       goja.Callable
	skip     bool
	todo     bool
	only     bool
	timeout  time.Duration
	filtered bool

	began    time.Time
	res      TestResult
	ended    bool
	finished chan struct{}
	ctx      context.Context
	cancel   context.CancelFunc
	kvStore  kv.Store
	kvErr    error
	http     *HTTPMock
}

// load compiles and runs a test file's top level, registering its tests.
func (rn *runner) load(name string) *fileRun {
	fr := &fileRun{rn: rn, name: name, byID: map[int]*testCase{}}
	fr.cond = sync.NewCond(&fr.mu)
	fr.loop = eventloop.NewEventLoop(eventloop.EnableConsole(false))
	fr.loop.Start()
	done := make(chan struct{})
	fr.loop.RunOnLoop(func(vm *goja.Runtime) {
		defer close(done)
		fr.vm = vm
		if err := fr.setup(vm); err != nil {
			fr.loadErr = err.Error()
		}
	})
	<-done
	return fr
}

func (fr *fileRun) setup(vm *goja.Runtime) error {
	src, err := os.ReadFile(filepath.Join(fr.rn.store.Dir(), filepath.FromSlash(fr.name)))
	if err != nil {
		return err
	}
	cf := vm.NewObject()
	fr.bindNatives(vm, cf)
	_ = vm.Set("__cf", cf)
	fr.installConsole(vm)
	if _, err := vm.RunScript("callforge-test-prelude.js", prelude); err != nil {
		return fmt.Errorf("test API: %w", err)
	}
	prg, err := compileTest(fr.name, string(src))
	if err != nil {
		return err
	}
	wrapper, err := vm.RunProgram(prg)
	if err != nil {
		return jsError(err)
	}
	fn, ok := goja.AssertFunction(wrapper)
	if !ok {
		return errors.New("compiled test file is not a function")
	}
	exports := vm.NewObject()
	module := vm.NewObject()
	_ = module.Set("exports", exports)
	req := vm.ToValue(fr.require(vm, path.Dir(fr.name)))
	if _, err := fn(goja.Undefined(), exports, req, module, vm.ToValue(fr.name), vm.ToValue(path.Dir(fr.name))); err != nil {
		return jsError(err)
	}
	regFn, _ := goja.AssertFunction(cf.Get("registry"))
	regV, err := regFn(goja.Undefined())
	if err != nil {
		return jsError(err)
	}
	reg := regV.ToObject(vm)
	n := int(reg.Get("length").ToInteger())
	for i := 0; i < n; i++ {
		o := reg.Get(fmt.Sprint(i)).ToObject(vm)
		fn, _ := goja.AssertFunction(o.Get("fn"))
		tc := &testCase{
			fr: fr, id: i, name: o.Get("name").String(), fn: fn,
			skip: o.Get("skip").ToBoolean(), todo: o.Get("todo").ToBoolean(), only: o.Get("only").ToBoolean(),
			timeout:  time.Duration(o.Get("timeout").ToFloat() * float64(time.Second)),
			finished: make(chan struct{}),
		}
		tc.res = TestResult{File: fr.name, Name: tc.name}
		fr.tests = append(fr.tests, tc)
		fr.byID[i] = tc
	}
	return nil
}

// require lets a test file load scripts of the directory (to unit-test their
// exported helpers) by relative path.
func (fr *fileRun) require(vm *goja.Runtime, from string) func(goja.FunctionCall) goja.Value {
	cache := map[string]goja.Value{}
	var req func(from string) func(goja.FunctionCall) goja.Value
	req = func(from string) func(goja.FunctionCall) goja.Value {
		return func(fc goja.FunctionCall) goja.Value {
			spec := fc.Argument(0).String()
			if slices.Contains(jsbridge.BuiltinModules, spec) {
				// A script loaded for its helpers may require built-ins at its top
				// level; they only work in a call (t.call), so here they are empty.
				return vm.NewObject()
			}
			if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") {
				panic(vm.NewTypeError("require(%q) in a test file: only scripts of the directory, by relative path (./name)", spec))
			}
			target := path.Clean(path.Join(from, spec))
			if v, ok := cache[target]; ok {
				return v
			}
			sc, err := fr.rn.store.Get(target)
			if err != nil {
				panic(vm.NewGoError(fmt.Errorf("require(%q): %w", spec, err)))
			}
			v, err := sc.Exports(vm, req(path.Dir(sc.Name)))
			if err != nil {
				panic(vm.NewGoError(err))
			}
			cache[target] = v
			return v
		}
	}
	return req(from)
}

func (fr *fileRun) installConsole(vm *goja.Runtime) {
	c := vm.NewObject()
	for _, name := range []string{"log", "info", "warn", "error", "debug"} {
		_ = c.Set(name, func(fc goja.FunctionCall) goja.Value {
			fr.rn.outMu.Lock()
			fmt.Fprintf(fr.rn.opts.Out, "    %s: %s\n", fr.name, formatValues(fc.Arguments))
			fr.rn.outMu.Unlock()
			return goja.Undefined()
		})
	}
	_ = vm.Set("console", c)
}

// runAll runs the file's tests, up to the runner's parallelism at once, and
// stops the loop when they are done.
func (fr *fileRun) runAll(ctx context.Context, only bool) {
	defer fr.loop.Stop()
	for _, tc := range fr.tests {
		full := fr.name + " > " + tc.name
		switch {
		case tc.todo:
			fr.finishNow(tc, Todo)
			continue
		case tc.skip, only && !tc.only, fr.rn.opts.Run != nil && !fr.rn.opts.Run.MatchString(full):
			tc.filtered = !tc.skip
			fr.finishNow(tc, Skipped)
			continue
		}
		select {
		case fr.rn.sem <- struct{}{}:
		case <-ctx.Done():
			tc.res.Failures = append(tc.res.Failures, "not run: "+ctx.Err().Error())
			fr.finishNow(tc, Failed)
			continue
		}
		fr.start(ctx, tc)
	}
	for _, tc := range fr.tests {
		<-tc.finished
	}
	fr.calls.Wait()
}

func (fr *fileRun) finishNow(tc *testCase, st Status) {
	tc.res.Status = st
	tc.ended = true
	close(tc.finished)
}

// start begins a test on the loop; the semaphore slot is released when it ends.
func (fr *fileRun) start(ctx context.Context, tc *testCase) {
	timeout := fr.rn.opts.Timeout
	if tc.timeout > 0 {
		timeout = tc.timeout
	}
	tc.ctx, tc.cancel = context.WithCancel(ctx)
	timer := time.AfterFunc(timeout, func() {
		fr.loop.RunOnLoop(func(*goja.Runtime) {
			tc.fail(fmt.Sprintf("timed out after %v (a call or promise that never settles?)", timeout))
			tc.end()
		})
	})
	go func() {
		<-tc.finished
		timer.Stop()
		<-fr.rn.sem
	}()
	fr.loop.RunOnLoop(func(vm *goja.Runtime) {
		tc.began = time.Now()
		makeT, _ := goja.AssertFunction(vm.Get("__cf").ToObject(vm).Get("makeT"))
		t, err := makeT(goja.Undefined(), vm.ToValue(tc.id), vm.ToValue(tc.name))
		if err != nil {
			tc.fail(jsError(err).Error())
			tc.end()
			return
		}
		ret, err := tc.fn(goja.Undefined(), t)
		if err != nil {
			tc.fail(jsError(err).Error())
			tc.end()
			return
		}
		p, ok := ret.Export().(*goja.Promise)
		if !ok {
			tc.end()
			return
		}
		then, _ := goja.AssertFunction(ret.ToObject(vm).Get("then"))
		_, _ = then(ret,
			vm.ToValue(func(goja.FunctionCall) goja.Value { tc.end(); return goja.Undefined() }),
			vm.ToValue(func(fc goja.FunctionCall) goja.Value {
				tc.fail(fr.stackPos(fc.Argument(0)) + "test rejected: " + describeValue(fc.Argument(0)))
				tc.end()
				return goja.Undefined()
			}))
		_ = p
	})
}

// fail records a failure (loop goroutine).
func (tc *testCase) fail(msg string) {
	if tc.ended {
		return
	}
	tc.res.Failures = append(tc.res.Failures, msg)
}

// end closes the test (loop goroutine); later settlements are ignored.
func (tc *testCase) end() {
	if tc.ended {
		return
	}
	tc.ended = true
	tc.res.Took = time.Since(tc.began)
	tc.res.Status = Passed
	if len(tc.res.Failures) > 0 {
		tc.res.Status = Failed
	}
	tc.cancel()
	if tc.kvStore != nil {
		_ = tc.kvStore.Close()
	}
	close(tc.finished)
}

// results waits for the file's tests in order and returns their verdicts.
func (fr *fileRun) results() []TestResult {
	if fr.loadErr != "" {
		return []TestResult{{File: fr.name, Name: "(loading the test file)", Status: Failed, Failures: []string{fr.loadErr}}}
	}
	out := make([]TestResult, 0, len(fr.tests))
	for _, tc := range fr.tests {
		<-tc.finished
		if tc.filtered {
			continue
		}
		out = append(out, tc.res)
	}
	return out
}

// compileTest turns a test file (JS, ES module or TypeScript) into a CommonJS
// function program with a source map, so positions name the original lines.
func compileTest(name, src string) (*goja.Program, error) {
	loader := api.LoaderJS
	if strings.HasSuffix(name, ".ts") {
		loader = api.LoaderTS
	}
	res := api.Transform(src, api.TransformOptions{
		Loader:     loader,
		Format:     api.FormatCommonJS,
		Target:     api.ES2020,
		Platform:   api.PlatformNeutral,
		Sourcemap:  api.SourceMapExternal,
		Sourcefile: path.Base(name),
		Banner:     "(function (exports, require, module, __filename, __dirname) {",
		Footer:     "\n})",
		LogLevel:   api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		m := res.Errors[0]
		if m.Location != nil {
			return nil, fmt.Errorf("%s:%d:%d: %s", name, m.Location.Line, m.Location.Column+1, m.Text)
		}
		return nil, fmt.Errorf("%s: %s", name, m.Text)
	}
	mapData := res.Map
	code := string(res.Code) + "//# sourceMappingURL=" + path.Base(name) + ".map\n"
	ast, err := parser.ParseFile(nil, name, code, 0, parser.WithSourceMapLoader(func(string) ([]byte, error) { return mapData, nil }))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return goja.CompileAST(ast, false)
}

// jsError turns a goja error into one line with the JS message and position.
func jsError(err error) error {
	var ex *goja.Exception
	if errors.As(err, &ex) {
		msg := describeValue(ex.Value())
		for _, f := range ex.Stack() {
			if p := f.Position(); p.Line > 0 && !strings.HasPrefix(p.Filename, "callforge-test-prelude") {
				return fmt.Errorf("%s:%d:%d: %s", p.Filename, p.Line, p.Column+1, msg)
			}
		}
		return errors.New(msg)
	}
	return err
}

// stackPos returns "file:line:col: " of the first frame of the test file in a
// thrown error's stack ("" when it has none).
func (fr *fileRun) stackPos(v goja.Value) string {
	o, ok := v.(*goja.Object)
	if !ok {
		return ""
	}
	st := o.Get("stack")
	if st == nil || goja.IsUndefined(st) {
		return ""
	}
	for _, line := range strings.Split(st.String(), "\n") {
		i := strings.Index(line, fr.name+":")
		if i < 0 {
			continue
		}
		pos := line[i:]
		if j := strings.IndexAny(pos, "() "); j >= 0 {
			pos = pos[:j]
		}
		return pos + ": "
	}
	return ""
}
