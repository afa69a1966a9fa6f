package fstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/google/uuid"
)

// ErrCallEnded is returned by the Wait helpers when the simulated call ended (socket
// closed) before the awaited thing happened.
var ErrCallEnded = errors.New("fstest: simulated call ended")

// CallConfig describes the simulated caller and channel. The zero value is usable.
type CallConfig struct {
	UUID           string            // channel Unique-ID; random when empty
	Destination    string            // Caller-Destination-Number (default "1000")
	CallerIDNumber string            // default "1001"
	CallerIDName   string            // default "sim"
	Context        string            // Caller-Context (default "public")
	Vars           map[string]string // extra channel variables, e.g. voice_script
	// Media returns how long an application "plays" (playback, speak, say, sleep,
	// bridge talk time, record, echo/conference = until hangup when < 0), and, for
	// play_and_get_digits, how long the caller may take to press digits in one try
	// (app "play_and_get_digits", arg the app's argument). nil means zero for all.
	Media func(app, arg string) time.Duration
	// ConnectTimeout is how long the simulator waits for connect before it gives up
	// as FreeSWITCH does (disconnect notice, close). Default 25s, as FreeSWITCH.
	ConnectTimeout time.Duration
	// LingerNoticeFirst sends the linger disconnect-notice before CHANNEL_HANGUP
	// instead of after CHANNEL_HANGUP_COMPLETE (FreeSWITCH does both: traces 02, 11).
	LingerNoticeFirst bool
	// RecordFrames keeps every frame both ways for Frames (costs memory: off for load).
	RecordFrames bool
	// WriteTimeout bounds one write to the engine (default 10s).
	WriteTimeout time.Duration
	Clock        Clock // default RealClock
	// Setup, if set, runs once when the engine's connect arrives, before the
	// channel data is sent back: the place to arrange the caller's behaviour
	// (HangupOn, FailBridge, PressOn...) with no race against the script.
	Setup func(*Call)
}

// Command is one command the engine sent.
type Command struct {
	Name        string // first word: connect, myevents, linger, sendmsg, api, exit ...
	Line        string // the whole command line, e.g. "api uuid_getvar <uuid> foo"
	CallCommand string // sendmsg: execute, hangup, ...
	App, Arg    string // sendmsg execute
	EventUUID   string // sendmsg Event-UUID
	HangupCause string // sendmsg hangup's hangup-cause
	Loops       int    // sendmsg loops (1 when absent)
	At          time.Time
	// EngineTime is the time between the simulator sending the frame that completed
	// the engine's previous work (connect reply, a reply, an app's
	// CHANNEL_EXECUTE_COMPLETE) and this command arriving, when the channel was idle
	// (nothing running or queued) at that moment; -1 otherwise.
	EngineTime time.Duration
}

// Frame is one frame on the wire.
type Frame struct {
	FromEngine bool
	At         time.Time
	Data       string
}

// Result is what the engine did with the call.
type Result struct {
	UUID            string
	HangupCause     string // "" when the channel never went down (exit before hangup, transfer...)
	ExitReceived    bool
	ExitAt          time.Time
	Closed          bool
	ClosedAt        time.Time
	ConnectTimedOut bool
	Commands        []Command
	Latencies       []time.Duration // EngineTime of every command that has one
}

// Call is one simulated FreeSWITCH channel connected to the engine. All methods are
// safe for concurrent use.
type Call struct {
	cfg        CallConfig
	clock      Clock
	nc         net.Conn
	uuid       string
	engineAddr string
	socketUUID string
	chanName   string
	tmpl       *callTemplate
	ctx        context.Context
	cancel     context.CancelFunc

	wmu sync.Mutex // serialises frames on the socket

	mu sync.Mutex
	st chanState
	// inputs to the channel goroutine
	queue      []*appReq
	dtmf       []byte
	hangupSet  bool
	hangupReq  string
	breakReq   bool
	stopReq    bool
	exitReq    bool
	peerClosed bool
	connected  bool
	pressOn    []pressRule
	hangupOn   []hangupRule
	failBridge string
	missing    map[string]bool
	unknown    map[string]bool
	// observations
	commands   []Command
	frames     []Frame
	started    map[string]int
	lastDone   time.Time
	exitAt     time.Time
	closedAt   time.Time
	closed     bool
	timedOut   bool
	changed    chan struct{} // closed and replaced on every observable change
	wake       chan struct{} // cap 1: pokes the channel goroutine
	readerDone chan struct{}
	done       chan struct{}
}

type appReq struct {
	app, arg, uuid string
	loops          int
}

type pressRule struct{ app, digits string }

type hangupRule struct {
	app   string
	after time.Duration
	cause string
}

// Dial connects to the engine the way FreeSWITCH's `socket host:port async full`
// does and serves the call until the engine sends exit, the socket closes or ctx is
// cancelled. It starts two goroutines, both gone when Wait returns.
func Dial(ctx context.Context, engineAddr string, cfg CallConfig) (*Call, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", engineAddr)
	if err != nil {
		return nil, fmt.Errorf("fstest: dial engine: %w", err)
	}
	return Start(ctx, nc, engineAddr, cfg), nil
}

// Start serves a call on an already established connection (nc is closed when the
// call ends). engineAddr only feeds the socket application's data.
func Start(ctx context.Context, nc net.Conn, engineAddr string, cfg CallConfig) *Call {
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	if cfg.UUID == "" {
		cfg.UUID = uuid.NewString()
	}
	cfg.Destination = orStr(cfg.Destination, "1000")
	cfg.CallerIDNumber = orStr(cfg.CallerIDNumber, "1001")
	cfg.CallerIDName = orStr(cfg.CallerIDName, "sim")
	cfg.Context = orStr(cfg.Context, "public")
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 25 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	cctx, cancel := context.WithCancel(ctx)
	now := cfg.Clock.Now()
	c := &Call{
		cfg:        cfg,
		clock:      cfg.Clock,
		nc:         nc,
		uuid:       cfg.UUID,
		engineAddr: engineAddr,
		socketUUID: uuid.NewString(),
		chanName:   "sofia/external/" + cfg.CallerIDNumber + "@127.0.0.1:5070",
		ctx:        cctx,
		cancel:     cancel,
		missing:    map[string]bool{},
		unknown:    map[string]bool{},
		started:    map[string]int{},
		changed:    make(chan struct{}),
		wake:       make(chan struct{}, 1),
		readerDone: make(chan struct{}),
		done:       make(chan struct{}),
	}
	c.tmpl = buildTemplate(c.uuid, cfg.Destination, cfg.CallerIDNumber, cfg.CallerIDName, cfg.Context, c.chanName, now.UnixMicro())
	c.st.init(initialVars(c.uuid, cfg.Destination, cfg.CallerIDNumber, cfg.CallerIDName, c.chanName, engineAddr, now.UnixMicro(), cfg.Vars), now)
	go c.readLoop()
	go c.run()
	return c
}

func orStr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// UUID returns the channel's Unique-ID. Safe for concurrent use.
func (c *Call) UUID() string { return c.uuid }

// SendDTMF makes the caller press digits now (RFC 2833): each becomes a DTMF event,
// in order, and is fed to the running application (play_and_get_digits, record).
// Safe for concurrent use.
func (c *Call) SendDTMF(digits string) {
	c.mu.Lock()
	c.dtmf = append(c.dtmf, digits...)
	c.mu.Unlock()
	c.kick()
}

// PressOn queues digits the caller presses when app next starts (answering a
// prompt). Rules are used once each, in the order given. Safe for concurrent use.
func (c *Call) PressOn(app, digits string) {
	c.mu.Lock()
	c.pressOn = append(c.pressOn, pressRule{app, digits})
	c.mu.Unlock()
}

// HangupNow makes the caller hang up now with cause ("" = NORMAL_CLEARING).
// Safe for concurrent use.
func (c *Call) HangupNow(cause string) {
	c.mu.Lock()
	if !c.hangupSet {
		c.hangupSet, c.hangupReq = true, orStr(cause, "NORMAL_CLEARING")
	}
	c.mu.Unlock()
	c.kick()
}

// HangupOn makes the caller hang up `after` into the next run of app (0 = as soon as
// it starts). Safe for concurrent use.
func (c *Call) HangupOn(app string, after time.Duration, cause string) {
	c.mu.Lock()
	c.hangupOn = append(c.hangupOn, hangupRule{app, after, orStr(cause, "NORMAL_CLEARING")})
	c.mu.Unlock()
}

// FailBridge makes later bridges fail with cause (USER_BUSY, NO_ANSWER,
// CALL_REJECTED ...); "" makes them succeed again. Safe for concurrent use.
func (c *Call) FailBridge(cause string) {
	c.mu.Lock()
	c.failBridge = cause
	c.mu.Unlock()
}

// MissingFile marks a file as absent: playback of it completes with FILE NOT FOUND.
// Safe for concurrent use.
func (c *Call) MissingFile(path string) {
	c.mu.Lock()
	c.missing[path] = true
	c.mu.Unlock()
}

// UnknownApp marks an application as not installed: executing it gets +OK, no
// events, and the channel is hung up with DESTINATION_OUT_OF_ORDER (trace 04).
// Safe for concurrent use.
func (c *Call) UnknownApp(name string) {
	c.mu.Lock()
	c.unknown[name] = true
	c.mu.Unlock()
}

// StopApp ends the running long application now (a conference that ends, the far
// end of echo going away): it completes normally. Safe for concurrent use.
func (c *Call) StopApp() {
	c.mu.Lock()
	c.stopReq = true
	c.mu.Unlock()
	c.kick()
}

// Commands returns the commands received so far, in order. Safe for concurrent use.
func (c *Call) Commands() []Command {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Command(nil), c.commands...)
}

// Frames returns the frames both ways so far (only with CallConfig.RecordFrames).
// Safe for concurrent use.
func (c *Call) Frames() []Frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Frame(nil), c.frames...)
}

// Vars returns the channel variables now. Safe for concurrent use.
func (c *Call) Vars() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]string, len(c.st.vars))
	for _, v := range c.st.vars {
		m[v.name] = v.value
	}
	return m
}

// Var returns one channel variable. Safe for concurrent use.
func (c *Call) Var(name string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.getVar(name)
}

// Done returns a channel closed once the call is over and its goroutines are gone.
// Safe for concurrent use.
func (c *Call) Done() <-chan struct{} { return c.done }

// Close ends the simulation now (closes the socket). Safe for concurrent use.
func (c *Call) Close() { c.cancel() }

// Wait waits for the call to end and returns what the engine did. If ctx ends first
// it returns ctx's error (the call goes on; Close ends it). Safe for concurrent use.
func (c *Call) Wait(ctx context.Context) (Result, error) {
	select {
	case <-c.done:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	r := Result{
		UUID:            c.uuid,
		HangupCause:     c.st.hangupCause,
		ExitReceived:    !c.exitAt.IsZero(),
		ExitAt:          c.exitAt,
		Closed:          c.closed,
		ClosedAt:        c.closedAt,
		ConnectTimedOut: c.timedOut,
		Commands:        append([]Command(nil), c.commands...),
	}
	for _, cmd := range c.commands {
		if cmd.EngineTime >= 0 {
			r.Latencies = append(r.Latencies, cmd.EngineTime)
		}
	}
	return r, nil
}

// WaitHangup waits until the channel is down and returns the cause.
// Safe for concurrent use.
func (c *Call) WaitHangup(ctx context.Context) (string, error) {
	var cause string
	err := c.waitFor(ctx, func() bool {
		cause = c.st.hangupCause
		return c.st.down
	})
	return cause, err
}

// WaitClosed waits until the socket is closed. Safe for concurrent use.
func (c *Call) WaitClosed(ctx context.Context) error {
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// WaitApp waits until app has started (its CHANNEL_EXECUTE was sent) at least once.
// Safe for concurrent use.
func (c *Call) WaitApp(ctx context.Context, app string) error {
	return c.waitFor(ctx, func() bool { return c.started[app] > 0 })
}

// waitFor waits until cond (run under c.mu) holds.
func (c *Call) waitFor(ctx context.Context, cond func() bool) error {
	for {
		c.mu.Lock()
		ok := cond()
		ch, closed := c.changed, c.closed
		c.mu.Unlock()
		if ok {
			return nil
		}
		if closed {
			return ErrCallEnded
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// notifyLocked wakes the Wait helpers; c.mu must be held.
func (c *Call) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// kick pokes the channel goroutine.
func (c *Call) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}
