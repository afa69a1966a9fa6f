package voice_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/voice"
	"github.com/callforge/callforge/voice/fstest"
)

// A DTMF event (no variable_* headers, like CHANNEL_STATE) must not wipe the
// variable cache that Call.Var reads.
func TestVarSurvivesEventsWithoutVariables(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	srv := &voice.Server{Logger: zerolog.Nop(), HangupGrace: 100 * time.Millisecond, Handler: voice.HandlerFunc(func(ctx context.Context, c *voice.Call) {
		dtmf := make(chan struct{}, 1)
		c.Subscribe(func(ev *voice.Event) {
			if ev.Name() == "DTMF" {
				select {
				case dtmf <- struct{}{}:
				default:
				}
			}
		})
		// myevents must be on before the caller presses: an answer round trip proves it.
		answered := make(chan struct{})
		c.Execute("answer", "", func(*voice.Event, error) { close(answered) })
		<-answered
		<-dtmf
		v, _ := c.Var("voice_script")
		got <- v
	})}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sim, err := fstest.Dial(ctx, l.Addr().String(), fstest.CallConfig{Vars: map[string]string{"voice_script": "main.js"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.WaitApp(ctx, "answer"); err != nil {
		t.Fatal(err)
	}
	sim.SendDTMF("5")
	if v := <-got; v != "main.js" {
		t.Fatalf("Var(voice_script) after a DTMF event = %q, want main.js", v)
	}
	if _, err := sim.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}
