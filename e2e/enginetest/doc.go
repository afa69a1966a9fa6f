// Package enginetest runs the callforge binary for the end-to-end tests of
// e2e/drain and e2e/scaleout: it builds ./cmd/callforge, starts it on loopback
// ports with its admin listener, waits for /readyz, signals it, and makes sure
// every process it started is gone when the test ends (stopped by pid, and
// killed by the kernel if the test process dies first).
package enginetest
