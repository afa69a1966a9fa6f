package scripttest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/voice"
	"github.com/callforge/callforge/voice/fstest"
)

// ErrSandboxClosed is returned by Sandbox.Call once Close has begun.
var ErrSandboxClosed = errors.New("scripttest: sandbox closed")

// SandboxOptions configures a Sandbox.
type SandboxOptions struct {
	// Engine, if set, adjusts each call's engine configuration after the test
	// defaults (UserSounds "user", RecordingsDir "recordings", DialTemplate
	// "user/{dest}", the call's kv store and http mock) are filled in.
	Engine func(*jsbridge.Config)
	// Logger receives the sandbox's own diagnostics (not the scripts' logs).
	Logger zerolog.Logger
}

// Sandbox serves simulated calls into the real engine: one voice.Server on a
// loopback port whose handler hands each call to an engine of its own. Safe for
// concurrent use.
type Sandbox struct {
	store *script.Store
	opts  SandboxOptions
	srv   *voice.Server
	addr  string
	done  chan error
	calls sync.Map // call uuid -> *callEnv
	sink  *logSink

	closeOnce sync.Once
	closed    atomic.Bool
}

// NewSandbox starts a sandbox serving the scripts of store.
func NewSandbox(store *script.Store, opts SandboxOptions) (*Sandbox, error) {
	if store == nil {
		return nil, errors.New("scripttest: sandbox needs a script store")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("scripttest: listen on loopback: %w", err)
	}
	sb := &Sandbox{store: store, opts: opts, addr: l.Addr().String(), done: make(chan error, 1)}
	sb.sink = &logSink{sb: sb}
	sb.srv = &voice.Server{
		Handler:     sb,
		Logger:      zerolog.New(sb.sink).Level(zerolog.DebugLevel),
		HangupGrace: 300 * time.Millisecond,
		ExitTimeout: 2 * time.Second,
	}
	go func() { sb.done <- sb.srv.Serve(l) }()
	return sb, nil
}

// Close waits for the calls in flight (at most ctx) and stops the server.
func (sb *Sandbox) Close(ctx context.Context) error {
	var err error
	sb.closeOnce.Do(func() {
		sb.closed.Store(true)
		if err = sb.srv.Shutdown(ctx); err != nil {
			_ = sb.srv.Close()
		}
		if serr := <-sb.done; !errors.Is(serr, voice.ErrServerClosed) && err == nil {
			err = serr
		}
	})
	return err
}

// ServeCall hands the call to the engine set up for it. It implements
// voice.Handler.
func (sb *Sandbox) ServeCall(ctx context.Context, call *voice.Call) {
	v, ok := sb.calls.Load(call.UUID())
	if !ok {
		sb.opts.Logger.Error().Str("call", call.UUID()).Msg("call not placed by this sandbox")
		return
	}
	v.(*callEnv).engine.ServeCall(ctx, call)
}

// callEnv is what one simulated call runs with.
type callEnv struct {
	engine *jsbridge.Engine
	clock  *fstest.VirtualClock
	sim    atomic.Pointer[fstest.Call]
	obs    outcomeObserver

	mu   sync.Mutex
	logs []LogLine
}

// logSink receives the engine's JSON log lines and files each under its call.
type logSink struct{ sb *Sandbox }

func (s *logSink) Write(p []byte) (int, error) {
	sc := bufio.NewScanner(bytes.NewReader(p))
	sc.Buffer(make([]byte, 0, len(p)+1), len(p)+1)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue
		}
		id, _ := m["call"].(string)
		v, ok := s.sb.calls.Load(id)
		if !ok {
			continue
		}
		env := v.(*callEnv)
		ln := LogLine{At: env.clock.Elapsed(), Fields: map[string]any{}}
		ln.Level, _ = m["level"].(string)
		ln.Message, _ = m["message"].(string)
		ln.Script = m["source"] == "script"
		ln.Pos, _ = m["at"].(string)
		for k, val := range m {
			switch k {
			case "level", "message", "source", "at", "call", "time", "script", "version", "remote":
			default:
				ln.Fields[k] = val
			}
		}
		if sim := env.sim.Load(); sim != nil {
			ln.frame = len(sim.Frames())
		}
		env.mu.Lock()
		env.logs = append(env.logs, ln)
		env.mu.Unlock()
	}
	return len(p), nil
}

// outcomeObserver keeps the outcome of the call's run.
type outcomeObserver struct {
	mu      sync.Mutex
	outcome string
	limit   string
	errKind string
}

func (o *outcomeObserver) RunStarted(string) {}
func (o *outcomeObserver) RunEnded(_, outcome string, _ time.Duration) {
	o.mu.Lock()
	o.outcome = outcome
	o.mu.Unlock()
}
func (o *outcomeObserver) ScriptError(_, kind string) {
	o.mu.Lock()
	if o.errKind == "" {
		o.errKind = kind
	}
	o.mu.Unlock()
}
func (o *outcomeObserver) LimitHit(_, limit string) {
	o.mu.Lock()
	o.limit = limit
	o.mu.Unlock()
}
func (o *outcomeObserver) LoopLag(time.Duration) {}
