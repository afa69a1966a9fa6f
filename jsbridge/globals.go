package jsbridge

import (
	"github.com/dop251/goja"
)

// The engine's globals (console, the timers, process, require) are made on first
// use. A goja function object costs about 0.7 KiB, and a call parked in
// `await ctx.sleep()` for an hour should not hold a dozen of them it never touched:
// at 20,000 parked calls that is the difference that matters (issue 6).
//
// How: the global object's prototype is a dynamic object (lazyGlobals) whose Has
// answers for those names; when a script first reads one, identifier resolution
// reaches the prototype, whose Get builds the value and defines it as an own,
// writable property of the global object. From then on the script sees an ordinary
// global: it can replace or delete it, and its own `var console` shadows it before
// the prototype is ever asked. One difference remains: `delete globalThis.console`
// before the first read has nothing to delete, so console is still there after it.

// globalNames are the globals lazyGlobals provides.
var globalNames = []string{"console", "process", "require", "setTimeout", "setInterval", "setImmediate",
	"clearTimeout", "clearInterval", "clearImmediate"}

// lazyGlobals is the dynamic prototype of one call's global object.
type lazyGlobals struct {
	r       *run
	require func(goja.FunctionCall) goja.Value
	made    map[string]bool // names already defined on the global object (or given up)
}

// installGlobals hides the event loop's own globals behind lazyGlobals. It runs on
// the loop before the script. require is the script's require function.
func (r *run) installGlobals(vm *goja.Runtime, require func(goja.FunctionCall) goja.Value) {
	g := vm.GlobalObject()
	// goja_nodejs's loop defines its timers and its registry's require on every new
	// runtime: drop them (callLoop.init kept what the engine needs), so that the
	// names resolve through the prototype below.
	for _, name := range globalNames {
		_ = g.Delete(name)
	}
	l := &lazyGlobals{r: r, require: require}
	d := vm.NewDynamicObject(l)
	_ = d.SetPrototype(g.Prototype())
	_ = g.SetPrototype(d)
}

func (l *lazyGlobals) make(name string) goja.Value {
	r := l.r
	vm := r.vm
	switch name {
	case "console":
		return r.newConsole(vm)
	case "process":
		return r.newProcess(vm)
	case "require":
		return vm.ToValue(l.require)
	}
	if fn, ok := timerFuncs[name]; ok {
		return vm.ToValue(func(fc goja.FunctionCall) goja.Value { return fn(r, fc) })
	}
	return nil
}

// Get builds name's value and defines it on the global object, so this runs at most
// once per name and call.
func (l *lazyGlobals) Get(name string) goja.Value {
	if l.made[name] {
		return nil // deleted by the script after it was made: stays deleted
	}
	v := l.make(name)
	if v == nil {
		return nil
	}
	if l.made == nil {
		l.made = make(map[string]bool, 4)
	}
	l.made[name] = true
	_ = l.r.vm.GlobalObject().DefineDataProperty(name, v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	return v
}

// Has reports the names not made yet.
func (l *lazyGlobals) Has(name string) bool {
	if l.made[name] {
		return false
	}
	for _, n := range globalNames {
		if n == name {
			return true
		}
	}
	return false
}

// Set refuses: an assignment to a global the script has not read yet lands on the
// global object itself (the prototype's Set is only consulted for inherited
// accessors, which these are not).
func (l *lazyGlobals) Set(string, goja.Value) bool { return false }

// Delete forgets a name, as deleting a global does.
func (l *lazyGlobals) Delete(name string) bool {
	if l.made == nil {
		l.made = make(map[string]bool, 4)
	}
	l.made[name] = true
	return true
}

// Keys lists nothing: the engine's globals are not enumerable, as in Node.
func (l *lazyGlobals) Keys() []string { return nil }
