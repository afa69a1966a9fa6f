package jsbridge

import (
	"sort"
	"strings"

	"github.com/dop251/goja"

	"github.com/callforge/callforge/voice"
)

// buildData makes the `data` object (voice-api.md §2) from the connect reply:
// every header by its FreeSWITCH name, decoded, the convenience fields, and
// `vars` (every variable_x as vars.x). The connect reply carries ~165 headers and
// most scripts read a few, so `data` is a dynamic object that decodes a header the
// first time it is read; what the script writes is kept as written.
func (r *run) buildData(vm *goja.Runtime) *goja.Object {
	ev := r.call.Data()
	d := &headerObject{vm: vm, ev: ev, values: map[string]goja.Value{}}
	d.extra = map[string]func() goja.Value{
		"uuid":              func() goja.Value { return vm.ToValue(r.call.UUID()) },
		"callerIdNumber":    func() goja.Value { return vm.ToValue(ev.Get("Caller-Caller-ID-Number")) },
		"callerIdName":      func() goja.Value { return vm.ToValue(ev.Get("Caller-Caller-ID-Name")) },
		"destinationNumber": func() goja.Value { return vm.ToValue(ev.Get("Caller-Destination-Number")) },
		"direction":         func() goja.Value { return vm.ToValue(ev.Get("Call-Direction")) },
		"context":           func() goja.Value { return vm.ToValue(ev.Get("Caller-Context")) },
		"vars": func() goja.Value {
			return vm.NewDynamicObject(&headerObject{vm: vm, ev: ev, prefix: "variable_", values: map[string]goja.Value{}})
		},
	}
	return vm.NewDynamicObject(d)
}

// headerObject is a JavaScript object over an event's headers (optionally only
// those with prefix, named without it). Loop goroutine only.
type headerObject struct {
	vm      *goja.Runtime
	ev      *voice.Event
	prefix  string
	extra   map[string]func() goja.Value
	values  map[string]goja.Value // read or written so far
	deleted map[string]bool
	keys    []string // header names, computed on first need
}

func (h *headerObject) Get(key string) goja.Value {
	if v, ok := h.values[key]; ok {
		return v
	}
	if h.deleted[key] {
		return nil
	}
	var v goja.Value
	if mk, ok := h.extra[key]; ok {
		v = mk()
	} else if s, ok := h.ev.Lookup(h.prefix + key); ok {
		v = h.vm.ToValue(s)
	} else {
		return nil
	}
	h.values[key] = v
	return v
}

func (h *headerObject) Set(key string, val goja.Value) bool {
	h.values[key] = val
	delete(h.deleted, key)
	if h.keys != nil && !h.has(key) {
		h.keys = append(h.keys, key)
	}
	return true
}

func (h *headerObject) Has(key string) bool {
	if _, ok := h.values[key]; ok {
		return true
	}
	if h.deleted[key] {
		return false
	}
	if _, ok := h.extra[key]; ok {
		return true
	}
	_, ok := h.ev.Lookup(h.prefix + key)
	return ok
}

func (h *headerObject) has(key string) bool {
	for _, k := range h.keys {
		if k == key {
			return true
		}
	}
	return false
}

func (h *headerObject) Delete(key string) bool {
	delete(h.values, key)
	if h.deleted == nil {
		h.deleted = map[string]bool{}
	}
	h.deleted[key] = true
	return true
}

func (h *headerObject) Keys() []string {
	if h.keys == nil {
		seen := map[string]bool{}
		h.ev.Each(func(name, _ string) {
			if k, ok := strings.CutPrefix(name, h.prefix); ok && !seen[k] {
				seen[k] = true
				h.keys = append(h.keys, k)
			}
		})
		extra := make([]string, 0, len(h.extra))
		for k := range h.extra {
			extra = append(extra, k)
		}
		sort.Strings(extra)
		h.keys = append(h.keys, extra...)
		for k := range h.values {
			if !seen[k] && h.extra[k] == nil {
				h.keys = append(h.keys, k)
			}
		}
	}
	out := make([]string, 0, len(h.keys))
	for _, k := range h.keys {
		if !h.deleted[k] {
			out = append(out, k)
		}
	}
	return out
}

// eventObject makes a plain object of an event's headers, for ctx.on handlers.
func eventObject(vm *goja.Runtime, each func(func(name, value string))) *goja.Object {
	o := vm.NewObject()
	each(func(name, value string) { _ = o.Set(name, value) })
	return o
}
