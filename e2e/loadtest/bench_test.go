package loadtest

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/e2e/load/loadrun"
	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/voice"
	"github.com/callforge/callforge/voice/fstest"
)

// startInProcess runs callforge's voice.Server with the jsbridge engine on the
// e2e scripts, in this process, on a loopback port; it returns the address.
func startInProcess(b *testing.B) string {
	b.Helper()
	log := zerolog.Nop()
	store, err := script.Open(filepath.Join(repoRoot(b), "e2e", "scripts"), script.Options{Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	engine, err := jsbridge.New(jsbridge.Config{Scripts: store, DefaultScript: "bench-call", Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	srv := &voice.Server{Handler: engine, Logger: log}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			_ = srv.Close()
		}
		<-done
	})
	return l.Addr().String()
}

// benchCall places one standard benchmark call and fails b if it did not end right.
func benchCall(b *testing.B, addr string) {
	cfg := fstest.CallConfig{
		Vars:  map[string]string{"voice_script": "bench-call"},
		Setup: func(c *fstest.Call) { c.PressOn("play_and_get_digits", "1234#") },
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	call, err := fstest.Dial(ctx, addr, cfg)
	if err != nil {
		b.Error(err)
		return
	}
	res, err := call.Wait(ctx)
	if err != nil {
		call.Close()
		<-call.Done()
		b.Error(err)
		return
	}
	if res.HangupCause != "NORMAL_CLEARING" || !res.ExitReceived || len(res.Commands) != 10 {
		b.Errorf("call ended with cause %q, exit %v, %d commands", res.HangupCause, res.ExitReceived, len(res.Commands))
	}
}

// BenchmarkCallforgeCall is one whole standard benchmark call (answer, playback,
// play_and_get_digits, set, playback, hangup) through callforge in-process,
// simulator included, one call at a time.
//
//	go test -run '^$' -bench CallforgeCall -cpuprofile cpu.out ./e2e/loadtest
func BenchmarkCallforgeCall(b *testing.B) {
	addr := startInProcess(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		benchCall(b, addr)
	}
}

// BenchmarkCallforgeCallParallel is the same with many calls in flight
// (GOMAXPROCS × 50 goroutines), as under the load tool.
func BenchmarkCallforgeCallParallel(b *testing.B) {
	addr := startInProcess(b)
	b.ReportAllocs()
	b.SetParallelism(50)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchCall(b, addr)
		}
	})
}

// BenchmarkLoadRun100 is a load-tool run of 100 calls at concurrency 100, the
// shape of the docs/performance.md measurement, in one process.
func BenchmarkLoadRun100(b *testing.B) {
	addr := startInProcess(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rep, err := loadrun.Run(context.Background(), loadrun.Config{
			Addr: addr, Calls: 100, Concurrency: 100, Script: "bench-call", Digits: "1234#",
			ExpectApps: loadrun.BenchCallApps, ExpectSet: "bench_digits=1234",
		})
		if err != nil || rep.Failed > 0 {
			b.Fatalf("run: %v, %d failed %v", err, rep.Failed, rep.Failures)
		}
	}
}
