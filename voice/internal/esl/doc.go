// Package esl is callforge's adapter to FreeSWITCH's Event Socket protocol: it reads
// and writes the frames of an outbound ESL connection. It is the only package in
// callforge that imports github.com/percipia/eslgo.
//
// eslgo v1.4.1 supplies the protocol vocabulary used here (content types, the plain
// commands connect, linger and exit). Its connection type is not used, and this is why:
//
//   - it starts a goroutine per listener per event (`go listener(event)`), so the order in
//     which FreeSWITCH sent a call's events is lost; callforge needs that order (DTMF
//     digits, CHANNEL_HANGUP before the completions it causes);
//   - it closes the connection on the first text/disconnect-notice, which with linger is
//     the *linger* notice: FreeSWITCH can send it before the hangup events (traces 02 and
//     11 in shared/esl-traces), which would then be lost;
//   - it parses text/event-json frames into empty events, and it owns its listener, so a
//     server built on it cannot stop accepting and drain;
//   - it holds one command at a time (a write lock held until the reply) and its header
//     formatter passes a bare "\n" inside a value through, which would let an application
//     argument inject ESL headers.
//
// So this package reads frames itself, on one goroutine per connection, in order, and
// writes sendmsg frames with arguments that cannot break out of their header. Reader is
// safe for use by one goroutine; the Append functions are pure.
package esl
