// Package fstest simulates FreeSWITCH's side of an outbound Event Socket call for
// callforge's tests and load tool: a Call dials the engine (as `socket host:port
// async full` does), waits for connect, answers with the channel data, and serves
// the engine's commands with the frames, replies and event order of the real
// FreeSWITCH captures in shared/esl-traces (connect reply, myevents [json], linger
// [N], exit, sendmsg execute/hangup, api, bgapi, event plain).
//
// The test plays the caller through Call's methods (digits, hangup, bridge outcome,
// missing files, unknown apps, media durations) and inspects what the engine did
// (commands, frames, variables, hangup cause, exit, socket close, engine-added time).
//
// Each simulated call runs on two goroutines (command reader, channel) that stop
// when the call ends or its context is cancelled. Event headers that do not change
// during a call are encoded once per call; events are built with append-style
// builders into reused buffers.
package fstest
