package script

import (
	"errors"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// openTestdata opens the shared fixture directory.
func openTestdata(t testing.TB) *Store {
	t.Helper()
	s, err := Open("testdata", Options{})
	if err != nil {
		t.Fatalf("Open(testdata): %v", err)
	}
	return s
}

// fakeRequire returns, for any module name, an object {name: <module name>}.
func fakeRequire(vm *goja.Runtime) func(goja.FunctionCall) goja.Value {
	return func(call goja.FunctionCall) goja.Value {
		o := vm.NewObject()
		_ = o.Set("name", call.Argument(0).String())
		return o
	}
}

// runMain loads name in a fresh runtime, calls its entry with data {who}
// and returns the settled result. A thrown or rejected error is returned
// as the JS value's string form together with its stack.
func runMain(t *testing.T, s *Store, name string) (result string, thrown string) {
	t.Helper()
	sc, err := s.Get(name)
	if err != nil {
		t.Fatalf("Get(%q): %v", name, err)
	}
	vm := goja.New()
	main, err := sc.Entry(vm, fakeRequire(vm))
	if err != nil {
		t.Fatalf("Entry(%q): %v", name, err)
	}
	data := vm.NewObject()
	_ = data.Set("who", "bob")
	_ = data.Set("n", 1)
	v, err := main(goja.Undefined(), data, vm.NewObject())
	if err != nil {
		var ex *goja.Exception
		if !errors.As(err, &ex) {
			t.Fatalf("main(%q): non-JS error %v", name, err)
		}
		return "", ex.String()
	}
	if p, ok := v.Export().(*goja.Promise); ok {
		switch p.State() {
		case goja.PromiseStateFulfilled:
			v = p.Result()
		case goja.PromiseStateRejected:
			return "", p.Result().ToObject(vm).Get("stack").String()
		default:
			t.Fatalf("main(%q): promise still pending", name)
		}
	}
	return v.String(), ""
}

func TestEntryForms(t *testing.T) {
	t.Parallel()
	s := openTestdata(t)
	tests := []struct {
		name string
		want string
	}{
		{"classic_sync", "classic-sync:bob"},
		{"classic_async", "classic-async:bob"},
		{"cjs_function", "cjs-function:bob"},
		{"cjs_object", "cjs-object:bob"},
		{"cjs_exports_main", "cjs-exports-main:bob"},
		{"cjs_export_typo", "cjs-export-typo:bob"},
		{"esm_named", "esm-named:bob:object"},
		{"esm_default_function", "esm-default-function:bob"},
		{"esm_default_object", "esm-default-object:bob"},
		{"typed.ts", "typed:bob:ok"},
		{"typed", "typed:bob:ok"},
		{"modern", "modern:bob:6:2:nil"},
		{"classic_over_cjs", "classic-wins:bob"},
		{"cjs_over_esm", "cjs-wins:bob"},
		{"with_require", "with-require:kv:with_require.js:."},
		{"sub/menu", "sub/menu:sub/menu.js:sub"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, thrown := runMain(t, s, tt.name)
			if thrown != "" {
				t.Fatalf("main threw: %s", thrown)
			}
			if got != tt.want {
				t.Errorf("main() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEntryFreshModuleStatePerCall(t *testing.T) {
	t.Parallel()
	s := openTestdata(t)
	for i := 0; i < 3; i++ {
		got, thrown := runMain(t, s, "counter")
		if thrown != "" {
			t.Fatalf("main threw: %s", thrown)
		}
		if got != "counter:1:1" {
			t.Fatalf("call %d: main() = %q, want %q (module state leaked between calls)", i, got, "counter:1:1")
		}
	}
}

func TestEntryErrors(t *testing.T) {
	t.Parallel()
	s := openTestdata(t)
	tests := []struct {
		name     string
		require  bool
		wantIs   error
		wantLine int
		wantMsg  string
	}{
		{name: "no_entry", require: true, wantIs: ErrNoEntry, wantMsg: "no_entry.js: script has no entry point"},
		{name: "throws_top", require: true, wantLine: 3, wantMsg: "throws_top.js:3:7: Error: top level exploded"},
		{name: "no_require", require: false, wantLine: 1, wantMsg: "require is not available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, err := s.Get(tt.name)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			vm := goja.New()
			var req func(goja.FunctionCall) goja.Value
			if tt.require {
				req = fakeRequire(vm)
			}
			main, err := sc.Entry(vm, req)
			if err == nil || main != nil {
				t.Fatalf("Entry = (%v, %v), want an error", main, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", err, tt.wantMsg)
			}
			if tt.wantIs != nil {
				var ee *EntryError
				if !errors.Is(err, tt.wantIs) || !errors.As(err, &ee) || ee.File != sc.Name {
					t.Errorf("error %v: want *EntryError for %s wrapping %v", err, sc.Name, tt.wantIs)
				}
				return
			}
			var re *RuntimeError
			if !errors.As(err, &re) {
				t.Fatalf("error %T %v: want *RuntimeError", err, err)
			}
			if re.File != sc.Name || re.Line != tt.wantLine {
				t.Errorf("RuntimeError at %s:%d, want %s:%d", re.File, re.Line, sc.Name, tt.wantLine)
			}
			var ex *goja.Exception
			if !errors.As(err, &ex) {
				t.Errorf("RuntimeError does not unwrap to the *goja.Exception")
			}
		})
	}
}

func TestEntryInterruptedTopLevel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "spin.js", "while (true) {}\nfunction main() {}\n")
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := s.Get("spin")
	if err != nil {
		t.Fatal(err)
	}
	vm := goja.New()
	stop := errors.New("cpu budget")
	vm.Interrupt(stop) // pending interrupt: honoured as soon as the loop runs
	_, err = sc.Entry(vm, nil)
	var re *RuntimeError
	if !errors.As(err, &re) || !errors.Is(err, stop) {
		t.Fatalf("Entry = %v, want *RuntimeError wrapping the interrupt value", err)
	}
}

// Errors thrown by main must point at the original file:line, also when the
// script went through esbuild (TypeScript, ES modules).
func TestErrorPositionsMapToOriginalLines(t *testing.T) {
	t.Parallel()
	s := openTestdata(t)
	tests := []struct {
		name      string
		wantFrame string
		wantMsg   string
	}{
		{"throw_line.ts", "throw_line.ts:10:", "boom from ts"},
		{"throw_line_esm", "throw_line_esm.js:7:", "boom from esm"},
		{"throw_line_classic", "throw_line_classic.js:2:", "boom from classic"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, thrown := runMain(t, s, tt.name)
			if thrown == "" {
				t.Fatalf("main returned %q, want an error", got)
			}
			if !strings.Contains(thrown, tt.wantMsg) || !strings.Contains(thrown, tt.wantFrame) {
				t.Errorf("stack %q: want message %q and frame %q", thrown, tt.wantMsg, tt.wantFrame)
			}
		})
	}
}
