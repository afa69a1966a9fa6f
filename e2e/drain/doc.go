// Package drain is the end-to-end test of callforge's graceful drain: the built
// binary under a steady simulated load (voice/fstest) gets SIGTERM; calls in
// flight finish, new connections are refused, /readyz turns 503 from the signal
// on, calls past --drain-timeout are hung up with --error-cause, and the process
// exits 0.
package drain
