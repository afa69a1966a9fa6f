// Command park measures what calls parked in `await ctx.sleep(...)` cost a running
// callforge: it places N simulated calls (voice/fstest) that all park in the sleep
// application, reads the engine's resident memory and goroutines when every call is
// parked, hangs every call up, and reads them again once the engine has let go.
//
//	go run ./e2e/park -addr 127.0.0.1:8084 -admin http://127.0.0.1:9090 -engine-pid PID -calls 20000
//
// The engine must serve e2e/scripts (the park script) and have its admin listener on.
package main
