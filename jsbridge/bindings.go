package jsbridge

import (
	"sort"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"
)

// Bindings lists the names scripts see, by object ("ctx", "console", "data"), as
// the engine really builds them. It exists so that callforge.d.ts can be checked
// against the bindings by a test.
func Bindings() map[string][]string {
	vm := goja.New()
	r := &run{vm: vm, log: zerolog.Nop(), warnedAt: map[string]bool{}, handlers: map[string][]goja.Callable{}}
	r.errs = &jsErrors{vm: vm}
	out := map[string][]string{
		"ctx":     r.buildCtx(vm).Keys(),
		"console": r.newConsole(vm).Keys(),
		"data":    {"uuid", "callerIdNumber", "callerIdName", "destinationNumber", "direction", "context", "vars"},
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out
}
