package script

import (
	"errors"

	"github.com/dop251/goja"
)

// Script is one compiled version of a script file. It is immutable and
// shared by every call running that version.
type Script struct {
	Name    string        // canonical name relative to the scripts dir, with extension, slash-separated ("sub/menu.js")
	Path    string        // absolute file path
	Version string        // first 12 hex chars of the sha256 of the source
	Program *goja.Program // compiled once; safe to run in many runtimes at once

	filename string       // what the script sees as __filename
	dirname  string       // what the script sees as __dirname
	mapped   bool         // compiled through esbuild: positions come from a source map
	inputs   []inputStamp // bundled with vendored packages: the files it was built from
}

// Entry runs the script's top level in vm (a fresh runtime per call) and
// returns its entry point, looked up in this order:
//
//  1. a top-level function main (classic form, sync or async);
//  2. CommonJS: module.exports itself when it is a function, else
//     module.exports.main; then the same for module.export (the spelling
//     the ConnexCS docs use);
//  3. ES module: module.exports.default when it is a function, else
//     module.exports.default.main (an `export main` is found by 1 or 2).
//
// The script sees require as its `require` (nil gives one that throws
// "require is not available"), fresh exports/module objects, and __filename /
// __dirname set to its canonical name and that name's directory ("." at the
// top), relative to the scripts dir: scripts never see host paths.
//
// An exception or interrupt while the top level runs is returned as a
// *RuntimeError locating the original file:line; a script without a main
// gives an *EntryError wrapping ErrNoEntry.
func (s *Script) Entry(vm *goja.Runtime, require func(goja.FunctionCall) goja.Value) (goja.Callable, error) {
	module, classic, err := s.run(vm, require)
	if err != nil {
		return nil, err
	}
	if fn, ok := goja.AssertFunction(classic); ok {
		return fn, nil
	}
	for _, key := range [...]string{"exports", "export"} {
		if fn, ok := callableOrMain(vm, module.Get(key)); ok {
			return fn, nil
		}
	}
	if me, ok := module.Get("exports").(*goja.Object); ok {
		if fn, ok := callableOrMain(vm, me.Get("default")); ok {
			return fn, nil
		}
	}
	return nil, &EntryError{File: s.Name, Err: ErrNoEntry}
}

// callableOrMain returns v when it is a function, else v.main when that is.
func callableOrMain(vm *goja.Runtime, v goja.Value) (goja.Callable, bool) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, false
	}
	if fn, ok := goja.AssertFunction(v); ok {
		return fn, true
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		return nil, false
	}
	return goja.AssertFunction(obj.Get("main"))
}

// runtimeError locates err (usually a *goja.Exception) in the script.
func (s *Script) runtimeError(err error) *RuntimeError {
	re := &RuntimeError{File: s.Name, Message: err.Error(), Err: err}
	var ex *goja.Exception
	if !errors.As(err, &ex) {
		return re
	}
	if v := ex.Value(); v != nil {
		re.Message = v.String()
	}
	re.Stack = ex.String()
	for _, f := range ex.Stack() {
		if p := f.Position(); p.Line > 0 {
			re.File, re.Line, re.Column = p.Filename, p.Line, p.Column
			if s.mapped && p.Filename == s.Name {
				re.Column++ // goja reports source-mapped columns 0-based
			}
			break
		}
	}
	return re
}

// run runs the compiled module function in vm with fresh exports and module
// objects, and returns the module object and the classic top-level main (if any).
func (s *Script) run(vm *goja.Runtime, require func(goja.FunctionCall) goja.Value) (*goja.Object, goja.Value, error) {
	wrapperVal, err := vm.RunProgram(s.Program)
	if err != nil {
		return nil, nil, s.runtimeError(err)
	}
	wrapper, ok := goja.AssertFunction(wrapperVal)
	if !ok {
		return nil, nil, &RuntimeError{File: s.Name, Message: "compiled script did not produce its module function"}
	}
	if require == nil {
		require = func(goja.FunctionCall) goja.Value {
			panic(vm.NewGoError(errors.New("require is not available")))
		}
	}
	exports := vm.NewObject()
	module := vm.NewObject()
	if err := module.Set("exports", exports); err != nil {
		return nil, nil, s.runtimeError(err)
	}
	classic, err := wrapper(exports, exports, vm.ToValue(require), module,
		vm.ToValue(s.filename), vm.ToValue(s.dirname))
	if err != nil {
		return nil, nil, s.runtimeError(err)
	}
	return module, classic, nil
}
