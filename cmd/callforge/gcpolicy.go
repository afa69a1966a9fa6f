package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The engine's GC target when GOGC is not set. A call allocates a few hundred KB
// that die with it, while the live heap stays small as long as calls are short: a
// larger target (fewer collections) then buys a third of the CPU per call at
// saturation (docs/performance.md). Calls that stay long (parked in a sleep, a
// conference, a queue) make the live heap large, and a GC target of 200 would let
// the heap grow to three times it: above largeHeap the engine uses Go's default.
const (
	smallHeapGCPercent = 200
	largeHeapGCPercent = 100
	largeHeap          = 256 << 20
	gcPolicyEvery      = time.Second
)

// gcPercentFor returns the GC target for a live heap of live bytes.
func gcPercentFor(live uint64) int {
	if live >= largeHeap {
		return largeHeapGCPercent
	}
	return smallHeapGCPercent
}

// runGCPolicy sets the GC target from the live heap every gcPolicyEvery until ctx
// ends. It does nothing when GOGC is set: the operator's choice wins.
func runGCPolicy(ctx context.Context) {
	if os.Getenv("GOGC") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	current := smallHeapGCPercent
	debug.SetGCPercent(current)
	t := time.NewTicker(gcPolicyEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return // not reported by this runtime: keep the small-heap target
		}
		if p := gcPercentFor(sample[0].Value.Uint64()); p != current {
			debug.SetGCPercent(p)
			current = p
		}
	}
}
