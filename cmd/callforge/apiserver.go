package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/api"
	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/schedule"
)

// apiConfig is what `callforge serve` takes for the script kinds other than
// voice: the HTTP API (Apps, Drivers, Forms), scheduled Apps and Class 4 routing.
type apiConfig struct {
	listen      string
	tokensFile  string
	maxBody     int64
	timeout     time.Duration
	concurrency int
	routeBudget time.Duration
	serverName  string
	cron        cronFlag
	cronRescan  time.Duration
}

// cronFlag collects NAME=SPEC entries; one value may hold several separated by
// ';' or newlines (cron specs use commas, so commas do not separate entries).
type cronFlag []schedule.Entry

func (c *cronFlag) String() string {
	parts := make([]string, 0, len(*c))
	for _, e := range *c {
		parts = append(parts, e.Script+"="+e.Spec)
	}
	return strings.Join(parts, ";")
}

func (c *cronFlag) Set(v string) error {
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '\n' }) {
		if strings.TrimSpace(p) == "" {
			continue
		}
		e, err := schedule.ParseConfigEntry(p)
		if err != nil {
			return err
		}
		*c = append(*c, e)
	}
	return nil
}

// apiFlags registers the flags of apiConfig on fs.
func apiFlags(fs *flag.FlagSet, cfg *apiConfig) {
	fs.StringVar(&cfg.listen, "api-listen", api.DefaultAddr, "`address` of the HTTP API (Apps, Drivers, Forms); 'off' disables it; off loopback it needs tokens")
	fs.StringVar(&cfg.tokensFile, "api-tokens", "", "`file` of API bearer tokens, one per line (the environment variable "+api.TokensEnv+" may hold the tokens themselves)")
	fs.Int64Var(&cfg.maxBody, "api-max-body", api.DefaultMaxBody, "largest API request body in `bytes` (larger: 413)")
	fs.DurationVar(&cfg.timeout, "api-timeout", api.DefaultBudget, "time budget of one API script run (past it: 504)")
	fs.IntVar(&cfg.concurrency, "api-concurrency", api.DefaultConcurrency, "API script runs at once (more: 429)")
	fs.DurationVar(&cfg.routeBudget, "route-budget", jsbridge.DefaultJobBudget, "time budget of a Class 4 routing script (past it the call gets 500)")
	fs.StringVar(&cfg.serverName, "server-name", "", "data.routing.server of routing scripts (default: the host name)")
	fs.Var(&cfg.cron, "cron", "scheduled App `NAME=SPEC` (repeatable, or ';'-separated); wins over the script's // @cron header")
	fs.DurationVar(&cfg.cronRescan, "cron-rescan", 30*time.Second, "how often scripts' @cron headers are re-read")
}

// startAPI configures Class 4 routing on engine, starts the HTTP API listener and
// the scheduler of Apps. stop shuts both down (waiting for runs in flight until
// its ctx ends).
func startAPI(ctx context.Context, cfg apiConfig, engine *jsbridge.Engine, store *script.Store, log zerolog.Logger) (stop func(context.Context) error, err error) {
	engine.ConfigureRouting(jsbridge.RoutingConfig{Budget: cfg.routeBudget, Server: cfg.serverName})
	sched, err := schedule.New(schedule.Options{Runner: engine, Scripts: store, Config: cfg.cron, Budget: cfg.timeout,
		Rescan: cfg.cronRescan, Logger: log})
	if err != nil {
		return nil, err
	}
	var srv *api.Server
	served := make(chan error, 1)
	if cfg.listen != "off" && cfg.listen != "" {
		envTokens := os.Getenv(api.TokensEnv)
		file := cfg.tokensFile
		if file == envTokens {
			file = "" // the serve config maps CALLFORGE_API_TOKENS onto --api-tokens: it holds tokens, not a file
		}
		tokens, err := api.LoadTokens(file, envTokens)
		if err != nil {
			return nil, err
		}
		srv, err = api.New(api.Config{Addr: cfg.listen, Tokens: tokens, MaxBody: cfg.maxBody, Budget: cfg.timeout,
			Concurrency: cfg.concurrency, Logger: log}, engine, store)
		if err != nil {
			return nil, err
		}
		l, err := srv.Listen()
		if err != nil {
			return nil, fmt.Errorf("api listener: %w", err)
		}
		go func() { served <- srv.Serve(l) }()
		log.Info().Str("api_listen", l.Addr().String()).Int("tokens", len(tokens)).Msg("HTTP API up")
	}
	sched.Start()
	if n := len(sched.Entries()); n > 0 {
		log.Info().Int("apps", n).Msg("scheduled apps")
	}
	_ = ctx
	return func(ctx context.Context) error {
		var errs []error
		if srv != nil {
			if err := srv.Shutdown(ctx); err != nil {
				errs = append(errs, err)
			}
			if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs = append(errs, err)
			}
		}
		if err := sched.Stop(ctx); err != nil {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}, nil
}
