// Command load drives many simulated FreeSWITCH calls (voice/fstest) against a
// running callforge (or the plain-eslgo baseline in e2e/baseline) and prints
// calls ok/failed, calls/s, the engine-added time per command (p50/p90/p99/max),
// commands per call and, with -engine-pid, the engine's CPU time and memory.
//
//	go run ./e2e/load -addr 127.0.0.1:8084 -calls 2000 -concurrency 100
//	go run ./e2e/load -addr 127.0.0.1:8084 -calls 1500 -rate 50 -media 20ms -engine-pid $(pgrep -n callforge)
//
// Each call sets voice_script to -script (default bench-call, the standard
// benchmark call in e2e/scripts/bench-call.js), presses -digits when
// play_and_get_digits starts, and must end with the -expect applications, the
// `set` argument -expect-set, hang-up cause -cause, and, when the engine asked
// for linger, its exit. It exits 0 when every call was ok, 1 otherwise, 2 on a
// usage error. The core is the importable package e2e/load/loadrun.
package main
