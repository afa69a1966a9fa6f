package jsbridge

import (
	"strings"

	"github.com/dop251/goja"
)

// buildData makes the `data` object (voice-api.md §2) from the connect reply:
// every header by its FreeSWITCH name, decoded, plus convenience fields.
func (r *run) buildData(vm *goja.Runtime) *goja.Object {
	d := vm.NewObject()
	vars := vm.NewObject()
	r.call.Data().Each(func(name, value string) {
		_ = d.Set(name, value)
		if v, ok := strings.CutPrefix(name, "variable_"); ok {
			_ = vars.Set(v, value)
		}
	})
	ev := r.call.Data()
	_ = d.Set("uuid", r.call.UUID())
	_ = d.Set("callerIdNumber", ev.Get("Caller-Caller-ID-Number"))
	_ = d.Set("callerIdName", ev.Get("Caller-Caller-ID-Name"))
	_ = d.Set("destinationNumber", ev.Get("Caller-Destination-Number"))
	_ = d.Set("direction", ev.Get("Call-Direction"))
	_ = d.Set("context", ev.Get("Caller-Context"))
	_ = d.Set("vars", vars)
	return d
}

// eventObject makes a plain object of an event's headers, for ctx.on handlers.
func eventObject(vm *goja.Runtime, each func(func(name, value string))) *goja.Object {
	o := vm.NewObject()
	each(func(name, value string) { _ = o.Set(name, value) })
	return o
}
