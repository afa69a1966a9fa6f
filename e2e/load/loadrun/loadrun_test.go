package loadrun

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/callforge/callforge/voice/fstest"
)

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no address", Config{Calls: 1}},
		{"no calls", Config{Addr: "127.0.0.1:1"}},
		{"negative concurrency", Config{Addr: "127.0.0.1:1", Calls: 1, Concurrency: -1}},
		{"negative rate", Config{Addr: "127.0.0.1:1", Calls: 1, Rate: -5}},
		{"negative media", Config{Addr: "127.0.0.1:1", Calls: 1, Media: -time.Second}},
		{"negative timeout", Config{Addr: "127.0.0.1:1", Calls: 1, Timeout: -time.Second}},
		{"negative pid", Config{Addr: "127.0.0.1:1", Calls: 1, EnginePID: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := Run(context.Background(), tc.cfg); !errors.Is(err, ErrConfig) {
				t.Fatalf("Run = %v, want ErrConfig", err)
			}
		})
	}
}

// An engine that is not there: every call fails at dial, none is lost.
func TestRunEngineDown(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	rep, err := Run(context.Background(), Config{Addr: addr, Calls: 30, Concurrency: 5, CallTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK != 0 || rep.Failed != 30 {
		t.Fatalf("ok %d failed %d, want 0/30", rep.OK, rep.Failed)
	}
	n := 0
	for reason, c := range rep.Failures {
		if !strings.HasPrefix(reason, "dial: ") {
			t.Errorf("failure reason %q, want dial: ...", reason)
		}
		n += c
	}
	if n != 30 {
		t.Errorf("failures sum to %d, want 30", n)
	}
}

// A run cut short by its timeout reports the calls it could not place.
func TestRunTimeout(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() { // accept and hold: the engine never sends connect
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	rep, err := Run(context.Background(), Config{Addr: l.Addr().String(), Calls: 10, Concurrency: 2, Timeout: 300 * time.Millisecond})
	if !errors.Is(err, ErrRunTimeout) {
		t.Fatalf("Run = %v, want ErrRunTimeout", err)
	}
	if rep.OK != 0 || rep.Failed != 10 || rep.Failures["not placed: run timed out"] != 8 || rep.Failures["timed out"] != 2 {
		t.Fatalf("report %+v", rep)
	}
}

func cmd(name, callCommand, app, arg string) fstest.Command {
	return fstest.Command{Name: name, CallCommand: callCommand, App: app, Arg: arg}
}

func TestCheckResult(t *testing.T) {
	t.Parallel()
	bench := []fstest.Command{
		cmd("connect", "", "", ""), cmd("myevents", "", "", ""),
		cmd("sendmsg", "execute", "answer", ""), cmd("sendmsg", "execute", "playback", "a.wav"),
		cmd("sendmsg", "execute", "play_and_get_digits", "1 8 ..."), cmd("sendmsg", "execute", "set", "bench_digits=1234"),
		cmd("sendmsg", "execute", "playback", "c.wav"), cmd("sendmsg", "hangup", "", ""),
	}
	lingered := append([]fstest.Command{cmd("linger", "", "", "")}, bench...)
	cfg := Config{ExpectApps: BenchCallApps, ExpectSet: "bench_digits=1234", ExpectCause: DefaultCause}
	for _, tc := range []struct {
		name string
		res  fstest.Result
		want string
	}{
		{"ok without linger", fstest.Result{HangupCause: "NORMAL_CLEARING", Commands: bench}, ""},
		{"ok with linger and exit", fstest.Result{HangupCause: "NORMAL_CLEARING", Commands: lingered, ExitReceived: true}, ""},
		{"linger without exit", fstest.Result{HangupCause: "NORMAL_CLEARING", Commands: lingered}, "engine never sent exit"},
		{"no connect", fstest.Result{ConnectTimedOut: true}, "engine never sent connect"},
		{"never hung up", fstest.Result{Commands: bench[:4]}, "channel never hung up"},
		{"wrong cause", fstest.Result{HangupCause: "NORMAL_TEMPORARY_FAILURE", Commands: bench}, "hang-up cause NORMAL_TEMPORARY_FAILURE"},
		{"missing app", fstest.Result{HangupCause: "NORMAL_CLEARING", Commands: append(bench[:3:3], bench[4:]...)},
			"unexpected applications: answer,play_and_get_digits,set,playback,hangup"},
		{"digits lost", fstest.Result{HangupCause: "NORMAL_CLEARING", Commands: append(bench[:5:5],
			cmd("sendmsg", "execute", "set", "bench_digits="), bench[6], bench[7])}, `set got "bench_digits=", want "bench_digits=1234"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := checkResult(&cfg, tc.res); got != tc.want {
				t.Errorf("checkResult = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	var ds []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		ds = append(ds, time.Duration(i)*time.Microsecond)
	}
	got := summarize(ds)
	want := Latency{Count: 100, MeanUS: 50.5, P50US: 50, P90US: 90, P99US: 99, MaxUS: 100}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
	if (summarize(nil) != Latency{}) {
		t.Errorf("summarize(nil) not zero")
	}
}

func TestParseStat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, stat string
		want       int64
		err        bool
	}{
		{"plain", "42 (callforge) S 1 42 42 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 9 0 100 0 0", 287, false},
		{"name with spaces and parens", "7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0", 7, false},
		{"no parenthesis", "42 callforge S 1", 0, true},
		{"short", "42 (x) S 1 2 3", 0, true},
		{"not numbers", "42 (x) S 1 42 42 0 -1 0 0 0 0 0 a b", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseStatCPU([]byte(tc.stat))
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("parseStatCPU = %d, %v; want %d, error %v", got, err, tc.want, tc.err)
			}
			if err != nil && !errors.Is(err, ErrProc) {
				t.Errorf("error %v does not wrap ErrProc", err)
			}
		})
	}
	if got := parseStatusRSS([]byte("Name:\tx\nVmRSS:\t   12345 kB\nThreads: 3\n")); got != 12345 {
		t.Errorf("parseStatusRSS = %d, want 12345", got)
	}
}
