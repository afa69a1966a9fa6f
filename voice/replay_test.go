package voice_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/voice"
)

// The replay tests play FreeSWITCH's side of each real capture in
// testdata/esl-traces against the real engine: the player sends each from_fs frame
// once the engine has sent the to_fs frame before it, with the recorded Event-UUIDs
// rewritten to those the engine generated (same length, so Content-Length holds), and
// compares every frame the engine sends with the recorded one, byte for byte.

type traceRow struct {
	Dir  string `json:"dir"`
	Data string `json:"data"`
}

func loadTrace(t *testing.T, prefix string) []traceRow {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join("testdata", "esl-traces", prefix+"-*.jsonl"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("trace %s: %v %v", prefix, matches, err)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	var rows []traceRow
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var r traceRow
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	return rows
}

// exchange is an engine frame the trace lacks, and what FreeSWITCH answers to it.
type exchange struct{ expect, reply string }

type replaySpec struct {
	trace string
	// override gives the frame the engine sends in place of recorded to_fs row i
	// (nil or "" return: the recorded frame).
	override func(i int, recorded string) string
	skip     map[int]bool       // rows of commands the engine never sends, and their replies
	insert   map[int][]exchange // engine frames that come before row i and are not in the trace
	trailing []string           // engine frames after the trace's last one (its own exit)
	handler  func(ctx context.Context, c *voice.Call, h *helper)
	wantLog  []string
}

// helper runs the public voice API synchronously and keeps an ordered log of what
// the handler saw.
type helper struct {
	mu  sync.Mutex
	log []string
}

func (h *helper) add(format string, args ...any) {
	h.mu.Lock()
	h.log = append(h.log, fmt.Sprintf(format, args...))
	h.mu.Unlock()
}

func (h *helper) lines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.log...)
}

const opTimeout = 5 * time.Second

func (h *helper) exec(c *voice.Call, app, arg string) (*voice.Event, error) {
	type res struct {
		ev  *voice.Event
		err error
	}
	ch := make(chan res, 1)
	c.Execute(app, arg, func(ev *voice.Event, err error) { ch <- res{ev, err} })
	select {
	case r := <-ch:
		return r.ev, r.err
	case <-time.After(opTimeout):
		return nil, fmt.Errorf("execute %s: no completion", app)
	}
}

// run executes app and logs "app response" or "app: error".
func (h *helper) run(c *voice.Call, app, arg string) *voice.Event {
	ev, err := h.exec(c, app, arg)
	h.logResult(app, ev, err)
	return ev
}

func (h *helper) logResult(app string, ev *voice.Event, err error) {
	var he *voice.HangupError
	switch {
	case errors.As(err, &he):
		h.add("%s: HangupError %s", app, he.Cause)
	case err != nil:
		h.add("%s: %v", app, err)
	default:
		h.add("%s %s", app, ev.Get("Application-Response"))
	}
}

func (h *helper) setVar(c *voice.Call, name, value string) {
	ch := make(chan error, 1)
	c.SetVar(name, value, func(_ *voice.Event, err error) { ch <- err })
	select {
	case err := <-ch:
		h.add("set %s: %v", name, err)
	case <-time.After(opTimeout):
		h.add("set %s: timeout", name)
	}
}

func (h *helper) api(c *voice.Call, cmd string) {
	ch := make(chan string, 1)
	c.API(cmd, func(body string, err error) {
		var re *voice.RefusedError
		if errors.As(err, &re) {
			ch <- "refused " + strconv.Quote(body)
			return
		}
		if err != nil {
			ch <- "error " + err.Error()
			return
		}
		ch <- strconv.Quote(body)
	})
	select {
	case s := <-ch:
		h.add("api %s", s)
	case <-time.After(opTimeout):
		h.add("api timeout")
	}
}

func (h *helper) hangup(c *voice.Call, cause string) {
	ch := make(chan error, 1)
	c.Hangup(cause, func(err error) { ch <- err })
	select {
	case err := <-ch:
		h.add("hangup %q: %v, cause %s", cause, err, c.HangupCause())
	case <-time.After(opTimeout):
		h.add("hangup timeout")
	}
}

// waitEvent waits for the first later event of c named name.
func waitEvent(c *voice.Call, name string) func() *voice.Event {
	ch := make(chan *voice.Event, 1)
	var once sync.Once
	cancel := c.Subscribe(func(ev *voice.Event) {
		if ev.Name() == name {
			once.Do(func() { ch <- ev })
		}
	})
	return func() *voice.Event {
		defer cancel()
		select {
		case ev := <-ch:
			return ev
		case <-time.After(opTimeout):
			return nil
		}
	}
}

// logDTMF logs every DTMF event the handler sees.
func logDTMF(c *voice.Call, h *helper) {
	c.Subscribe(func(ev *voice.Event) {
		if ev.Name() == "DTMF" {
			h.add("dtmf %s", ev.Get("DTMF-Digit"))
		}
	})
}

const sounds = "/srv/fsconf/sounds/"

var replaySpecs = []replaySpec{{
	// 01: every kind of completion, DTMF in order, a missing file, then the caller
	// hangs up during sleep: the pending sleep fails with HangupError, exit follows.
	trace: "01",
	handler: func(ctx context.Context, c *voice.Call, h *helper) {
		logDTMF(c, h)
		h.run(c, "answer", "")
		h.run(c, "playback", sounds+"welcome.wav")
		ev, err := h.exec(c, "play_and_get_digits", `1 4 1 7000 # `+sounds+`enter-digits.wav `+sounds+`invalid.wav digits \d+`)
		if err == nil {
			d, _ := ev.Var("digits")
			h.add("digits %s, read_result %s", d, ev.Get("variable_read_result"))
		}
		h.setVar(c, "foo", "bar")
		h.api(c, "uuid_getvar "+c.UUID()+" foo")
		h.api(c, "uuid_getvar "+c.UUID()+" digits")
		h.run(c, "playback", sounds+"does-not-exist.wav")
		h.run(c, "sleep", "3000")
	},
	wantLog: []string{"answer _none_", "playback FILE PLAYED", "dtmf 1", "dtmf 2", "dtmf 3", "dtmf #",
		"digits 123, read_result success", "set foo: <nil>", `api "bar"`, `api "123"`,
		"playback FILE NOT FOUND", "sleep: HangupError NORMAL_CLEARING"},
}, {
	// 02: the engine sends plain linger where the trace's server sent `linger 3`; the
	// recorded "+OK will linger 3 seconds" and the linger notice arriving between the
	// hangup events are taken in stride; the engine sends exit after
	// CHANNEL_HANGUP_COMPLETE, which FreeSWITCH did not wait for in the capture.
	trace:    "02",
	override: func(i int, rec string) string { return map[bool]string{true: "linger\n\n"}[rec == "linger 3\n\n"] },
	trailing: []string{"exit\n\n"},
	handler: func(ctx context.Context, c *voice.Call, h *helper) {
		h.run(c, "answer", "")
		h.run(c, "playback", sounds+"beep.wav")
		h.hangup(c, "USER_BUSY")
	},
	wantLog: []string{"answer _none_", "playback FILE PLAYED", `hangup "USER_BUSY": <nil>, cause USER_BUSY`},
}, {
	// 03: bridge events reach the handler; the bridge completes and the a-leg stays
	// under control; the hangup application fails with HangupError on CHANNEL_HANGUP.
	trace: "03",
	handler: func(ctx context.Context, c *voice.Call, h *helper) {
		c.Subscribe(func(ev *voice.Event) {
			if n := ev.Name(); n == "CHANNEL_BRIDGE" || n == "CHANNEL_UNBRIDGE" {
				h.add("%s %s", n, ev.Get("Other-Leg-Unique-ID"))
			}
		})
		h.run(c, "answer", "")
		h.run(c, "bridge", "loopback/9999/default")
		h.run(c, "playback", sounds+"beep.wav")
		h.run(c, "hangup", "NORMAL_CLEARING")
	},
	wantLog: []string{"answer _none_", "CHANNEL_BRIDGE 846ee5dc-8382-49b8-a4a6-a9831c89bc5e",
		"CHANNEL_UNBRIDGE 846ee5dc-8382-49b8-a4a6-a9831c89bc5e", "bridge _none_", "playback FILE PLAYED",
		"hangup: HangupError NORMAL_CLEARING"},
}, {
	// 04: the engine always asks for linger (the capture's server did not): FreeSWITCH
	// answers it; the unknown application gets no completion and fails with
	// HangupError DESTINATION_OUT_OF_ORDER when FreeSWITCH hangs up.
	trace:    "04",
	insert:   map[int][]exchange{4: {{"linger\n\n", "Content-Type: command/reply\nReply-Text: +OK will linger\n\n"}}},
	trailing: []string{"exit\n\n"},
	handler: func(ctx context.Context, c *voice.Call, h *helper) {
		h.run(c, "answer", "")
		h.run(c, "no_such_app", "some args")
	},
	wantLog: []string{"answer _none_", "no_such_app: HangupError DESTINATION_OUT_OF_ORDER"},
}, {
	// 05: after transfer the handler detaches and keeps receiving the channel's
	// events (the dialplan's own apps); exit comes once the channel is down.
	trace: "05",
	handler: func(ctx context.Context, c *voice.Call, h *helper) {
		h.run(c, "answer", "")
		done := make(chan struct{})
		c.Execute("transfer", "9999 XML default", func(ev *voice.Event, err error) {
			h.logResult("transfer", ev, err)
			c.Subscribe(func(ev *voice.Event) {
				if ev.Name() == "CHANNEL_EXECUTE" {
					h.add("dialplan runs %s", ev.Get("Application"))
				}
			})
			close(done)
		})
		<-done
		c.Detach()
		<-ctx.Done()
		h.add("gone %s", c.HangupCause())
	},
	wantLog: []string{"answer _none_", "transfer _none_", "dialplan runs answer", "dialplan runs playback",
		"dialplan runs hangup", "gone NORMAL_CLEARING"},
}, {
	trace: "06",
	handler: func(ctx context.Context, c *voice.Call, h *helper) {
		h.run(c, "answer", "")
		h.run(c, "speak", "tts_commandline|default|Hello from the event socket test.")
		h.run(c, "hangup", "NORMAL_CLEARING")
	},
	wantLog: []string{"answer _none_", "speak _none_", "hangup: HangupError NORMAL_CLEARING"},
}, {
	// 07: sync mode (replies after the app) changes nothing for the engine; it always
	// sends event-lock. FreeSWITCH sent no CHANNEL_HANGUP_COMPLETE there: the engine
	// sends exit after its hangup grace.
	trace: "07",
	override: func(i int, rec string) string {
		if strings.HasPrefix(rec, "sendmsg\n") && !strings.Contains(rec, "event-lock") {
			return strings.Replace(rec, "Event-UUID:", "event-lock: true\nEvent-UUID:", 1)
		}
		return ""
	},
	handler: func(ctx context.Context, c *voice.Call, h *helper) {
		h.run(c, "answer", "")
		h.run(c, "playback", sounds+"beep.wav")
		h.setVar(c, "foo", "bar")
		h.api(c, "uuid_getvar "+c.UUID()+" foo")
		h.run(c, "playback", sounds+"does-not-exist.wav")
		h.run(c, "playback", sounds+"beep.wav")
		h.run(c, "hangup", "NORMAL_CLEARING")
	},
	wantLog: []string{"answer _none_", "playback FILE PLAYED", "set foo: <nil>", `api "bar"`,
		"playback FILE NOT FOUND", "playback FILE PLAYED", "hangup: HangupError NORMAL_CLEARING"},
}, {
	// 08: the engine never sends unknown commands, bogus call-commands, bgapi or
	// loops, and always names a hangup cause; the rest is replayed: an unknown api is
	// a RefusedError, an argument with a newline travels in a body exactly like the
	// capture's, the second EXECUTE/COMPLETE pair of `loops: 2` is ignored, and
	// BACKGROUND_JOB reaches a subscriber after `event plain BACKGROUND_JOB`.
	trace: "08",
	skip:  map[int]bool{6: true, 7: true, 12: true, 13: true, 35: true, 36: true, 39: true, 40: true},
	override: func(i int, rec string) string {
		switch {
		case strings.HasPrefix(rec, "sendmsg 94e8b9a2"):
			return "sendmsg\n" + rec[strings.IndexByte(rec, '\n')+1:]
		case strings.Contains(rec, "loops: 2\n"):
			return strings.Replace(rec, "loops: 2\n", "", 1)
		case rec == "sendmsg\ncall-command: hangup\n\n":
			return "sendmsg\ncall-command: hangup\nhangup-cause: NORMAL_CLEARING\n\n"
		}
		return ""
	},
	handler: func(ctx context.Context, c *voice.Call, h *helper) {
		h.api(c, "no_such_api_cmd some arg")
		h.api(c, "uuid_getvar "+c.UUID()+" no_such_var")
		h.run(c, "answer", "")
		h.setVar(c, "x", "1")
		h.setVar(c, "long_var", "hello world: with spaces, colons\nand a newline")
		h.api(c, "uuid_getvar "+c.UUID()+" long_var")
		h.run(c, "playback", sounds+"beep.wav")
		job := waitEvent(c, "BACKGROUND_JOB")
		ch := make(chan error, 1)
		c.SubscribeEvents([]string{"BACKGROUND_JOB"}, func(err error) { ch <- err })
		h.add("event plain: %v", <-ch)
		if ev := job(); ev != nil {
			h.add("job %s = %q", ev.Get("Job-Command"), ev.Body())
		}
		h.hangup(c, "")
	},
	wantLog: []string{`api refused "-ERR no_such_api_cmd Command not found!\n"`, `api "_undef_"`, "answer _none_",
		"set x: <nil>", "set long_var: <nil>", `api "hello world: with spaces, colons\nand a newline"`,
		"playback FILE PLAYED", "event plain: <nil>", `job uuid_getvar = "1"`,
		`hangup "": <nil>, cause NORMAL_CLEARING`},
}, {
	// 09: the engine asks for plain events and plain linger; the capture's
	// text/event-json frames are parsed all the same (decoded values).
	trace: "09",
	override: func(i int, rec string) string {
		switch {
		case rec == "myevents json\n\n":
			return "myevents\n\n"
		case rec == "linger 2\n\n":
			return "linger\n\n"
		case strings.Contains(rec, "execute-app-name: hangup") && !strings.Contains(rec, "Event-UUID"):
			return strings.TrimSuffix(rec, "\n") + "Event-UUID: 70f3213b-da3c-4dce-963f-d92752f4dc7c\n\n"
		}
		return ""
	},
	trailing: []string{"exit\n\n"},
	handler: func(ctx context.Context, c *voice.Call, h *helper) {
		ev := h.run(c, "answer", "")
		if ev != nil {
			h.add("json event: %s on %s", ev.Get("Answer-State"), ev.Get("Channel-Name"))
		}
		h.run(c, "hangup", "NORMAL_CLEARING")
	},
	wantLog: []string{"answer _none_", "json event: answered on sofia/external/sipp@127.0.0.1:5070",
		"hangup: HangupError NORMAL_CLEARING"},
}, {
	// 11: no input; the linger notice arrives before the hangup events.
	trace: "11",
	handler: func(ctx context.Context, c *voice.Call, h *helper) {
		h.run(c, "answer", "")
		ev, err := h.exec(c, "play_and_get_digits", `1 4 2 2000 # `+sounds+`beep.wav `+sounds+`invalid.wav digits \d+`)
		if err == nil {
			_, has := ev.Var("digits")
			h.add("digits set %v, read_result %s", has, ev.Get("variable_read_result"))
		}
		h.api(c, "uuid_getvar "+c.UUID()+" digits")
		h.api(c, "uuid_getvar "+c.UUID()+" read_result")
		h.run(c, "hangup", "NORMAL_CLEARING")
	},
	wantLog: []string{"answer _none_", "digits set false, read_result failure", `api "_undef_"`, `api "failure"`,
		"hangup: HangupError NORMAL_CLEARING"},
}, {
	// 12: an interrupted playback completes with FILE PLAYED; after `uuid_break all`
	// the flushed playback never completes: its waiter is released only by the
	// hangup, with HangupError.
	trace: "12",
	handler: func(ctx context.Context, c *voice.Call, h *helper) {
		h.run(c, "answer", "")
		started := waitEvent(c, "CHANNEL_EXECUTE")
		first := make(chan string, 3)
		c.Execute("playback", sounds+"welcome.wav", func(ev *voice.Event, err error) { first <- result(ev, err) })
		started()
		h.api(c, "uuid_break "+c.UUID())
		h.add("first playback %s", <-first)
		started = waitEvent(c, "CHANNEL_EXECUTE")
		c.Execute("playback", sounds+"welcome.wav", func(ev *voice.Event, err error) { first <- result(ev, err) })
		flushed := make(chan string, 1)
		c.Execute("playback", sounds+"goodbye.wav", func(ev *voice.Event, err error) { flushed <- result(ev, err) })
		started()
		h.api(c, "uuid_break "+c.UUID()+" all")
		h.add("second playback %s", <-first)
		select {
		case s := <-flushed:
			h.add("flushed playback completed early: %s", s)
		case <-time.After(100 * time.Millisecond):
		}
		h.run(c, "hangup", "NORMAL_CLEARING")
		h.add("flushed playback %s", <-flushed)
	},
	wantLog: []string{"answer _none_", `api "+OK\n"`, "first playback FILE PLAYED", `api "+OK\n"`,
		"second playback FILE PLAYED", "hangup: HangupError NORMAL_CLEARING", "flushed playback HangupError NORMAL_CLEARING"},
}}

func result(ev *voice.Event, err error) string {
	var he *voice.HangupError
	if errors.As(err, &he) {
		return "HangupError " + he.Cause
	}
	if err != nil {
		return err.Error()
	}
	return ev.Get("Application-Response")
}

// startEngine runs a voice.Server on a loopback port.
func startEngine(t *testing.T, h voice.Handler, logs io.Writer) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &voice.Server{
		Handler:        h,
		Logger:         zerolog.New(logs),
		ConnectTimeout: 300 * time.Millisecond,
		HangupGrace:    200 * time.Millisecond,
		ExitTimeout:    2 * time.Second,
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
			t.Errorf("calls still running at the end: %v", err)
		}
	})
	return l.Addr().String()
}

// player is FreeSWITCH replaying a capture.
type player struct {
	t     *testing.T
	nc    net.Conn
	br    *bufio.Reader
	uuids map[string]string // recorded Event-UUID -> the engine's
}

// readEngineFrame reads one command as the engine wrote it.
func (p *player) readEngineFrame() (string, error) {
	_ = p.nc.SetReadDeadline(time.Now().Add(opTimeout))
	var b strings.Builder
	n := 0
	for {
		line, err := p.br.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			return b.String(), err
		}
		if line == "\n" {
			break
		}
		if name, v, ok := strings.Cut(strings.TrimSuffix(line, "\n"), ": "); ok && strings.EqualFold(name, "content-length") {
			n, _ = strconv.Atoi(v)
		}
	}
	if n > 0 {
		body := make([]byte, n)
		if _, err := io.ReadFull(p.br, body); err != nil {
			return b.String(), err
		}
		b.Write(body)
	}
	return b.String(), nil
}

func eventUUID(frame string) string {
	const key = "\nEvent-UUID: "
	i := strings.Index(frame, key)
	if i < 0 {
		return ""
	}
	rest := frame[i+len(key):]
	return rest[:strings.IndexByte(rest, '\n')]
}

// expect reads the engine's next frame and compares it with want after mapping
// want's Event-UUID to the engine's.
func (p *player) expect(row int, want string) {
	p.t.Helper()
	got, err := p.readEngineFrame()
	if err != nil {
		p.t.Fatalf("row %d: reading the engine's frame (want %q): %v (got %q)", row, want, err, got)
	}
	if w, g := eventUUID(want), eventUUID(got); w != "" && g != "" {
		if len(w) != len(g) {
			p.t.Fatalf("row %d: Event-UUID %q is not the recorded length", row, g)
		}
		p.uuids[w] = g
		want = strings.ReplaceAll(want, w, g)
	}
	if got != want {
		p.t.Fatalf("row %d: engine sent\n%q\nwant\n%q", row, got, want)
	}
}

func (p *player) send(row int, data string) {
	p.t.Helper()
	for rec, eng := range p.uuids {
		data = strings.ReplaceAll(data, rec, eng)
	}
	if _, err := io.WriteString(p.nc, data); err != nil {
		p.t.Fatalf("row %d: write: %v", row, err)
	}
}

func TestReplayTraces(t *testing.T) {
	t.Parallel()
	for _, spec := range replaySpecs {
		t.Run(spec.trace, func(t *testing.T) {
			t.Parallel()
			rows := loadTrace(t, spec.trace)
			h := &helper{}
			handled := make(chan struct{})
			var logs syncBuffer
			addr := startEngine(t, voice.HandlerFunc(func(ctx context.Context, c *voice.Call) {
				defer close(handled)
				spec.handler(ctx, c, h)
			}), &logs)
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			p := &player{t: t, nc: nc, br: bufio.NewReader(nc), uuids: map[string]string{}}
			exitSeen := false
			for i, r := range rows {
				for _, x := range spec.insert[i] {
					p.expect(i, x.expect)
					p.send(i, x.reply)
				}
				if spec.skip[i] {
					continue
				}
				switch {
				case r.Dir == "to_fs":
					want := r.Data
					if spec.override != nil {
						if o := spec.override(i, r.Data); o != "" {
							want = o
						}
					}
					p.expect(i, want)
					exitSeen = exitSeen || want == "exit\n\n"
				case r.Data == "": // FreeSWITCH closed the socket
					for _, tr := range spec.trailing {
						p.expect(i, tr)
						exitSeen = exitSeen || tr == "exit\n\n"
					}
					_ = nc.Close()
				default:
					p.send(i, r.Data)
				}
			}
			if !exitSeen {
				t.Error("the engine never sent exit")
			}
			select {
			case <-handled:
			case <-time.After(opTimeout):
				t.Fatal("handler did not return")
			}
			if got := h.lines(); strings.Join(got, "\n") != strings.Join(spec.wantLog, "\n") {
				t.Errorf("handler saw:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(spec.wantLog, "\n  "))
			}
		})
	}
}

// TestReplayConnectRefused replays trace 10: FreeSWITCH gave up before connect and
// answers it with a disconnect notice and EOF; then a FreeSWITCH that never answers
// connect. The engine reports both, never starts a handler, and keeps serving.
func TestReplayConnectRefused(t *testing.T) {
	t.Parallel()
	rows := loadTrace(t, "10")
	for _, tc := range []struct {
		name  string
		reply bool
	}{{"trace 10 notice before connect reply", true}, {"connect never answered", false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			called := make(chan struct{}, 1)
			addr := startEngine(t, voice.HandlerFunc(func(context.Context, *voice.Call) { called <- struct{}{} }), &logs)
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			p := &player{t: t, nc: nc, br: bufio.NewReader(nc), uuids: map[string]string{}}
			p.expect(0, rows[0].Data)
			if tc.reply {
				p.send(1, rows[1].Data)
				_ = nc.(*net.TCPConn).CloseWrite()
			}
			if rest, err := p.readEngineFrame(); err == nil || rest != "" {
				t.Errorf("engine sent %q after connect (err %v), want EOF", rest, err)
			}
			select {
			case <-called:
				t.Error("handler ran for a call that was never connected")
			default:
			}
			if !strings.Contains(logs.String(), "connect to freeswitch failed") {
				t.Errorf("failure not reported; logs: %s", logs.String())
			}
		})
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
