package voice_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/voice"
	"github.com/callforge/callforge/voice/fstest"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve starts a voice.Server with h on a loopback port.
func serve(t *testing.T, h voice.HandlerFunc) (*voice.Server, string, *syncBuf) {
	t.Helper()
	logs := &syncBuf{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &voice.Server{Handler: h, Logger: zerolog.New(logs), HangupGrace: 200 * time.Millisecond, ExitTimeout: time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, voice.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("calls still running at the end: %v", err)
		}
	})
	return srv, l.Addr().String(), logs
}

// execResult is what one Execute's callback saw.
type execResult struct {
	ev  *voice.Event
	err error
}

func execute(c *voice.Call, app, arg string) <-chan execResult {
	ch := make(chan execResult, 1)
	c.Execute(app, arg, func(ev *voice.Event, err error) { ch <- execResult{ev, err} })
	return ch
}

func TestChannelEndsWhicheverWayItShows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cfg       fstest.CallConfig
		end       func(*fstest.Call)
		wantCause string
		wantErr   error
	}{
		{name: "caller hangs up", end: func(c *fstest.Call) { c.HangupNow("USER_BUSY") },
			wantCause: "USER_BUSY", wantErr: voice.ErrHangup},
		{name: "linger notice before the hangup events", cfg: fstest.CallConfig{LingerNoticeFirst: true},
			end: func(c *fstest.Call) { c.HangupNow("NO_ANSWER") }, wantCause: "NO_ANSWER", wantErr: voice.ErrHangup},
		{name: "FreeSWITCH vanishes", end: func(c *fstest.Call) { c.Close() },
			wantCause: voice.CauseConnectionLost, wantErr: voice.ErrConnectionLost},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan execResult, 1)
			causes := make(chan string, 1)
			_, addr, _ := serve(t, func(ctx context.Context, c *voice.Call) {
				c.OnHangup(func(cause string) { causes <- cause })
				r := <-execute(c, "playback", "long.wav")
				got <- r
				<-ctx.Done() // cancelled when the channel is down
				if c.Up() {
					t.Error("Up() after the channel ended")
				}
				// After the end, new commands fail at once with the same error.
				if r2 := <-execute(c, "answer", ""); !errors.Is(r2.err, tc.wantErr) {
					t.Errorf("command after the end: %v", r2.err)
				}
			})
			cfg := tc.cfg
			cfg.Media = func(app, _ string) time.Duration { return time.Minute }
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			sim, err := fstest.Dial(ctx, addr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := sim.WaitApp(ctx, "playback"); err != nil {
				t.Fatal(err)
			}
			tc.end(sim)
			r := <-got
			var he *voice.HangupError
			if !errors.As(r.err, &he) || he.Cause != tc.wantCause || !errors.Is(r.err, tc.wantErr) {
				t.Fatalf("pending playback ended with %v, want a HangupError %s wrapping %v", r.err, tc.wantCause, tc.wantErr)
			}
			if c := <-causes; c != tc.wantCause {
				t.Errorf("OnHangup cause %q, want %q", c, tc.wantCause)
			}
			_, _ = sim.Wait(ctx)
		})
	}
}

// A malformed frame from FreeSWITCH ends that call with a clear log line; the
// server goes on serving other calls.
func TestMalformedFrameEndsOnlyThatCall(t *testing.T) {
	t.Parallel()
	served := make(chan string, 4)
	_, addr, logs := serve(t, func(ctx context.Context, c *voice.Call) {
		r := <-execute(c, "answer", "")
		if r.err != nil {
			served <- "error: " + r.err.Error()
			return
		}
		served <- "ok"
	})
	// A raw peer: answers connect, then sends garbage.
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	buf := make([]byte, 64)
	_, _ = nc.Read(buf) // connect
	_, _ = nc.Write([]byte("Unique-ID: bad-1\nContent-Type: command/reply\nReply-Text: %2BOK\n\n"))
	_, _ = nc.Write([]byte("Content-Type: text/event-plain\nContent-Length: 999999999\n\n"))
	if got := <-served; !strings.Contains(got, "connection to freeswitch lost") {
		t.Fatalf("handler saw %q", got)
	}
	// Another call is served normally.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sim, err := fstest.Dial(ctx, addr, fstest.CallConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if got := <-served; got != "ok" {
		t.Fatalf("second call: %q", got)
	}
	if _, err := sim.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "malformed frame from freeswitch") || !strings.Contains(logs.String(), `"call":"bad-1"`) {
		t.Errorf("no malformed-frame log line for call bad-1:\n%s", logs.String())
	}
}

// Shutdown stops accepting at once and waits for the calls in flight; Serve
// returns ErrServerClosed.
func TestShutdownDrainsCallsInFlight(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv, addr, _ := serve(t, func(ctx context.Context, c *voice.Call) {
		<-release
		<-execute(c, "playback", "bye.wav")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sim, err := fstest.Dial(ctx, addr, fstest.CallConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for len(srv.ActiveCalls()) == 0 {
		time.Sleep(time.Millisecond)
	}
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(ctx) }()
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			break // the listener is closed
		}
		c.Close()
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a call in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	res, err := sim.Wait(ctx)
	if err != nil || res.HangupCause != "NORMAL_CLEARING" {
		t.Fatalf("drained call: %v cause %q", err, res.HangupCause)
	}
}
