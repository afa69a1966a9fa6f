// Package voice serves FreeSWITCH calls handed over by the dialplan's
// `socket <addr> async full`: it owns the outbound Event Socket server and the Call
// that a Handler drives for the call's whole lifetime.
//
// For each connection voice sends connect, myevents and linger, reads every frame on
// one goroutine and applies it in the order FreeSWITCH sent it: command replies,
// completions of executed applications (matched by their own Application-UUID), DTMF
// and the channel's other events, and the end of the channel, however it shows
// (CHANNEL_HANGUP, a disconnect notice, or the socket closing, in any order). When the
// Handler returns while the channel is still up, voice hangs it up; when the channel
// is down and its last events are in, voice sends exit and closes the socket.
//
// voice knows nothing of JavaScript: package jsbridge implements Handler.
package voice
