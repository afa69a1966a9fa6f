package jsbridge

import (
	"errors"
	"fmt"

	"github.com/dop251/goja"

	"github.com/callforge/callforge/voice"
)

var (
	// ErrNoScript: the call names no script and the engine has no default one.
	ErrNoScript = errors.New("no voice_script on the call and no default script")
	// ErrTimeout is wrapped by a waitFor that ran out of time.
	ErrTimeout = errors.New("timed out")
	// ErrInvalidArgument is wrapped when a script passes an argument that cannot be used.
	ErrInvalidArgument = errors.New("invalid argument")
)

// Error codes scripts see in err.code.
const (
	CodeHangup      = "EHANGUP"
	CodeTimeout     = "ETIMEDOUT"
	CodeInvalid     = "EINVAL"
	CodeRefused     = "EREFUSED"
	CodeTransferred = "ETRANSFERRED"
	CodeFailMatch   = "EFAILMATCH"
	CodeBridge      = "EBRIDGE"
	CodeScript      = "ESCRIPT"
	CodePermission  = "EPERM"
	CodeLimit       = "ELIMIT"
)

// jsErrors makes JavaScript Error objects. They come from the runtime's own
// TypeError (goja's intrinsic, not the global binding, which a script may replace),
// re-parented onto Error.prototype; that prototype is looked up on first use, so a
// call that never sees an error never pays for the Error intrinsics.
type jsErrors struct {
	vm    *goja.Runtime
	proto *goja.Object // Error.prototype once known
}

// make returns a new Error with name, code and message, plus extra properties.
func (j *jsErrors) make(name, code, msg string, props ...any) *goja.Object {
	o := j.vm.NewTypeError("%s", msg) // a format: msg itself may hold a %
	if j.proto == nil {
		if tp := o.Prototype(); tp != nil {
			j.proto = tp.Prototype() // TypeError.prototype's prototype: Error.prototype
		}
	}
	if j.proto != nil {
		_ = o.SetPrototype(j.proto)
	}
	// Own data properties, defined rather than assigned: an accessor a script put on
	// Object.prototype (a `code` getter...) cannot shadow or swallow them.
	define := func(k string, v any) {
		_ = o.DefineDataProperty(k, j.vm.ToValue(v), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
	}
	define("name", name)
	define("code", code)
	for i := 0; i+1 < len(props); i += 2 {
		define(props[i].(string), props[i+1])
	}
	return o
}

// fromGo converts an error from the voice layer into the Error a script sees.
func (j *jsErrors) fromGo(what string, err error) *goja.Object {
	var he *voice.HangupError
	var re *voice.RefusedError
	switch {
	case errors.As(err, &he):
		return j.make("HangupError", CodeHangup, fmt.Sprintf("%s: call hung up (%s)", what, he.Cause), "cause", he.Cause)
	case errors.As(err, &re):
		return j.make("CommandError", CodeRefused, fmt.Sprintf("%s: freeswitch refused it: %s", what, re.Reply))
	case errors.Is(err, voice.ErrDetached):
		return j.make("CallError", CodeTransferred, what+": the call was transferred and is no longer under this script's control")
	case errors.Is(err, voice.ErrBadCommand), errors.Is(err, ErrInvalidArgument):
		return j.make("TypeError", CodeInvalid, fmt.Sprintf("%s: %v", what, err))
	case errors.Is(err, ErrTimeout):
		return j.make("TimeoutError", CodeTimeout, fmt.Sprintf("%s: %v", what, err))
	default:
		return j.make("Error", "EIO", fmt.Sprintf("%s: %v", what, err))
	}
}

// invalid returns a TypeError with code EINVAL.
func (j *jsErrors) invalid(format string, args ...any) *goja.Object {
	return j.make("TypeError", CodeInvalid, fmt.Sprintf(format, args...))
}
