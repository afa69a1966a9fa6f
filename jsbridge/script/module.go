package script

import (
	"errors"

	"github.com/dop251/goja"
)

// Exports runs the compiled script as a library module in vm and returns its
// module.exports (what `require` of it gives). Errors are *RuntimeError.
func (s *Script) Exports(vm *goja.Runtime, require func(goja.FunctionCall) goja.Value) (goja.Value, error) {
	wrapperVal, err := vm.RunProgram(s.Program)
	if err != nil {
		return nil, s.runtimeError(err)
	}
	wrapper, ok := goja.AssertFunction(wrapperVal)
	if !ok {
		return nil, &RuntimeError{File: s.Name, Message: "compiled script did not produce its module function"}
	}
	if require == nil {
		require = func(goja.FunctionCall) goja.Value {
			panic(vm.NewGoError(errors.New("require is not available")))
		}
	}
	exports := vm.NewObject()
	module := vm.NewObject()
	if err := module.Set("exports", exports); err != nil {
		return nil, s.runtimeError(err)
	}
	if _, err := wrapper(exports, exports, vm.ToValue(require), module, vm.ToValue(s.filename), vm.ToValue(s.dirname)); err != nil {
		return nil, s.runtimeError(err)
	}
	// module.export = ..., as ConnexCS' docs write it, counts when module.exports
	// was left as it was.
	v := module.Get("exports")
	if alt := module.Get("export"); alt != nil && !goja.IsUndefined(alt) {
		if same, ok := v.(*goja.Object); ok && same == exports && len(exports.Keys()) == 0 {
			return alt, nil
		}
	}
	return v, nil
}
