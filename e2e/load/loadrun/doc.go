// Package loadrun is the core of callforge's load tool (e2e/load): it places
// many simulated FreeSWITCH calls (voice/fstest) against a running engine, at a
// fixed concurrency or at a steady rate, checks how each call ended, and sums up
// the run in a Report: calls ok/failed, calls/s, the engine-added time per
// command (p50/p90/p99/max of fstest's Result.Latencies over all calls),
// commands per call and, given the engine's pid, its CPU time and resident
// memory read from /proc.
//
// It owns the run and the report, not the simulation (voice/fstest) nor the
// engine. The same Config drives callforge and the plain-eslgo baseline
// (e2e/baseline): the expected-commands check looks at applications and the
// hang-up, not at the exact frames.
package loadrun
