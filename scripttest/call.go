package scripttest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/kv"
	"github.com/callforge/callforge/voice/fstest"
)

// Default media durations of a simulated call (see CallSpec.Media).
const (
	DefaultPlayback   = time.Second      // playback, speak, say and prompts
	DefaultBridgeTalk = 10 * time.Second // how long a bridged call talks
	DefaultRecord     = 60 * time.Second // record without a time limit in its argument
	DefaultCallLimit  = 30 * time.Second // real time a call may take (CallSpec.Timeout)
)

// ErrCallTimeout is returned by Sandbox.Call when the call did not end within
// CallSpec.Timeout of real time.
var ErrCallTimeout = errors.New("scripttest: call did not end in time")

// CallSpec is one simulated call: who calls, and how the caller behaves.
type CallSpec struct {
	Script         string            // voice_script: the script name, as FreeSWITCH would pass it
	Vars           map[string]string // extra channel variables
	CallerIDNumber string            // default "1001"
	CallerIDName   string            // default "sim"
	Destination    string            // default "1000"

	// Media gives durations by application name ("playback", "bridge",
	// "bridge:ring", "record", "echo") or by argument (a file name such as
	// "user/welcome.wav", matched first). Unlisted: playback, speak and say
	// take DefaultPlayback; sleep its own milliseconds; play_and_get_digits
	// waits its own timeout for digits; record its own time limit
	// (DefaultRecord without one); bridge rings 0 and talks DefaultBridgeTalk;
	// echo, conference and park last until the caller hangs up.
	Media map[string]time.Duration

	PressOn    []Press // digits pressed when an application starts
	DTMFAt     []TimedDTMF
	HangupOn   []HangupRule // caller hangs up during an application
	HangupAt   time.Duration
	HangupWith string // cause for HangupAt (default NORMAL_CLEARING)
	FailBridge string // bridges fail with this cause ("" = they succeed)
	Missing    []string
	Unknown    []string

	KV   kv.Store  // the store behind require('kv') (nil: none)
	HTTP *HTTPMock // the answers behind require('http') (nil: every host refused)
	Env  map[string]string

	Timeout time.Duration // real time the call may take (default DefaultCallLimit)

	// Start is when the call happens on the virtual clock (zero: now): what the
	// script's Date sees when the call begins.
	Start time.Time
}

// Press is digits pressed when App next starts.
type Press struct{ App, Digits string }

// TimedDTMF is digits pressed At (virtual time since the call began).
type TimedDTMF struct {
	At     time.Duration
	Digits string
}

// HangupRule hangs up After into the next run of App.
type HangupRule struct {
	App   string
	After time.Duration
	Cause string
}

// Verb is one thing the engine asked FreeSWITCH to do.
type Verb struct {
	At   time.Duration // virtual time since the call began
	Kind string        // "execute", "hangup" or "api"
	App  string        // execute: the application; hangup: "hangup"; api: "api"
	Arg  string        // execute: its argument; hangup: the cause; api: the command
}

// Slice returns the verb as the JS API shows it: [app] or [app, arg].
func (v Verb) Slice() []string {
	if v.Arg == "" {
		return []string{v.App}
	}
	return []string{v.App, v.Arg}
}

// LogLine is one log line of the engine about the call.
type LogLine struct {
	At      time.Duration // virtual time when it was written
	Level   string
	Message string
	Script  bool   // written by the script (console.*, ctx.log)
	Pos     string // script position (file:line:col) when known
	Fields  map[string]any
	frame   int // frames seen when it was written (orders it in the timeline)
}

// String formats the line as "level: message".
func (l LogLine) String() string { return l.Level + ": " + l.Message }

// CallResult is what happened on a simulated call.
type CallResult struct {
	Script      string
	UUID        string
	Verbs       []Verb
	HangupCause string
	Vars        map[string]string
	Logs        []LogLine // every engine line about the call, script lines included
	Outcome     string    // the run's outcome: ok, hangup, error, limit, failed
	Duration    time.Duration
	HTTP        []HTTPCall
	Frames      []fstest.Frame
}

// ScriptLogs returns the script's own lines, "level: message".
func (r *CallResult) ScriptLogs() []string {
	var out []string
	for _, l := range r.Logs {
		if l.Script {
			out = append(out, l.Message)
		}
	}
	return out
}

// Errors returns the engine's error lines about the call (script errors,
// refused commands, failed starts), "message: error".
func (r *CallResult) Errors() []string {
	var out []string
	for _, l := range r.Logs {
		if l.Level == "error" || l.Level == "fatal" || l.Level == "panic" {
			s := l.Message
			if e, ok := l.Fields["error"].(string); ok && e != "" {
				s += ": " + e
			}
			if l.Pos != "" {
				s += " (" + l.Pos + ")"
			}
			out = append(out, s)
		}
	}
	return out
}

// Call places one simulated call and waits for the engine to be done with it.
func (sb *Sandbox) Call(ctx context.Context, spec CallSpec) (*CallResult, error) {
	if sb.closed.Load() {
		return nil, ErrSandboxClosed
	}
	if spec.Script == "" {
		return nil, errors.New("scripttest: call without a script name")
	}
	if spec.Timeout <= 0 {
		spec.Timeout = DefaultCallLimit
	}
	ctx, cancel := context.WithTimeout(ctx, spec.Timeout)
	defer cancel()

	env := &callEnv{clock: fstest.NewVirtualClock(fstest.VirtualClockOptions{Start: spec.Start})}
	defer env.clock.Stop()
	cfg := jsbridge.Config{
		Scripts:          sb.store,
		Logger:           sb.srv.Logger,
		UserSounds:       "user",
		RecordingsDir:    "recordings",
		DialTemplate:     "user/{dest}",
		AfterHangupGrace: 2 * time.Second,
		KV:               spec.KV,
		ScriptEnv:        spec.Env,
		Observer:         &env.obs,
		Clock:            env.clock, // the script's time (timers, Date, ctx.waitFor) is the call's
	}
	if spec.HTTP != nil {
		client, err := spec.HTTP.client()
		if err != nil {
			return nil, err
		}
		cfg.HTTP = client
	}
	if sb.opts.Engine != nil {
		sb.opts.Engine(&cfg)
	}
	eng, err := jsbridge.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("scripttest: engine: %w", err)
	}
	env.engine = eng
	id := uuid.NewString()
	sb.calls.Store(id, env)
	defer sb.calls.Delete(id)

	vars := map[string]string{}
	for k, v := range spec.Vars {
		vars[k] = v
	}
	vars["voice_script"] = spec.Script
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", sb.addr)
	if err != nil {
		return nil, fmt.Errorf("scripttest: dial the engine: %w", err)
	}
	sim := fstest.Start(ctx, env.clock.Conn(nc), sb.addr, fstest.CallConfig{
		UUID:           id,
		Destination:    spec.Destination,
		CallerIDNumber: spec.CallerIDNumber,
		CallerIDName:   spec.CallerIDName,
		Vars:           vars,
		Media:          spec.media,
		Clock:          env.clock,
		RecordFrames:   true,
		Setup: func(c *fstest.Call) {
			for _, p := range spec.PressOn {
				c.PressOn(p.App, p.Digits)
			}
			for _, h := range spec.HangupOn {
				c.HangupOn(h.App, h.After, h.Cause)
			}
			if spec.FailBridge != "" {
				c.FailBridge(spec.FailBridge)
			}
			for _, f := range spec.Missing {
				c.MissingFile(f)
			}
			for _, a := range spec.Unknown {
				c.UnknownApp(a)
			}
		},
	})
	env.sim.Store(sim)
	for _, d := range spec.DTMFAt {
		digits := d.Digits
		env.clock.At(d.At, func() { sim.SendDTMF(digits) })
	}
	if spec.HangupAt > 0 {
		cause := spec.HangupWith
		env.clock.At(spec.HangupAt, func() { sim.HangupNow(cause) })
	}
	res, err := sim.Wait(ctx)
	if err != nil {
		sim.Close()
		<-sim.Done()
		return nil, fmt.Errorf("%w (%v): the script %q still runs after %v; does it wait for something that never comes?", ErrCallTimeout, err, spec.Script, spec.Timeout)
	}
	if err := sb.waitEngine(ctx, id); err != nil {
		return nil, err
	}
	return env.result(spec, res, sim), nil
}

// waitEngine waits until the engine has finished with the call (its script may
// still run cleanup after the socket closed).
func (sb *Sandbox) waitEngine(ctx context.Context, id string) error {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	for {
		active := false
		for _, c := range sb.srv.ActiveCalls() {
			if c.UUID() == id {
				active = true
				break
			}
		}
		if !active {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: the engine still serves call %s", ErrCallTimeout, id)
		case <-t.C:
		}
	}
}

func (env *callEnv) result(spec CallSpec, res fstest.Result, sim *fstest.Call) *CallResult {
	start := env.clock.Now().Add(-env.clock.Elapsed())
	r := &CallResult{
		Script:      spec.Script,
		UUID:        res.UUID,
		HangupCause: res.HangupCause,
		Vars:        sim.Vars(),
		Duration:    env.clock.Elapsed(),
		Frames:      sim.Frames(),
	}
	for _, c := range res.Commands {
		at := c.At.Sub(start)
		switch {
		case c.Name == "sendmsg" && c.CallCommand == "execute":
			r.Verbs = append(r.Verbs, Verb{At: at, Kind: "execute", App: c.App, Arg: c.Arg})
		case c.Name == "sendmsg" && c.CallCommand == "hangup":
			r.Verbs = append(r.Verbs, Verb{At: at, Kind: "hangup", App: "hangup", Arg: c.HangupCause})
		case c.Name == "api" || c.Name == "bgapi":
			r.Verbs = append(r.Verbs, Verb{At: at, Kind: "api", App: c.Name, Arg: strings.TrimSpace(strings.TrimPrefix(c.Line, c.Name))})
		}
	}
	env.mu.Lock()
	r.Logs = append([]LogLine(nil), env.logs...)
	env.mu.Unlock()
	env.obs.mu.Lock()
	r.Outcome = env.obs.outcome
	env.obs.mu.Unlock()
	if spec.HTTP != nil {
		r.HTTP = spec.HTTP.callsOf()
	}
	return r
}

// media implements fstest.CallConfig.Media for the spec.
func (spec *CallSpec) media(app, arg string) time.Duration {
	if d, ok := spec.Media[arg]; ok && arg != "" {
		return d
	}
	if app == "play_and_get_digits" {
		// the caller's time to press digits in one try: the app's own timeout
		if d, ok := spec.Media[app]; ok {
			return d
		}
		f := strings.Fields(arg)
		if len(f) > 3 {
			if ms, err := strconv.Atoi(f[3]); err == nil && ms > 0 {
				return time.Duration(ms) * time.Millisecond
			}
		}
		return 5 * time.Second
	}
	if d, ok := spec.Media[app]; ok {
		return d
	}
	switch app {
	case "playback", "speak", "say":
		return DefaultPlayback
	case "sleep":
		if ms, err := strconv.Atoi(strings.TrimSpace(arg)); err == nil && ms > 0 {
			return time.Duration(ms) * time.Millisecond
		}
		return 0
	case "record":
		f := strings.Fields(arg)
		if len(f) > 1 {
			if s, err := strconv.Atoi(f[1]); err == nil && s > 0 {
				return time.Duration(s) * time.Second
			}
		}
		return DefaultRecord
	case "bridge":
		return DefaultBridgeTalk
	}
	return 0
}
