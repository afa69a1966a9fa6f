// Package scripttest is the operators' test runner for voice scripts: it owns
// `callforge test` and `callforge call`.
//
// It owns:
//
//   - simulated calls (Sandbox, CallSpec, CallResult): a call placed into the
//     real engine (voice.Server + jsbridge.Engine, in-process on a loopback
//     port) by the FreeSWITCH simulator of voice/fstest, driven by a virtual
//     clock so that media, prompts, ringing and caller actions take no wall
//     time; each call gets its own engine, with the test's kv store and http
//     mock;
//   - the JavaScript test API (`test`, `describe`, `t.call`, `t.kv`, `t.http`,
//     assertions) that *.test.js / *.test.ts files use; each test file runs in
//     its own goja runtime and event loop, outside the sandbox of the scripts
//     under test;
//   - the runner (Run): discovery, concurrency, per-test timeouts, and the
//     report in the style of Go's and Node's test runners (a line per test, a
//     diff per failed assertion, "N passed, N failed");
//   - the timeline (Timeline) that `callforge call` prints.
//
// ctx.sleep and all media are FreeSWITCH applications, so they run on the
// virtual clock, and so does the script's own time (jsbridge.Config.Clock):
// ctx.waitFor's timeouts, setTimeout and setInterval, and Date, which starts
// at CallSpec.Start. kv TTLs and the test files' own timers are real time.
package scripttest
