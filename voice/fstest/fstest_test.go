package fstest_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/callforge/callforge/voice/fstest"
	"github.com/callforge/callforge/voice/internal/esl"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// engine is a tiny hand-written ESL client standing in for callforge.
type engine struct {
	t  testing.TB
	nc net.Conn
	r  *esl.Reader
}

// start runs a simulated call against a raw socket and returns both ends.
func start(t testing.TB, cfg fstest.CallConfig, setup func(*fstest.Call)) (*fstest.Call, *engine) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	call, err := fstest.Dial(ctx, l.Addr().String(), cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	nc, err := l.Accept()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if setup != nil {
		setup(call)
	}
	t.Cleanup(func() {
		nc.Close()
		call.Close()
		_, _ = call.Wait(context.Background())
		cancel()
	})
	return call, &engine{t: t, nc: nc, r: esl.NewReader(nc)}
}

func (e *engine) send(s string) {
	e.t.Helper()
	if _, err := io.WriteString(e.nc, s); err != nil {
		e.t.Fatalf("write %q: %v", s, err)
	}
}

// next reads one frame and describes it with a short label.
func (e *engine) next() (string, *esl.Frame) {
	e.t.Helper()
	_ = e.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	f, err := e.r.ReadFrame()
	if errors.Is(err, io.EOF) {
		return "EOF", nil
	}
	if err != nil {
		e.t.Fatalf("read frame: %v", err)
	}
	return label(f), f
}

func label(f *esl.Frame) string {
	switch f.ContentType() {
	case esl.TypeReply:
		if v, ok := f.Headers.Raw("Event-Name"); ok {
			return v
		}
		v, _ := f.Headers.Raw("Reply-Text")
		return "reply:" + v
	case esl.TypeAPI:
		return "api:" + f.Body
	case esl.TypeDisconnect:
		d, _ := f.Headers.Raw("Content-Disposition")
		if lt, ok := f.Headers.Raw("Linger-Time"); ok {
			return "notice:" + d + " " + lt
		}
		return "notice:" + d
	case esl.TypeEventPlain, esl.TypeEventJSON:
		ev := f.Event
		name := ev.Get("Event-Name")
		switch name {
		case "CHANNEL_EXECUTE":
			return name + " " + ev.Get("Application") + " [" + ev.Get("Application-UUID") + "]"
		case "CHANNEL_EXECUTE_COMPLETE":
			return name + " " + ev.Get("Application") + " " + ev.Get("Application-Response") + " [" + ev.Get("Application-UUID") + "]"
		case "DTMF":
			return name + " " + ev.Get("DTMF-Digit")
		case "CHANNEL_HANGUP":
			return name + " " + ev.Get("Hangup-Cause")
		case "CHANNEL_STATE":
			return name + " " + ev.Get("Channel-State")
		case "BACKGROUND_JOB":
			return name + " " + ev.Body
		}
		return name
	}
	return "?" + f.ContentType()
}

// expect reads frames and compares their labels with want, in order.
func (e *engine) expect(want ...string) []*esl.Frame {
	e.t.Helper()
	var frames []*esl.Frame
	for i, w := range want {
		got, f := e.next()
		if got != w {
			e.t.Fatalf("frame %d: got %q, want %q", i, got, w)
		}
		frames = append(frames, f)
	}
	return frames
}

func execMsg(app, arg, id string) string {
	s := "sendmsg\ncall-command: execute\nexecute-app-name: " + app + "\n"
	if arg != "" {
		s += "execute-app-arg: " + arg + "\n"
	}
	return s + "event-lock: true\nEvent-UUID: " + id + "\n\n"
}

const setupCmds = "connect\n\nmyevents\n\nlinger\n\n"

var setupWant = []string{"CHANNEL_DATA", "reply:+OK Events Enabled", "reply:+OK will linger"}

// hangupTail is fact 6 after the running app's completion.
func hangupTail(lastResponse string) []string {
	return []string{"CHANNEL_UNPARK", "CHANNEL_EXECUTE_COMPLETE socket " + lastResponse + " [SOCKET]",
		"CHANNEL_STATE CS_HANGUP", "CHANNEL_STATE CS_REPORTING", "CHANNEL_HANGUP_COMPLETE"}
}

type step struct {
	send string
	do   func(*fstest.Call)
	want []string
}

func TestScenarios(t *testing.T) {
	t.Parallel()
	long := func(app, arg string) time.Duration {
		if app == "playback" && strings.Contains(arg, "long") {
			return time.Minute
		}
		return 0
	}
	cases := []struct {
		name  string
		cfg   fstest.CallConfig
		setup func(*fstest.Call)
		steps []step
		check func(*testing.T, *fstest.Call, fstest.Result)
	}{{
		name: "trace 01: answer, playback, digits, set, getvar, missing file, caller hangs up in sleep, linger, exit",
		setup: func(c *fstest.Call) {
			c.PressOn("play_and_get_digits", "123#")
			c.MissingFile("/s/missing.wav")
			c.HangupOn("sleep", 0, "NORMAL_CLEARING")
		},
		steps: []step{
			{send: setupCmds, want: setupWant},
			{send: execMsg("answer", "", "u1"), want: []string{"reply:+OK", "CHANNEL_EXECUTE answer [u1]", "CHANNEL_ANSWER", "CHANNEL_EXECUTE_COMPLETE answer _none_ [u1]"}},
			{send: execMsg("playback", "/s/welcome.wav", "u2"), want: []string{"reply:+OK", "CHANNEL_EXECUTE playback [u2]", "CHANNEL_EXECUTE_COMPLETE playback FILE PLAYED [u2]"}},
			{send: execMsg("play_and_get_digits", `1 4 1 7000 # /s/enter.wav /s/invalid.wav digits \d+`, "u3"), want: []string{"reply:+OK", "CHANNEL_EXECUTE play_and_get_digits [u3]", "DTMF 1", "DTMF 2", "DTMF 3", "DTMF #", "CHANNEL_EXECUTE_COMPLETE play_and_get_digits _none_ [u3]"}},
			{send: execMsg("set", "foo=bar", "u4"), want: []string{"reply:+OK", "CHANNEL_EXECUTE set [u4]", "CHANNEL_EXECUTE_COMPLETE set _none_ [u4]"}},
			{send: "api uuid_getvar {uuid} foo\n\n", want: []string{"api:bar"}},
			{send: "api uuid_getvar {uuid} digits\n\n", want: []string{"api:123"}},
			{send: "api uuid_getvar {uuid} read_result\n\n", want: []string{"api:success"}},
			{send: execMsg("playback", "/s/missing.wav", "u5"), want: []string{"reply:+OK", "CHANNEL_EXECUTE playback [u5]", "CHANNEL_EXECUTE_COMPLETE playback FILE NOT FOUND [u5]"}},
			{send: execMsg("sleep", "3000", "u6"), want: append([]string{"reply:+OK", "CHANNEL_EXECUTE sleep [u6]", "CHANNEL_HANGUP NORMAL_CLEARING", "CHANNEL_EXECUTE_COMPLETE sleep _none_ [u6]"}, append(hangupTail("_none_"), "notice:linger -1")...)},
			{send: "exit\n\n", want: []string{"reply:+OK bye", "notice:disconnect", "EOF"}},
		},
		check: func(t *testing.T, c *fstest.Call, r fstest.Result) {
			if r.HangupCause != "NORMAL_CLEARING" || !r.ExitReceived || !r.Closed {
				t.Errorf("result %+v", r)
			}
			if v, _ := c.Var("foo"); v != "bar" {
				t.Errorf("foo = %q", v)
			}
		},
	}, {
		name: "trace 02: sendmsg hangup with cause, linger 1 closes by itself",
		steps: []step{
			{send: "connect\n\nmyevents\n\nlinger 1\n\n", want: []string{"CHANNEL_DATA", "reply:+OK Events Enabled", "reply:+OK will linger 1 seconds"}},
			{send: "sendmsg\ncall-command: hangup\nhangup-cause: USER_BUSY\n\n", want: append(append([]string{"reply:+OK", "CHANNEL_HANGUP USER_BUSY"}, hangupTail("_none_")...), "notice:linger 1", "notice:disconnect", "EOF")},
		},
		check: func(t *testing.T, c *fstest.Call, r fstest.Result) {
			if r.HangupCause != "USER_BUSY" || r.ExitReceived {
				t.Errorf("result %+v", r)
			}
		},
	}, {
		name:  "trace 04: unknown application, no linger",
		setup: func(c *fstest.Call) { c.UnknownApp("no_such_app") },
		steps: []step{
			{send: "connect\n\nmyevents\n\n", want: []string{"CHANNEL_DATA", "reply:+OK Events Enabled"}},
			{send: execMsg("no_such_app", "some args", "u1"), want: append(append([]string{"reply:+OK", "CHANNEL_HANGUP DESTINATION_OUT_OF_ORDER"}, hangupTail("_none_")...), "notice:disconnect", "EOF")},
		},
	}, {
		name: "trace 03: bridge succeeds, a-leg stays; hangup app",
		steps: []step{
			{send: setupCmds, want: setupWant},
			{send: execMsg("bridge", "loopback/9999/default", "u1"), want: []string{"reply:+OK", "CHANNEL_EXECUTE bridge [u1]", "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE", "CHANNEL_EXECUTE_COMPLETE bridge _none_ [u1]"}},
			{send: "api uuid_getvar {uuid} originate_disposition\n\n", want: []string{"api:SUCCESS"}},
			{send: execMsg("hangup", "NORMAL_CLEARING", "u2"), want: append(append([]string{"reply:+OK", "CHANNEL_EXECUTE hangup [u2]", "CHANNEL_HANGUP NORMAL_CLEARING", "CHANNEL_EXECUTE_COMPLETE hangup _none_ [u2]"}, hangupTail("_none_")...), "notice:linger -1")},
		},
	}, {
		name:  "bridge fails with USER_BUSY and continue_on_fail: no BRIDGE events, a-leg up",
		setup: func(c *fstest.Call) { c.FailBridge("USER_BUSY") },
		steps: []step{
			{send: setupCmds, want: setupWant},
			{send: execMsg("set", "continue_on_fail=true", "u0"), want: []string{"reply:+OK", "CHANNEL_EXECUTE set [u0]", "CHANNEL_EXECUTE_COMPLETE set _none_ [u0]"}},
			{send: execMsg("bridge", "sofia/gateway/x/1", "u1"), want: []string{"reply:+OK", "CHANNEL_EXECUTE bridge [u1]", "CHANNEL_EXECUTE_COMPLETE bridge _none_ [u1]"}},
			{send: "api uuid_getvar {uuid} originate_disposition\n\n", want: []string{"api:USER_BUSY"}},
			{send: "api uuid_getvar {uuid} DIALSTATUS\n\n", want: []string{"api:BUSY"}},
		},
	}, {
		name:  "bridge fails without continue_on_fail: the switch hangs the a-leg up with the cause",
		setup: func(c *fstest.Call) { c.FailBridge("SUBSCRIBER_ABSENT") },
		steps: []step{
			{send: setupCmds, want: setupWant},
			{send: execMsg("bridge", "user/9999", "u1"), want: append([]string{"reply:+OK", "CHANNEL_EXECUTE bridge [u1]", "CHANNEL_HANGUP SUBSCRIBER_ABSENT", "CHANNEL_EXECUTE_COMPLETE bridge _none_ [u1]"}, append(hangupTail("_none_"), "notice:linger -1")...)},
		},
	}, {
		name:  "continue_on_fail listing other causes: the failed bridge hangs the a-leg up with its cause",
		setup: func(c *fstest.Call) { c.FailBridge("USER_BUSY") },
		steps: []step{
			{send: setupCmds, want: setupWant},
			{send: execMsg("set", "continue_on_fail=NO_ANSWER,NORMAL_TEMPORARY_FAILURE", "u0"), want: []string{"reply:+OK", "CHANNEL_EXECUTE set [u0]", "CHANNEL_EXECUTE_COMPLETE set _none_ [u0]"}},
			{send: execMsg("bridge", "sofia/gateway/x/1", "u1"), want: append([]string{"reply:+OK", "CHANNEL_EXECUTE bridge [u1]", "CHANNEL_HANGUP USER_BUSY", "CHANNEL_EXECUTE_COMPLETE bridge _none_ [u1]"}, append(hangupTail("_none_"), "notice:linger -1")...)},
		},
	}, {
		name:  "continue_on_fail listing the cause: a-leg up",
		setup: func(c *fstest.Call) { c.FailBridge("NO_ANSWER") },
		steps: []step{
			{send: setupCmds, want: setupWant},
			{send: execMsg("set", "continue_on_fail=NO_ANSWER,USER_BUSY", "u0"), want: []string{"reply:+OK", "CHANNEL_EXECUTE set [u0]", "CHANNEL_EXECUTE_COMPLETE set _none_ [u0]"}},
			{send: execMsg("bridge", "sofia/gateway/x/1", "u1"), want: []string{"reply:+OK", "CHANNEL_EXECUTE bridge [u1]", "CHANNEL_EXECUTE_COMPLETE bridge _none_ [u1]"}},
		},
	}, {
		name: "trace 05: transfer completes the socket app, the connection stays",
		steps: []step{
			{send: setupCmds, want: setupWant},
			{send: execMsg("transfer", "9999 XML default", "u1"), want: []string{"reply:+OK", "CHANNEL_EXECUTE transfer [u1]", "CHANNEL_EXECUTE_COMPLETE transfer _none_ [u1]", "CHANNEL_UNPARK", "CHANNEL_EXECUTE_COMPLETE socket _none_ [SOCKET]", "CHANNEL_STATE CS_ROUTING", "CHANNEL_STATE CS_EXECUTE"}},
			{do: func(c *fstest.Call) { c.HangupNow("NORMAL_CLEARING") }, want: []string{"CHANNEL_HANGUP NORMAL_CLEARING", "CHANNEL_STATE CS_HANGUP", "CHANNEL_STATE CS_REPORTING", "CHANNEL_HANGUP_COMPLETE", "notice:linger -1"}},
			{send: "exit\n\n", want: []string{"reply:+OK bye", "notice:disconnect", "EOF"}},
		},
	}, {
		name: "trace 08: protocol errors, bgapi, loops, body argument",
		steps: []step{
			{send: setupCmds, want: setupWant},
			{send: "foo_unknown_command\n\n", want: []string{"reply:-ERR command not found"}},
			{send: "api no_such_api_cmd some arg\n\n", want: []string{"api:-ERR no_such_api_cmd Command not found!\n"}},
			{send: "api md5 hello\n\n", want: []string{"api:5d41402abc4b2a76b9719d911017c592"}},
			{send: "api uuid_getvar {uuid} no_such_var\n\n", want: []string{"api:_undef_"}},
			{send: "sendmsg\ncall-command: bogus\n\n", want: []string{"reply:+OK"}},
			{send: "sendmsg\ncall-command: execute\nexecute-app-name: set\nevent-lock: true\nEvent-UUID: u1\ncontent-type: text/plain\ncontent-length: 19\n\nlong_var=a: b\nc d e", want: []string{"reply:+OK", "CHANNEL_EXECUTE set [u1]", "CHANNEL_EXECUTE_COMPLETE set _none_ [u1]"}},
			{send: "api uuid_getvar {uuid} long_var\n\n", want: []string{"api:a: b\nc d e"}},
			{send: "sendmsg\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: /s/beep.wav\nloops: 2\nevent-lock: true\nEvent-UUID: u2\n\n", want: []string{"reply:+OK", "CHANNEL_EXECUTE playback [u2]", "CHANNEL_EXECUTE_COMPLETE playback FILE PLAYED [u2]", "CHANNEL_EXECUTE playback [u2]", "CHANNEL_EXECUTE_COMPLETE playback FILE PLAYED [u2]"}},
			{send: "bgapi uuid_getvar {uuid} long_var\n\n", want: []string{"reply:+OK Job-UUID: JOB"}},
			{send: "event plain BACKGROUND_JOB\n\n", want: []string{"reply:+OK event listener enabled plain"}},
			{send: "bgapi uuid_getvar {uuid} long_var\n\n", want: []string{"reply:+OK Job-UUID: JOB", "BACKGROUND_JOB a: b\nc d e"}},
			{send: "sendmsg\ncall-command: hangup\n\n", want: append(append([]string{"reply:+OK", "CHANNEL_HANGUP NORMAL_CLEARING"}, hangupTail("FILE PLAYED")...), "notice:linger -1")},
		},
	}, {
		name:  "trace 12: uuid_break ends playback with FILE PLAYED; break all drops queued apps",
		cfg:   fstest.CallConfig{Media: long},
		setup: func(c *fstest.Call) {},
		steps: []step{
			{send: setupCmds, want: setupWant},
			{send: execMsg("playback", "/s/long.wav", "u1"), want: []string{"reply:+OK", "CHANNEL_EXECUTE playback [u1]"}},
			{send: "api uuid_break {uuid}\n\n", want: []string{"api:+OK\n", "CHANNEL_EXECUTE_COMPLETE playback FILE PLAYED [u1]"}},
			{send: execMsg("playback", "/s/long.wav", "u2"), want: []string{"reply:+OK", "CHANNEL_EXECUTE playback [u2]"}},
			{send: execMsg("playback", "/s/long2.wav", "u3"), want: []string{"reply:+OK"}},
			{send: "api uuid_break {uuid} all\n\n", want: []string{"api:+OK\n", "CHANNEL_EXECUTE_COMPLETE playback FILE PLAYED [u2]"}},
			{send: execMsg("answer", "", "u4"), want: []string{"reply:+OK", "CHANNEL_EXECUTE answer [u4]", "CHANNEL_ANSWER", "CHANNEL_EXECUTE_COMPLETE answer _none_ [u4]"}},
		},
	}, {
		name: "trace 11: play_and_get_digits without input fails",
		steps: []step{
			{send: setupCmds, want: setupWant},
			{send: execMsg("play_and_get_digits", `1 4 2 2000 # /s/beep.wav /s/invalid.wav digits \d+`, "u1"), want: []string{"reply:+OK", "CHANNEL_EXECUTE play_and_get_digits [u1]", "CHANNEL_EXECUTE_COMPLETE play_and_get_digits _none_ [u1]"}},
			{send: "api uuid_getvar {uuid} digits\n\n", want: []string{"api:_undef_"}},
			{send: "api uuid_getvar {uuid} read_result\n\n", want: []string{"api:failure"}},
		},
	}, {
		name:  "play_and_get_digits with invalid input in every try",
		setup: func(c *fstest.Call) { c.PressOn("play_and_get_digits", "ab#x#") },
		steps: []step{
			{send: setupCmds, want: setupWant},
			{send: execMsg("play_and_get_digits", `1 4 2 2000 # /s/beep.wav /s/invalid.wav digits \d+`, "u1"), want: []string{"reply:+OK", "CHANNEL_EXECUTE play_and_get_digits [u1]", "DTMF a", "DTMF b", "DTMF #", "DTMF x", "DTMF #", "CHANNEL_EXECUTE_COMPLETE play_and_get_digits _none_ [u1]"}},
			{send: "api uuid_getvar {uuid} digits\n\n", want: []string{"api:_undef_"}},
			{send: "api uuid_getvar {uuid} digits_invalid\n\n", want: []string{"api:x"}},
			{send: "api uuid_getvar {uuid} read_result\n\n", want: []string{"api:failure"}},
		},
	}, {
		name: "exit before hangup: +OK bye, notice, close; channel stays up",
		steps: []step{
			{send: setupCmds, want: setupWant},
			{send: "exit\n\n", want: []string{"reply:+OK bye", "notice:disconnect", "EOF"}},
		},
		check: func(t *testing.T, c *fstest.Call, r fstest.Result) {
			if r.HangupCause != "" || !r.ExitReceived {
				t.Errorf("result %+v", r)
			}
		},
	}, {
		name:  "record ends on a terminator; block_dtmf drops digits",
		setup: func(c *fstest.Call) { c.PressOn("record", "1#") },
		cfg: fstest.CallConfig{Media: func(app, _ string) time.Duration {
			if app == "record" {
				return time.Minute
			}
			return 0
		}},
		steps: []step{
			{send: setupCmds, want: setupWant},
			{send: execMsg("record", "/tmp/x.wav 30", "u1"), want: []string{"reply:+OK", "CHANNEL_EXECUTE record [u1]", "DTMF 1", "DTMF #", "CHANNEL_EXECUTE_COMPLETE record _none_ [u1]"}},
			{send: "api uuid_getvar {uuid} playback_terminator_used\n\n", want: []string{"api:#"}},
			{send: execMsg("block_dtmf", "", "u2"), want: []string{"reply:+OK", "CHANNEL_EXECUTE block_dtmf [u2]", "CHANNEL_EXECUTE_COMPLETE block_dtmf _none_ [u2]"}},
			{do: func(c *fstest.Call) { c.SendDTMF("9") }, send: execMsg("unblock_dtmf", "", "u3"), want: []string{"reply:+OK", "CHANNEL_EXECUTE unblock_dtmf [u3]", "CHANNEL_EXECUTE_COMPLETE unblock_dtmf _none_ [u3]"}},
			{do: func(c *fstest.Call) { c.SendDTMF("5") }, want: []string{"DTMF 5"}},
		},
	}, {
		name: "conference runs until the test ends it",
		cfg:  fstest.CallConfig{LingerNoticeFirst: true},
		steps: []step{
			{send: setupCmds, want: setupWant},
			{send: execMsg("conference", "room1", "u1"), want: []string{"reply:+OK", "CHANNEL_EXECUTE conference [u1]"}},
			{do: func(c *fstest.Call) { c.StopApp() }, want: []string{"CHANNEL_EXECUTE_COMPLETE conference _none_ [u1]"}},
			{send: execMsg("echo", "", "u2"), want: []string{"reply:+OK", "CHANNEL_EXECUTE echo [u2]"}},
			{do: func(c *fstest.Call) { c.HangupNow("ORIGINATOR_CANCEL") }, want: append([]string{"notice:linger -1", "CHANNEL_HANGUP ORIGINATOR_CANCEL", "CHANNEL_EXECUTE_COMPLETE echo _none_ [u2]"}, hangupTail("_none_")...)},
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			call, eng := start(t, tc.cfg, tc.setup)
			for _, s := range tc.steps {
				if s.do != nil {
					s.do(call)
				}
				if s.send != "" {
					eng.send(strings.ReplaceAll(s.send, "{uuid}", call.UUID()))
				}
				for i, w := range s.want {
					got, f := eng.next()
					w = strings.ReplaceAll(w, "[SOCKET]", "[*]")
					if strings.HasSuffix(w, "[*]") && f != nil {
						got = got[:strings.LastIndexByte(got, '[')] + "[*]"
					}
					if strings.HasPrefix(w, "reply:+OK Job-UUID: ") && strings.HasPrefix(got, "reply:+OK Job-UUID: ") {
						got = "reply:+OK Job-UUID: JOB"
					}
					if got != w {
						t.Fatalf("after %q: frame %d: got %q, want %q", firstLine(s.send), i, got, w)
					}
				}
			}
			if tc.check != nil {
				eng.nc.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				r, err := call.Wait(ctx)
				if err != nil {
					t.Fatal(err)
				}
				tc.check(t, call, r)
			}
		})
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func TestConnectReplyIsOneFrameWithContentTypeLast(t *testing.T) {
	t.Parallel()
	call, eng := start(t, fstest.CallConfig{UUID: "11111111-2222-3333-4444-555555555555", Destination: "1001",
		CallerIDNumber: "5551234", CallerIDName: "Ann Lee", Vars: map[string]string{"voice_script": "ivr/main.js"}}, nil)
	eng.send("connect\n\n")
	_, f := eng.next()
	hs := f.Headers.List()
	n := len(hs)
	var last []string
	for _, h := range hs[n-4:] {
		last = append(last, h.Name+": "+h.Value)
	}
	if want := "Content-Type: command/reply|Reply-Text: %2BOK%0A|Socket-Mode: async|Control: full"; strings.Join(last, "|") != want {
		t.Errorf("last headers %q, want %q", strings.Join(last, "|"), want)
	}
	if _, ok := f.Headers.Raw("Content-Length"); ok || f.Body != "" {
		t.Error("connect reply has a Content-Length or a body")
	}
	data := esl.NewEvent(f.Headers, true)
	for name, want := range map[string]string{
		"Unique-ID": call.UUID(), "Caller-Destination-Number": "1001", "Caller-Caller-ID-Name": "Ann Lee",
		"Caller-Caller-ID-Number": "5551234", "Channel-State": "CS_EXECUTE", "Channel-Call-State": "RINGING",
		"Answer-State": "ringing", "variable_voice_script": "ivr/main.js", "Event-Name": "CHANNEL_DATA",
		"variable_current_application": "socket",
	} {
		if got := data.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if raw, _ := f.Headers.Raw("Caller-Caller-ID-Name"); raw != "Ann%20Lee" {
		t.Errorf("values are not URL-encoded: %q", raw)
	}
	if n < 140 {
		t.Errorf("connect reply has %d headers, a real one has about 150", n)
	}
}

func TestConnectTimeoutSendsDisconnectNotice(t *testing.T) {
	t.Parallel()
	call, eng := start(t, fstest.CallConfig{ConnectTimeout: 50 * time.Millisecond}, nil)
	eng.expect("notice:disconnect", "EOF")
	r, err := call.Wait(context.Background())
	if err != nil || !r.ConnectTimedOut || !r.Closed {
		t.Fatalf("result %+v, %v", r, err)
	}
}

func TestMyEventsJSON(t *testing.T) {
	t.Parallel()
	_, eng := start(t, fstest.CallConfig{CallerIDNumber: "sipp"}, nil)
	eng.send("connect\n\nmyevents json\n\nlinger 2\n\n")
	eng.expect("CHANNEL_DATA", "reply:+OK Events Enabled", "reply:+OK will linger 2 seconds")
	eng.send(execMsg("answer", "", "u1"))
	fr := eng.expect("reply:+OK", "CHANNEL_EXECUTE answer [u1]", "CHANNEL_ANSWER", "CHANNEL_EXECUTE_COMPLETE answer _none_ [u1]")
	if ct := fr[1].ContentType(); ct != esl.TypeEventJSON {
		t.Fatalf("content type %q", ct)
	}
	if !strings.HasPrefix(fr[1].Body, `{"Event-Name":"CHANNEL_EXECUTE","Core-UUID":`) || !strings.HasSuffix(fr[1].Body, `"Application-UUID":"u1"}`) {
		t.Errorf("json body %.80q...", fr[1].Body)
	}
	if got := fr[1].Event.Get("Channel-Name"); got != "sofia/external/sipp@127.0.0.1:5070" {
		t.Errorf("Channel-Name %q", got)
	}
}

func TestDTMFBurstInOrder(t *testing.T) {
	t.Parallel()
	call, eng := start(t, fstest.CallConfig{}, nil)
	eng.send(setupCmds)
	eng.expect(setupWant...)
	const digits = "0123456789*#ABCD"
	var want, all []string
	for len(want) < 500 {
		for i := 0; i < len(digits) && len(want) < 500; i++ {
			want = append(want, "DTMF "+digits[i:i+1])
			all = append(all, digits[i:i+1])
		}
	}
	call.SendDTMF(strings.Join(all, ""))
	eng.expect(want...)
}

func TestEventHeadersLikeFreeSWITCH(t *testing.T) {
	t.Parallel()
	call, eng := start(t, fstest.CallConfig{}, nil)
	eng.send(setupCmds)
	eng.expect(setupWant...)
	eng.send(execMsg("set", "foo=a b", "u1"))
	fr := eng.expect("reply:+OK", "CHANNEL_EXECUTE set [u1]", "CHANNEL_EXECUTE_COMPLETE set _none_ [u1]")
	ex, done := fr[1].Event, fr[2].Event
	if ex.Get("Application-Data") != "foo=a b" || ex.Get("Unique-ID") != call.UUID() {
		t.Errorf("EXECUTE headers: data %q uid %q", ex.Get("Application-Data"), ex.Get("Unique-ID"))
	}
	if done.Get("variable_foo") != "a b" {
		t.Errorf("COMPLETE lacks the new variable: %q", done.Get("variable_foo"))
	}
	if n := done.Len(); n < 100 {
		t.Errorf("COMPLETE has %d headers", n)
	}
	if ex.Get("Event-Sequence") >= done.Get("Event-Sequence") && len(ex.Get("Event-Sequence")) == len(done.Get("Event-Sequence")) {
		t.Errorf("Event-Sequence not increasing: %s then %s", ex.Get("Event-Sequence"), done.Get("Event-Sequence"))
	}
	raw, _ := fr[1].Headers.Raw("Content-Length")
	if outer := fr[1].Headers.List(); raw == "" || outer[0].Name != "Content-Length" || outer[1].Value != "text/event-plain" {
		t.Errorf("outer headers %+v", fr[1].Headers)
	}
	cmds := call.Commands()
	if len(cmds) != 4 || cmds[3].App != "set" || cmds[3].Arg != "foo=a b" || cmds[3].EventUUID != "u1" {
		t.Fatalf("commands %+v", cmds)
	}
	if cmds[3].EngineTime < 0 {
		t.Errorf("no engine time for a command sent while idle")
	}
}
