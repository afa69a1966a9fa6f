package jsbridge_test

import (
	"context"
	"testing"
	"time"

	"github.com/callforge/callforge/voice/fstest"
)

// benchCall is issue 6's reference call: answer, playback, play_and_get_digits,
// set, playback, hangup.
const benchCall = `async function main(data, ctx) {
	await ctx.answer();
	await ctx.play('user/welcome.wav');
	const r = await ctx.ivr('user/menu.wav', 5, 1, 4, '#');
	await ctx.set('choice', r.value);
	await ctx.play('user/bye.wav');
	await ctx.hangup();
}`

// BenchmarkWholeCall measures one whole simulated call through the engine (ESL
// server, goja runtime, ctx bindings) and the simulator, zero media time.
// The simulator's own cost is included; see voice/fstest's BenchmarkCall for it alone.
func BenchmarkWholeCall(b *testing.B) {
	e := startEngine(b, map[string]string{"bench.js": benchCall})
	cfg := fstest.CallConfig{Vars: map[string]string{"voice_script": "bench"},
		Setup: func(c *fstest.Call) { c.PressOn("play_and_get_digits", "42#") }}
	run := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := fstest.Dial(ctx, e.addr, cfg)
		if err != nil {
			b.Fatal(err)
		}
		res, err := c.Wait(ctx)
		if err != nil || res.HangupCause != "NORMAL_CLEARING" || len(res.Commands) < 9 {
			b.Fatalf("call: %v %+v", err, res.HangupCause)
		}
	}
	run() // warm up
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			run()
		}
	})
}
