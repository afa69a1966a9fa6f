package voice

import "time"

// Observer is told what a metrics system wants to count about calls and the ESL
// side. Its methods are called from many goroutines at once (often on a call's
// event goroutine) and must not block. Server.Observer may be nil.
type Observer interface {
	// CallStarted: FreeSWITCH handed over a call (its connect was answered).
	CallStarted()
	// CallEnded: the call's socket is closed. cause is its hang-up cause ("" when the
	// channel never went down under the engine, e.g. after a transfer); took is the
	// time from connect to close.
	CallEnded(cause string, took time.Duration)
	// CommandDone: an application sent with Execute finished, from the sendmsg write
	// to its CHANNEL_EXECUTE_COMPLETE (err nil) or to its failure (err set).
	CommandDone(app string, took time.Duration, err error)
	// EngineAdded: time from the frame that left the call idle (an application's
	// completion, a command's reply) arriving to the engine's next command on that
	// call: the latency the engine itself adds.
	EngineAdded(d time.Duration)
}
