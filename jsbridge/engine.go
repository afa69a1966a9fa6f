package jsbridge

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dop251/goja_nodejs/require"
	"github.com/rs/zerolog"

	// goja_nodejs core modules that are harmless in a sandbox register themselves
	// with require here. Never import goja_nodejs/process: it exposes the host's env.
	_ "github.com/dop251/goja_nodejs/buffer"
	_ "github.com/dop251/goja_nodejs/url"
	_ "github.com/dop251/goja_nodejs/util"

	"github.com/callforge/callforge/jsbridge/httpmod"
	"github.com/callforge/callforge/jsbridge/kv"
	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/voice"
)

// Config is what the engine needs to run scripts on calls.
type Config struct {
	Scripts       *script.Store
	DefaultScript string // script run when the call has no voice_script
	Logger        zerolog.Logger

	// UserSounds replaces the "user/" prefix of ctx.play files (FreeSWITCH expands
	// ${vars} in it); IVRSounds, when set, replaces "ivr/" (else ivr/ files go to
	// FreeSWITCH as they are, found through its sound_prefix).
	UserSounds    string
	IVRSounds     string
	RecordingsDir string // where ctx.record and ctx.recordMessage write
	TTSEngine     string // ctx.tts engine (speak's first field)
	TTSVoice      string
	// DialTemplate turns a bare number or extension given to ctx.bridge into a dial
	// string: "{dest}" is replaced by it.
	DialTemplate string
	// ErrorCause is the hang-up cause when a script fails (default NORMAL_TEMPORARY_FAILURE).
	ErrorCause string
	// ErrorTransfer, if set, is "extension [dialplan [context]]" to transfer a failed
	// call to instead of hanging it up.
	ErrorTransfer string
	// AfterHangupGrace bounds how long a script's leftover timers and callbacks may run
	// once main has settled and the channel is down (default 10s).
	AfterHangupGrace time.Duration
	// FailTimeout bounds the error path's hang-up or transfer (default 10s).
	FailTimeout time.Duration
	// Limits bound each call's script; Policy says which applications and API
	// commands scripts may run.
	Limits Limits
	Policy Policy
	// KV is the store behind require('kv'), cxKV and cxUserspace (nil: none).
	KV kv.Store
	// HTTP is the client behind require('http') (nil: no host is allowed).
	HTTP *httpmod.Client
	// ScriptEnv is what scripts see as process.env.
	ScriptEnv map[string]string
	// Observer is told about runs, errors, limits and loop lag (nil: nobody).
	Observer Observer
	// Clock is the scripts' time (nil: the wall clock): ctx.waitFor's timeouts,
	// setTimeout and setInterval, and Date. `callforge test` gives the simulated
	// call's virtual clock, so that a caller who never presses or a script that
	// waits five minutes on its own timer takes no wall time, and a test can say
	// when the call happens. The sandbox's limits always run on the wall clock.
	Clock Clock
}

// Clock is a source of time for scripts. Its methods are safe for concurrent use.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc schedules f after d and returns a function that cancels it
	// (reporting whether it stopped f before it ran). f may run on any goroutine.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// wallClock is the default Clock.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// Engine runs voice scripts on calls. It implements voice.Handler and is safe for
// concurrent use: each call gets its own runtime.
type Engine struct {
	cfg      Config
	registry *require.Registry
	policy   *sandboxPolicy
	heap     *heapGuard
	routing  atomic.Pointer[router] // Class 4 routing settings (ConfigureRouting)
}

// New returns an Engine for cfg.
func New(cfg Config) (*Engine, error) {
	if cfg.Scripts == nil {
		return nil, errors.New("jsbridge: config has no script store")
	}
	if cfg.ErrorCause == "" {
		cfg.ErrorCause = "NORMAL_TEMPORARY_FAILURE"
	}
	if cfg.UserSounds == "" {
		cfg.UserSounds = "${callforge_user_sounds}"
	}
	if cfg.RecordingsDir == "" {
		cfg.RecordingsDir = "${callforge_recordings}"
	}
	if cfg.TTSEngine == "" {
		cfg.TTSEngine = "flite"
	}
	if cfg.TTSVoice == "" {
		cfg.TTSVoice = "kal"
	}
	if cfg.DialTemplate == "" {
		cfg.DialTemplate = "user/{dest}"
	}
	if cfg.AfterHangupGrace <= 0 {
		cfg.AfterHangupGrace = 10 * time.Second
	}
	if cfg.FailTimeout <= 0 {
		cfg.FailTimeout = 10 * time.Second
	}
	if cfg.Clock == nil {
		cfg.Clock = wallClock{}
	}
	// A registry whose source loader finds nothing: scripts reach only the core
	// modules registered above, never the host's files.
	reg := require.NewRegistry(require.WithLoader(func(path string) ([]byte, error) {
		return nil, require.ModuleFileDoesNotExistError
	}))
	cfg.Limits = cfg.Limits.withDefaults()
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	return &Engine{cfg: cfg, registry: reg, policy: cfg.Policy.compile(), heap: newHeapGuard(cfg.Limits.HeapBytes)}, nil
}

// ServeCall runs the call's script: the route_script channel variable makes the
// call a Class 4 routing decision, else voice_script runs. It implements voice.Handler.
func (e *Engine) ServeCall(ctx context.Context, call *voice.Call) {
	// The choice of script is its own function so that its stack frame is gone
	// while the script runs: this frame stays on the call's stack for the whole call.
	if r := e.newCallRun(ctx, call); r != nil {
		r.execute()
	}
}

// newCallRun picks the call's script and returns its run, or nil when the call was
// served otherwise (a routing decision) or cannot run a script (it is failed).
func (e *Engine) newCallRun(ctx context.Context, call *voice.Call) *run {
	if route, _ := call.Var("route_script"); route != "" {
		e.serveRoute(ctx, call, route) // a Class 4 routing decision (routing.go)
		return nil
	}
	name, _ := call.Var("voice_script")
	if name == "" {
		name = e.cfg.DefaultScript
	}
	call.AddLogField("script", name) // the engine's own lines of this call name the script too
	log := *call.Logger()
	if name == "" {
		log.Error().Err(ErrNoScript).Msg("call cannot run a script")
		e.cfg.Observer.ScriptError("", "not-found")
		e.cfg.Observer.RunEnded("", OutcomeFailed, 0)
		e.failCall(call, &log)
		return nil
	}
	sc, err := e.cfg.Scripts.Get(name)
	if err != nil {
		log.Error().Err(err).Msg("script cannot run")
		kind := "compile"
		if errors.Is(err, script.ErrNotFound) || errors.Is(err, script.ErrInvalidName) {
			kind = "not-found"
		}
		e.cfg.Observer.ScriptError(name, kind)
		e.cfg.Observer.RunEnded(name, OutcomeFailed, 0)
		e.failCall(call, &log)
		return nil
	}
	call.AddLogField("version", sc.Version)
	return newRun(e, call, sc, *call.Logger())
}

// failCall ends a call whose script could not run, the configured error way, and
// waits (bounded) until that is done.
func (e *Engine) failCall(call *voice.Call, log *zerolog.Logger) {
	done := make(chan struct{})
	e.errorPath(call, log, func() { close(done) })
	select {
	case <-done:
	case <-time.After(e.cfg.FailTimeout):
		log.Warn().Msg("error path did not finish in time")
	}
}

// errorPath transfers the call to ErrorTransfer, or hangs it up with ErrorCause.
// done runs once when that is finished (on the call's event goroutine).
func (e *Engine) errorPath(call *voice.Call, log *zerolog.Logger, done func()) {
	if !call.Up() {
		done()
		return
	}
	if e.cfg.ErrorTransfer != "" {
		call.Execute("transfer", e.cfg.ErrorTransfer, func(_ *voice.Event, err error) {
			if err != nil {
				log.Warn().Err(err).Str("to", e.cfg.ErrorTransfer).Msg("error transfer failed: hanging up")
				call.Hangup(e.cfg.ErrorCause, func(error) { done() })
				return
			}
			call.Detach()
			done()
		})
		return
	}
	call.Hangup(e.cfg.ErrorCause, func(error) { done() })
}

// soundPath maps a script's file name to what FreeSWITCH is given.
func (e *Engine) soundPath(file string) string {
	switch {
	case strings.HasPrefix(file, "user/"):
		return joinPath(e.cfg.UserSounds, file[len("user/"):])
	case strings.HasPrefix(file, "ivr/") && e.cfg.IVRSounds != "":
		return joinPath(e.cfg.IVRSounds, file[len("ivr/"):])
	}
	return file
}

func joinPath(dir, name string) string {
	return strings.TrimRight(dir, "/") + "/" + name
}
