package jsbridge

import (
	"strings"

	"github.com/dop251/goja"
	"github.com/rs/zerolog"
)

// maxLogLine caps one script log line.
const maxLogLine = 8 << 10

// newConsole makes the script's console, whose lines are the call's structured log
// lines (with call uuid and script name).
func (r *run) newConsole(vm *goja.Runtime) *goja.Object {
	c := vm.NewObject()
	mk := func(level zerolog.Level) func(goja.FunctionCall) goja.Value {
		return func(fc goja.FunctionCall) goja.Value {
			r.scriptLog(level, fc.Arguments)
			return goja.Undefined()
		}
	}
	_ = c.Set("log", mk(zerolog.InfoLevel))
	_ = c.Set("info", mk(zerolog.InfoLevel))
	_ = c.Set("debug", mk(zerolog.DebugLevel))
	_ = c.Set("warn", mk(zerolog.WarnLevel))
	_ = c.Set("error", mk(zerolog.ErrorLevel))
	return c
}

func (r *run) scriptLog(level zerolog.Level, args []goja.Value) {
	ev := r.log.WithLevel(level)
	if !ev.Enabled() {
		return
	}
	ev.Str("source", "script").Str("at", r.scriptPos()).Msg(formatArgs(args))
}

// formatArgs joins values the way console.log shows them: strings as they are,
// objects as JSON where possible.
func formatArgs(args []goja.Value) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch {
		case a == nil || goja.IsUndefined(a):
			b.WriteString("undefined")
		case goja.IsNull(a):
			b.WriteString("null")
		default:
			if o, ok := a.(*goja.Object); ok && o.ClassName() != "Function" && o.ClassName() != "Error" {
				if j, err := o.MarshalJSON(); err == nil {
					b.Write(j)
					break
				}
			}
			if o, ok := a.(*goja.Object); ok && o.ClassName() == "Error" {
				b.WriteString(describe(a))
				break
			}
			s := a.String()
			if len(s) > maxLogLine {
				s = s[:maxLogLine+1] // cut before it is copied (the "…" is added below)
			}
			b.WriteString(s)
		}
		if b.Len() > maxLogLine {
			return b.String()[:maxLogLine] + "…"
		}
	}
	return b.String()
}
