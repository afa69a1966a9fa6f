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

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/percipia/eslgo"
	"github.com/rs/zerolog"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	var listen string
	var b benchCall
	opts := eslgo.DefaultOutboundOptions
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	fs.StringVar(&listen, "listen", "127.0.0.1:8085", "address the simulated (or real) FreeSWITCH's `socket` connects to")
	fs.StringVar(&b.sounds, "user-sounds", "${callforge_user_sounds}", "sound folder, as callforge's --user-sounds (same playback arguments)")
	fs.DurationVar(&b.stepTimeout, "step-timeout", 30*time.Second, "bound of one command, from send to its completion")
	fs.DurationVar(&opts.ConnectionDelay, "connection-delay", opts.ConnectionDelay, "eslgo's wait after the handler returns before exit")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "baseline: unexpected arguments %q\n", fs.Args())
		return 2
	}
	b.log = zerolog.New(os.Stderr).With().Timestamp().Str("component", "baseline").Logger()
	opts.Logger = nil // eslgo's own logger prints several lines per call

	errc := make(chan error, 1)
	go func() { errc <- opts.ListenAndServe(listen, b.handle) }()
	b.log.Info().Str("listen", listen).Msg("eslgo baseline serving")
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	select {
	case err := <-errc:
		b.log.Error().Err(err).Msg("listener stopped")
		return 1
	case sig := <-sigs:
		b.log.Info().Str("signal", sig.String()).Msg("stopping")
		return 0
	}
}
