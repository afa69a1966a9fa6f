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
