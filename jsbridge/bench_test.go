package jsbridge_test

import (
	"context"
	"runtime"
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

// BenchmarkParkedCall reports what a call parked in `await ctx.sleep(...)` holds
// on the engine's side: live heap bytes per call after a GC, with 1,000 calls
// parked at once (the simulator's share is taken out by measuring it alone).
// Run with -benchtime 1x.
func BenchmarkParkedCall(b *testing.B) {
	const n = 1000
	e := startEngine(b, map[string]string{"park.js": `async function main(data, ctx) { await ctx.answer(); await ctx.sleep(600000); }`})
	cfg := fstest.CallConfig{Vars: map[string]string{"voice_script": "park"},
		Media: func(app, _ string) time.Duration {
			if app == "sleep" {
				return time.Hour
			}
			return 0
		}}
	live := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		before := live()
		calls := make([]*fstest.Call, 0, n)
		for j := 0; j < n; j++ {
			c, err := fstest.Dial(ctx, e.addr, cfg)
			if err != nil {
				b.Fatal(err)
			}
			if err := c.WaitApp(ctx, "sleep"); err != nil {
				b.Fatal(err)
			}
			calls = append(calls, c)
		}
		parked := live()
		for _, c := range calls {
			c.HangupNow("NORMAL_CLEARING")
		}
		for _, c := range calls {
			if _, err := c.Wait(ctx); err != nil {
				b.Fatal(err)
			}
		}
		for len(e.srv.ActiveCalls()) > 0 {
			time.Sleep(10 * time.Millisecond)
		}
		after := live()
		cancel()
		b.ReportMetric(float64(parked-before)/n/1024, "KiB/parked-call(engine+sim)")
		b.ReportMetric(float64(int64(after)-int64(before))/1024, "KiB-left-after")
	}
}
