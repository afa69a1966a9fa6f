package script

import "github.com/dop251/goja"

// Exports runs the compiled script as a library module in vm and returns its
// module.exports (what `require` of it gives). Errors are *RuntimeError.
func (s *Script) Exports(vm *goja.Runtime, require func(goja.FunctionCall) goja.Value) (goja.Value, error) {
	module, _, err := s.run(vm, require)
	if err != nil {
		return nil, err
	}
	// module.export = ..., as ConnexCS' docs write it, counts when module.exports
	// was left as the empty object it started as.
	v := module.Get("exports")
	if alt := module.Get("export"); alt != nil && !goja.IsUndefined(alt) {
		if o, ok := v.(*goja.Object); ok && len(o.Keys()) == 0 {
			return alt, nil
		}
	}
	return v, nil
}
