package voice

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/callforge/callforge/voice/internal/esl"
)

// Call is one channel handed to callforge by FreeSWITCH. Its methods are safe for
// concurrent use. Callbacks given to Execute, API, Hangup, Subscribe and OnHangup run on
// the call's event goroutine (or, when the outcome is already known, on the caller's
// goroutine before the method returns), one at a time and in FreeSWITCH's order: they
// must not block. Each callback passed to a command is called exactly once.
type Call struct {
	nc   net.Conn
	logp atomic.Pointer[zerolog.Logger] // the call's logger; AddLogField swaps it
	uuid string
	data *Event
	srv  *Server

	wmu  sync.Mutex // serialises writes with their place in replyQ
	wbuf []byte

	dmu sync.Mutex // held while one notification is dispatched: keeps callbacks in order

	mu             sync.Mutex
	pending        map[string]*pendingApp
	replyQ         []replyFunc
	down           bool
	cause          string
	downErr        error
	detached       bool
	handlerDone    bool
	exitSent       bool
	closed         bool
	hangupComplete bool
	idleSince      time.Time         // when the call last went idle (for Observer.EngineAdded); zero when busy
	latest         *esl.Event        // last channel event carrying variables
	overlay        map[string]string // the script's own sets not yet confirmed by an event
	subs           []*subscription
	onHangup       []func(cause string)
	hangupWaiters  []func(error)
	timers         []*time.Timer

	gone       chan struct{} // closed when the channel is down
	readerDone chan struct{}
	cancel     context.CancelFunc
	began      time.Time
}

type pendingApp struct {
	app  string
	done func(*Event, error)
}

type replyFunc func(f *esl.Frame, err error)

type subscription struct {
	fn func(*Event)
}

// UUID returns the channel's Unique-ID.
func (c *Call) UUID() string { return c.uuid }

// Data returns the channel data FreeSWITCH sent in reply to connect.
func (c *Call) Data() *Event { return c.data }

// Logger returns the call's logger (it carries the call's uuid as "call", and
// what the handler added with AddLogField).
func (c *Call) Logger() *zerolog.Logger { return c.logp.Load() }

// AddLogField adds key=value to every later line of the call's log, the engine's
// own included (the script's name, say). Safe for concurrent use.
func (c *Call) AddLogField(key, value string) {
	l := c.logp.Load().With().Str(key, value).Logger()
	c.logp.Store(&l)
}

// Up reports whether the channel is still up.
func (c *Call) Up() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.down
}

// HangupCause returns the hangup cause once the channel is down, else "".
func (c *Call) HangupCause() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause
}

// Gone returns a channel that is closed when the channel is down.
func (c *Call) Gone() <-chan struct{} { return c.gone }

// Var returns a channel variable from the call's cache: the script's own sets, then
// the latest channel event's variable_* headers (starting with the connect data).
func (c *Call) Var(name string) (string, bool) {
	c.mu.Lock()
	if v, ok := c.overlay[name]; ok {
		c.mu.Unlock()
		return v, true
	}
	ev := c.latest
	c.mu.Unlock()
	return ev.Lookup("variable_" + name)
}

// Subscribe registers fn for every later event of this channel (and events that
// name no channel, such as BACKGROUND_JOB), in order. The returned func removes it.
func (c *Call) Subscribe(fn func(*Event)) (cancel func()) {
	s := &subscription{fn: fn}
	c.mu.Lock()
	c.subs = append(c.subs, s)
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, x := range c.subs {
			if x == s {
				c.subs = append(c.subs[:i:i], c.subs[i+1:]...)
				return
			}
		}
	}
}

// OnHangup registers fn to run once when the channel goes down, after every pending
// command has been failed. If the channel is already down, fn runs at once.
func (c *Call) OnHangup(fn func(cause string)) {
	c.mu.Lock()
	if c.down {
		cause := c.cause
		c.mu.Unlock()
		fn(cause)
		return
	}
	c.onHangup = append(c.onHangup, fn)
	c.mu.Unlock()
}

// Execute runs a dialplan application on the channel (sendmsg execute with
// event-lock). done receives the application's CHANNEL_EXECUTE_COMPLETE event, or an
// error: *HangupError if the channel goes down first, *RefusedError for -ERR,
// ErrDetached, or an error wrapping ErrBadCommand.
func (c *Call) Execute(app, arg string, done func(*Event, error)) {
	id := uuid.NewString()
	c.wmu.Lock()
	buf, err := esl.AppendExecute(c.wbuf[:0], app, arg, id)
	c.wbuf = buf
	if err != nil {
		c.wmu.Unlock()
		done(nil, fmt.Errorf("%w: %w", ErrBadCommand, err))
		return
	}
	c.mu.Lock()
	if err := c.usableLocked(); err != nil {
		c.mu.Unlock()
		c.wmu.Unlock()
		done(nil, err)
		return
	}
	if o := c.srv.Observer; o != nil {
		inner, sent := done, time.Now()
		done = func(ev *Event, err error) {
			o.CommandDone(app, time.Since(sent), err)
			inner(ev, err)
		}
		c.engineAddedLocked(o, sent)
	}
	c.pending[id] = &pendingApp{app: app, done: done}
	c.replyQ = append(c.replyQ, func(f *esl.Frame, err error) {
		if err == nil && !replyOK(f) {
			err = &RefusedError{Command: "execute " + app, Reply: replyText(f)}
		}
		if err != nil {
			c.mu.Lock()
			p, ok := c.pending[id]
			delete(c.pending, id)
			c.mu.Unlock()
			if ok {
				p.done(nil, err)
			}
		}
	})
	c.mu.Unlock()
	c.writeLocked(buf)
	c.wmu.Unlock()
}

// SetVar runs the set application for name=value. The cache answers Var(name) with
// value at once, before FreeSWITCH has done it.
func (c *Call) SetVar(name, value string, done func(*Event, error)) {
	c.mu.Lock()
	if c.overlay == nil {
		c.overlay = make(map[string]string)
	}
	c.overlay[name] = value
	c.mu.Unlock()
	c.Execute("set", name+"="+value, func(ev *Event, err error) {
		if err == nil {
			c.mu.Lock()
			if c.overlay[name] == value {
				delete(c.overlay, name)
			}
			c.mu.Unlock()
		}
		done(ev, err)
	})
}

// API runs a FreeSWITCH API command over this call's socket. done receives the
// response body; a body starting with -ERR comes back as a *RefusedError.
func (c *Call) API(cmd string, done func(body string, err error)) {
	c.command(func(dst []byte) ([]byte, error) { return esl.AppendAPI(dst, cmd) }, false,
		func(f *esl.Frame, err error) {
			if err != nil {
				done("", err)
				return
			}
			if strings.HasPrefix(f.Body, "-ERR") || (f.Body == "" && !replyOK(f)) {
				done(f.Body, &RefusedError{Command: "api " + firstWord(cmd), Reply: strings.TrimSpace(f.Body + replyText(f))})
				return
			}
			done(f.Body, nil)
		})
}

// SubscribeEvents asks FreeSWITCH for events that myevents does not bring
// (CUSTOM subclasses, BACKGROUND_JOB). done receives the outcome.
func (c *Call) SubscribeEvents(names []string, done func(error)) {
	c.command(func(dst []byte) ([]byte, error) { return esl.AppendEventSubscribe(dst, names...) }, false,
		func(f *esl.Frame, err error) {
			if err == nil && !replyOK(f) {
				err = &RefusedError{Command: "event", Reply: replyText(f)}
			}
			done(err)
		})
}

// Hangup hangs the channel up with cause ("" = NORMAL_CLEARING). done runs when the
// channel is down (at once if it already is), or with ErrDetached for a call that
// left the engine's control.
func (c *Call) Hangup(cause string, done func(error)) {
	if cause == "" {
		cause = "NORMAL_CLEARING"
	}
	c.mu.Lock()
	if c.down {
		c.mu.Unlock()
		done(nil)
		return
	}
	if c.detached {
		c.mu.Unlock()
		done(ErrDetached)
		return
	}
	first := len(c.hangupWaiters) == 0
	c.hangupWaiters = append(c.hangupWaiters, done)
	c.mu.Unlock()
	if !first {
		return
	}
	c.command(func(dst []byte) ([]byte, error) { return esl.AppendHangup(dst, cause) }, false,
		func(f *esl.Frame, err error) {
			if err == nil && !replyOK(f) {
				err = &RefusedError{Command: "hangup", Reply: replyText(f)}
			}
			if err != nil && !errors.Is(err, ErrHangup) {
				c.Logger().Warn().Err(err).Msg("hangup not taken")
			}
		})
}

// Detached reports whether the call left the engine's control.
func (c *Call) Detached() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.detached
}

// Detach records that the call has left the engine's control (after a transfer):
// the engine will not hang it up, and commands fail with ErrDetached.
func (c *Call) Detach() {
	c.mu.Lock()
	c.detached = true
	c.mu.Unlock()
}

// command writes a frame built by build and queues onReply for its reply.
// evenIfDetached lets a command through on a call that left the engine's control.
func (c *Call) command(build func([]byte) ([]byte, error), evenIfDetached bool, onReply replyFunc) {
	c.wmu.Lock()
	buf, err := build(c.wbuf[:0])
	c.wbuf = buf
	if err != nil {
		c.wmu.Unlock()
		onReply(nil, fmt.Errorf("%w: %w", ErrBadCommand, err))
		return
	}
	c.mu.Lock()
	if c.closed || c.exitSent {
		c.mu.Unlock()
		c.wmu.Unlock()
		onReply(nil, c.lostErr())
		return
	}
	if c.detached && !evenIfDetached {
		c.mu.Unlock()
		c.wmu.Unlock()
		onReply(nil, ErrDetached)
		return
	}
	if o := c.srv.Observer; o != nil {
		c.engineAddedLocked(o, time.Now())
	}
	c.replyQ = append(c.replyQ, onReply)
	c.mu.Unlock()
	c.writeLocked(buf)
	c.wmu.Unlock()
}

// engineAddedLocked reports the time since the call went idle, if it was; c.mu held.
func (c *Call) engineAddedLocked(o Observer, now time.Time) {
	if !c.idleSince.IsZero() {
		o.EngineAdded(now.Sub(c.idleSince))
		c.idleSince = time.Time{}
	}
}

// markIdleLocked records that nothing the engine sent is outstanding any more, as of
// at; c.mu held.
func (c *Call) markIdleLocked(at time.Time) {
	if c.srv.Observer != nil && len(c.pending) == 0 && len(c.replyQ) == 0 {
		c.idleSince = at
	}
}

func (c *Call) usableLocked() error {
	if c.down {
		return &HangupError{Cause: c.cause, Err: c.downErrOr()}
	}
	if c.detached {
		return ErrDetached
	}
	if c.closed || c.exitSent {
		return c.lostErr()
	}
	return nil
}

func (c *Call) downErrOr() error {
	if c.downErr != nil {
		return c.downErr
	}
	return ErrHangup
}

func (c *Call) lostErr() error {
	if c.down {
		return &HangupError{Cause: c.cause, Err: c.downErrOr()}
	}
	return &HangupError{Cause: CauseConnectionLost, Err: ErrConnectionLost}
}

// writeLocked writes b; c.wmu must be held. A failed write closes the socket, which
// ends the reader and fails every pending command.
func (c *Call) writeLocked(b []byte) {
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.srv.writeTimeout()))
	if _, err := c.nc.Write(b); err != nil {
		c.Logger().Warn().Err(err).Msg("write to freeswitch failed")
		_ = c.nc.Close()
		return
	}
	c.srv.framesOut.Add(1)
}

// readLoop reads and dispatches frames until the socket closes.
func (c *Call) readLoop(r *esl.Reader) {
	defer close(c.readerDone)
	defer r.Release()
	for {
		err := r.Wait()
		var f *esl.Frame
		if err == nil {
			f, err = r.ReadFrame()
		}
		if err != nil {
			c.teardown(err)
			return
		}
		c.srv.framesIn.Add(1)
		c.dmu.Lock()
		c.dispatch(f)
		c.dmu.Unlock()
	}
}

func (c *Call) dispatch(f *esl.Frame) {
	switch ct := f.ContentType(); ct {
	case esl.TypeReply, esl.TypeAPI:
		c.mu.Lock()
		if len(c.replyQ) == 0 {
			c.mu.Unlock()
			c.Logger().Warn().Str("reply", replyText(f)).Msg("reply from freeswitch with no command waiting for it")
			return
		}
		fn := c.replyQ[0]
		c.replyQ[0] = nil
		c.replyQ = c.replyQ[1:]
		c.markIdleLocked(time.Now())
		c.mu.Unlock()
		fn(f, nil)
	case esl.TypeEventPlain, esl.TypeEventJSON:
		c.handleEvent(f.Event)
	case esl.TypeDisconnect:
		disp, _ := f.Headers.Raw("Content-Disposition")
		c.Logger().Debug().Str("disposition", disp).Msg("disconnect notice")
		if disp == "linger" {
			// FreeSWITCH may send this before the hangup events (trace 11): keep reading,
			// and only if no CHANNEL_HANGUP follows, take the channel as gone.
			c.afterFunc(c.srv.hangupGrace(), func() { c.markDownDispatch("NORMAL_CLEARING", ErrHangup) })
			return
		}
		c.markDown(CauseConnectionLost, ErrConnectionLost)
	default:
		c.Logger().Debug().Str("content_type", ct).Msg("frame ignored")
	}
}

func (c *Call) handleEvent(e *esl.Event) {
	if e == nil {
		return
	}
	uid, hasUID := e.Lookup("Unique-ID")
	if hasUID && uid != c.uuid {
		return // another channel's event: never shown to this call
	}
	name := e.Get("Event-Name")
	ev := &Event{ev: e, name: name}
	if hasUID && carriesVars(e) {
		// DTMF and CHANNEL_STATE events carry no variable_* headers: only an event
		// that does may replace the variable cache.
		c.mu.Lock()
		c.latest = e
		c.mu.Unlock()
	}
	switch name {
	case "CHANNEL_EXECUTE_COMPLETE":
		id := e.Get("Application-UUID")
		c.mu.Lock()
		p, ok := c.pending[id]
		delete(c.pending, id)
		if ok {
			c.markIdleLocked(time.Now())
		}
		c.mu.Unlock()
		if ok {
			p.done(ev, nil)
		}
	case "CHANNEL_HANGUP":
		c.markDown(e.Get("Hangup-Cause"), ErrHangup)
	case "CHANNEL_HANGUP_COMPLETE":
		c.markDown(e.Get("Hangup-Cause"), ErrHangup)
		c.mu.Lock()
		c.hangupComplete = true
		c.mu.Unlock()
	}
	c.mu.Lock()
	subs := c.subs
	c.mu.Unlock()
	for _, s := range subs {
		s.fn(ev)
	}
	if name == "CHANNEL_HANGUP_COMPLETE" {
		c.maybeExit()
	}
}

// markDownDispatch is markDown from a timer: it takes the dispatch lock so that its
// callbacks never interleave with an event's.
func (c *Call) markDownDispatch(cause string, why error) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.markDown(cause, why)
	c.maybeExit()
}

// markDown records the end of the channel and fails what was waiting on it.
func (c *Call) markDown(cause string, why error) {
	c.mu.Lock()
	if c.down {
		c.mu.Unlock()
		return
	}
	if cause == "" {
		cause = "NORMAL_CLEARING"
	}
	c.down, c.cause, c.downErr = true, cause, why
	pending := c.pending
	c.pending = make(map[string]*pendingApp)
	waiters, hooks := c.hangupWaiters, c.onHangup
	c.hangupWaiters, c.onHangup = nil, nil
	close(c.gone)
	c.mu.Unlock()
	c.Logger().Debug().Str("cause", cause).Msg("channel down")
	c.cancel()
	herr := &HangupError{Cause: cause, Err: why}
	for _, p := range pending {
		p.done(nil, herr)
	}
	for _, w := range waiters {
		w(nil)
	}
	for _, h := range hooks {
		h(cause)
	}
	// Whatever happens, the socket is not kept past the grace after the channel ended.
	c.afterFunc(c.srv.hangupGrace(), c.forceExit)
}

func (c *Call) forceExit() {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.sendExit()
}

// maybeExit sends exit once the channel is down and its last event is in, or once
// the handler has returned from a call that left the engine's control.
func (c *Call) maybeExit() {
	c.mu.Lock()
	ready := (c.down && c.hangupComplete) || (c.handlerDone && c.detached)
	c.mu.Unlock()
	if ready {
		c.sendExit()
	}
}

func (c *Call) sendExit() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	if c.exitSent || c.closed {
		c.mu.Unlock()
		return
	}
	c.exitSent = true
	c.replyQ = append(c.replyQ, func(*esl.Frame, error) {})
	c.mu.Unlock()
	c.writeLocked(esl.CmdExit)
	// FreeSWITCH answers +OK bye and closes; if it does not, close ourselves.
	c.afterFunc(c.srv.exitTimeout(), func() { _ = c.nc.Close() })
}

func (c *Call) afterFunc(d time.Duration, fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.timers = append(c.timers, time.AfterFunc(d, fn))
}

// teardown runs once when the reader stops.
func (c *Call) teardown(err error) {
	c.dmu.Lock()
	defer c.dmu.Unlock()
	c.mu.Lock()
	wasExit := c.exitSent
	c.mu.Unlock()
	switch {
	case errors.Is(err, esl.ErrMalformed):
		c.Logger().Error().Err(err).Msg("malformed frame from freeswitch: closing the call's socket")
	case wasExit:
	case errors.Is(err, net.ErrClosed):
	default:
		c.Logger().Debug().Err(err).Msg("socket closed")
	}
	c.markDown(CauseConnectionLost, ErrConnectionLost)
	c.mu.Lock()
	c.closed = true
	q := c.replyQ
	c.replyQ = nil
	timers := c.timers
	c.timers = nil
	c.mu.Unlock()
	for _, t := range timers {
		t.Stop()
	}
	for _, fn := range q {
		fn(nil, c.lostErr())
	}
	_ = c.nc.Close()
}

// carriesVars reports whether an event carries the channel's variables.
func carriesVars(e *esl.Event) bool {
	return e.HasPrefix("variable_")
}

func replyOK(f *esl.Frame) bool {
	if v, ok := f.Headers.Raw("Reply-Text"); ok {
		return strings.HasPrefix(v, "+OK") || strings.HasPrefix(v, "%2BOK")
	}
	return !strings.HasPrefix(f.Body, "-ERR")
}

func replyText(f *esl.Frame) string {
	if f == nil {
		return ""
	}
	if v, ok := f.Headers.Raw("Reply-Text"); ok {
		return esl.Decode(v)
	}
	return f.Body
}

func firstWord(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}
