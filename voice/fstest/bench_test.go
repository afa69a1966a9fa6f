package fstest_test

import (
	"context"
	"testing"

	"github.com/callforge/callforge/voice/fstest"
)

// BenchmarkCall measures one whole simulated call (connect, answer, playback,
// digits, hangup, exit) driven by the raw test client.
func BenchmarkCall(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		benchOneCall(b)
	}
}

func benchOneCall(b *testing.B) {
	b.Helper()
	call, eng := start(b, fstest.CallConfig{}, func(c *fstest.Call) { c.PressOn("play_and_get_digits", "12#") })
	eng.send(setupCmds + execMsg("answer", "", "u1") + execMsg("playback", "/s/a.wav", "u2") +
		execMsg("play_and_get_digits", `1 4 1 5000 # /s/p.wav /s/i.wav d \d+`, "u3") + execMsg("hangup", "", "u4"))
	for {
		l, _ := eng.next()
		if l == "notice:linger -1" {
			break
		}
	}
	eng.send("exit\n\n")
	if _, err := call.Wait(context.Background()); err != nil {
		b.Fatal(err)
	}
	eng.nc.Close()
}
