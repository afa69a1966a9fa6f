// Package loadtest holds the load tool's end-to-end tests and the whole-call
// benchmarks: the tests build callforge and the plain-eslgo baseline
// (e2e/baseline), start each on a free loopback port, drive them with the load
// tool's core (e2e/load/loadrun) and check that every call ends right and the
// report is sane; the benchmarks run voice.Server with jsbridge in-process
// against the FreeSWITCH simulator, to profile where a call's time goes
// (docs/performance.md). Speed is shown by the benchmarks, never asserted.
package loadtest
