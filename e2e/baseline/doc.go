// Command baseline is the benchmark reference for callforge: a hand-written
// outbound Event Socket server on github.com/percipia/eslgo v1.4.1 with no
// JavaScript, doing per call the same six commands as the standard benchmark
// call e2e/scripts/bench-call.js (answer, playback, play_and_get_digits, set,
// playback, hangup) the way an eslgo user writes them: SendCommand with
// call.Execute{..., Sync: true, AppUUID} and a wait for the application's
// CHANNEL_EXECUTE_COMPLETE through RegisterEventListener on the AppUUID.
//
// It is the one allowed importer of eslgo besides callforge's own adapter
// (voice/internal/esl), and only as this measuring stick: issue 6 asks callforge
// to reach at least its calls/s and at most its CPU per call. The e2e/load tool
// drives both with the same simulated calls:
//
//	go run ./e2e/baseline -listen 127.0.0.1:8085
//	go run ./e2e/load -addr 127.0.0.1:8085 -calls 2000 -concurrency 100
//
// Like most eslgo code it does not ask for linger: FreeSWITCH closes the socket
// itself once the channel is down. It stops on SIGINT/SIGTERM.
package main
