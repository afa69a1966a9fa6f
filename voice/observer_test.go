package voice_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/voice"
	"github.com/callforge/callforge/voice/fstest"
)

// recordingObserver keeps what a voice.Observer is told.
type recordingObserver struct {
	mu          sync.Mutex
	started     int
	ended       []string
	commands    []string
	commandErrs []error
	tooks       []time.Duration
	added       []time.Duration
}

func (o *recordingObserver) CallStarted() { o.mu.Lock(); o.started++; o.mu.Unlock() }
func (o *recordingObserver) CallEnded(cause string, _ time.Duration) {
	o.mu.Lock()
	o.ended = append(o.ended, cause)
	o.mu.Unlock()
}
func (o *recordingObserver) CommandDone(app string, took time.Duration, err error) {
	o.mu.Lock()
	o.commands = append(o.commands, app)
	o.commandErrs = append(o.commandErrs, err)
	o.tooks = append(o.tooks, took)
	o.mu.Unlock()
}
func (o *recordingObserver) EngineAdded(d time.Duration) {
	o.mu.Lock()
	o.added = append(o.added, d)
	o.mu.Unlock()
}

// The Observer sees the call start and end with its cause, every application with
// its latency (media time included) or failure, and the engine's added latency
// between a completion and the next command.
func TestObserverSeesCallsCommandsAndEngineTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		hangupOn    string // the caller hangs up when this app starts
		wantApps    []string
		wantFailed  []bool
		wantCause   string
		wantAddedGE int // at least this many EngineAdded reports
	}{
		{name: "completed", wantApps: []string{"answer", "playback", "playback"}, wantFailed: []bool{false, false, false},
			wantCause: "NORMAL_CLEARING", wantAddedGE: 3},
		{name: "caller hangs up mid playback", hangupOn: "playback", wantApps: []string{"answer", "playback"},
			wantFailed: []bool{false, true}, wantCause: "NORMAL_CLEARING", wantAddedGE: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			obs := &recordingObserver{}
			srv := &voice.Server{Logger: zerolog.Nop(), HangupGrace: 100 * time.Millisecond, Observer: obs,
				Handler: voice.HandlerFunc(func(ctx context.Context, c *voice.Call) {
					for _, app := range []string{"answer", "playback", "playback"} {
						done := make(chan error, 1)
						c.Execute(app, "x.wav", func(_ *voice.Event, err error) { done <- err })
						if <-done != nil {
							return
						}
					}
				})}
			go func() { _ = srv.Serve(l) }()
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			sim, err := fstest.Dial(ctx, l.Addr().String(), fstest.CallConfig{
				Media: func(app, _ string) time.Duration {
					if app == "playback" {
						return 30 * time.Millisecond
					}
					return 0
				},
				Setup: func(c *fstest.Call) {
					if tt.hangupOn != "" {
						c.HangupOn(tt.hangupOn, 10*time.Millisecond, "")
					}
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sim.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			sctx, scancel := context.WithTimeout(ctx, 3*time.Second)
			defer scancel()
			if err := srv.Shutdown(sctx); err != nil {
				t.Fatalf("calls did not end: %v", err)
			}
			obs.mu.Lock()
			defer obs.mu.Unlock()
			if obs.started != 1 || len(obs.ended) != 1 || obs.ended[0] != tt.wantCause {
				t.Fatalf("started %d, ended %q; want 1 and [%s]", obs.started, obs.ended, tt.wantCause)
			}
			if len(obs.commands) != len(tt.wantApps) {
				t.Fatalf("commands %q, want %q", obs.commands, tt.wantApps)
			}
			for i, app := range tt.wantApps {
				if obs.commands[i] != app || (obs.commandErrs[i] != nil) != tt.wantFailed[i] {
					t.Errorf("command %d = %s err %v; want %s failed=%v", i, obs.commands[i], obs.commandErrs[i], app, tt.wantFailed[i])
				}
				var he *voice.HangupError
				if tt.wantFailed[i] && !errors.As(obs.commandErrs[i], &he) {
					t.Errorf("command %d failed with %v, want a *HangupError", i, obs.commandErrs[i])
				}
				if app == "playback" && obs.tooks[i] < 10*time.Millisecond {
					t.Errorf("playback took %v, want the media time included", obs.tooks[i])
				}
			}
			if len(obs.added) < tt.wantAddedGE {
				t.Fatalf("EngineAdded reported %d times, want >= %d", len(obs.added), tt.wantAddedGE)
			}
			for _, d := range obs.added {
				if d < 0 || d > time.Second {
					t.Errorf("EngineAdded %v out of range", d)
				}
			}
		})
	}
}
