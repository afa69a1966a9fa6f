package voice_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/voice"
	"github.com/callforge/callforge/voice/fstest"
)

// A Handler drives one call for its whole lifetime: here it answers, plays a
// prompt and returns, and voice hangs the call up. The call is placed by the
// FreeSWITCH simulator, as `socket 127.0.0.1:PORT async full` would place it.
func ExampleServer() {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	srv := &voice.Server{Logger: zerolog.Nop(), Handler: voice.HandlerFunc(func(ctx context.Context, c *voice.Call) {
		answered := make(chan error, 1)
		c.Execute("answer", "", func(_ *voice.Event, err error) { answered <- err })
		if err := <-answered; err != nil {
			return
		}
		played := make(chan string, 1)
		c.Execute("playback", "ivr/ivr-welcome.wav", func(ev *voice.Event, err error) {
			if err != nil {
				played <- err.Error()
				return
			}
			played <- ev.Get("Application-Response") // settles on CHANNEL_EXECUTE_COMPLETE
		})
		fmt.Println("playback:", <-played)
	})}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	call, err := fstest.Dial(ctx, l.Addr().String(), fstest.CallConfig{})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, _ := call.Wait(ctx)
	for _, cmd := range res.Commands {
		if cmd.Name == "sendmsg" {
			fmt.Println("FreeSWITCH got:", strings.Join(strings.Fields(cmd.CallCommand+" "+cmd.App+" "+cmd.Arg+" "+cmd.HangupCause), " "))
		}
	}
	// Output:
	// playback: FILE PLAYED
	// FreeSWITCH got: execute answer
	// FreeSWITCH got: execute playback ivr/ivr-welcome.wav
	// FreeSWITCH got: hangup NORMAL_CLEARING
}
