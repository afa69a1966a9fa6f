package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/admin"
	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/httpmod"
	"github.com/callforge/callforge/jsbridge/kv"
	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/metrics"
	"github.com/callforge/callforge/scripts"
	"github.com/callforge/callforge/voice"
)

// serveConfig is everything `callforge serve` takes.
type serveConfig struct {
	configFile    string
	listen        string
	adminListen   string
	adminPublic   bool
	scriptsDir    string
	watchScripts  bool
	defaultScript string
	logFormat     string
	logLevel      string
	dialTemplate  string
	userSounds    string
	ivrSounds     string
	recordingsDir string
	ttsEngine     string
	ttsVoice      string
	errorCause    string
	errorTransfer string
	drainTimeout  time.Duration

	dataDir   string
	kvSpec    string
	httpAllow string
	scriptEnv listFlag
	allowApps listFlag
	allowAPIs listFlag
	limits    jsbridge.Limits
	heapLimit uint64

	api apiConfig // HTTP API (Apps, Drivers, Forms), Class 4 routing, schedule
}

// listFlag is a flag that may be given several times (or comma-separated).
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

func serveFlags(cfg *serveConfig, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("callforge serve", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() { printServeUsage(fs, out) }
	fs.StringVar(&cfg.configFile, configFlag, "", "TOML `file` of flag values (keys are flag names); flags and environment win over it")
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:8084", "`address` FreeSWITCH's socket application connects to")
	fs.StringVar(&cfg.adminListen, "admin-listen", admin.DefaultAddr, "`address` of the admin HTTP listener (/metrics, /healthz, /readyz); loopback only unless --admin-public")
	fs.BoolVar(&cfg.adminPublic, "admin-public", false, "allow --admin-listen off loopback")
	fs.StringVar(&cfg.scriptsDir, "scripts", "./scripts", "`directory` of voice scripts (the built-in examples are served when the default is absent)")
	fs.BoolVar(&cfg.watchScripts, "watch", true, "reload scripts when files under --scripts change (SIGHUP reloads too)")
	fs.StringVar(&cfg.defaultScript, "default-script", "", "script run when a call has no voice_script variable (default: ivr-menu for the built-in examples)")
	fs.StringVar(&cfg.logFormat, "log-format", "json", "log format: json (zerolog JSON on stderr) or console")
	fs.StringVar(&cfg.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&cfg.dialTemplate, "dial-template", "user/{dest}", "dial string for ctx.bridge of a bare number or extension; {dest} is replaced by it")
	fs.StringVar(&cfg.userSounds, "user-sounds", "${callforge_user_sounds}", "folder (as FreeSWITCH sees it) that ctx.play('user/x.wav') reads")
	fs.StringVar(&cfg.ivrSounds, "ivr-sounds", "", "folder that replaces the ivr/ prefix (empty: ivr/ files go to FreeSWITCH's sound_prefix as they are)")
	fs.StringVar(&cfg.recordingsDir, "recordings-dir", "${callforge_recordings}", "folder (as FreeSWITCH sees it) for ctx.record and ctx.recordMessage")
	fs.StringVar(&cfg.ttsEngine, "tts-engine", "flite", "TTS engine for ctx.tts (speak's engine field)")
	fs.StringVar(&cfg.ttsVoice, "tts-voice", "kal", "TTS voice for ctx.tts")
	fs.StringVar(&cfg.errorCause, "error-cause", "NORMAL_TEMPORARY_FAILURE", "hang-up `cause` when a script fails, and for calls still up when the drain deadline passes")
	fs.StringVar(&cfg.errorTransfer, "error-transfer", "", "instead of hanging up a failed call, transfer it: 'EXTENSION [DIALPLAN [CONTEXT]]'")
	fs.DurationVar(&cfg.drainTimeout, "drain-timeout", 5*time.Minute, "on SIGTERM/SIGINT, how long calls in flight may run before they are ended")
	fs.StringVar(&cfg.dataDir, "data-dir", "./data", "`directory` of the embedded kv store (kv.db)")
	fs.StringVar(&cfg.kvSpec, "kv", "", "kv store: empty for the embedded store in --data-dir, or redis://host:port/db")
	fs.StringVar(&cfg.httpAllow, "http-allow", "", "`hosts` require('http') may reach, comma-separated (host, host:port, *.domain); empty: none")
	fs.Var(&cfg.scriptEnv, "script-env", "NAME=VALUE that scripts see in process.env (repeatable)")
	fs.Var(&cfg.allowApps, "allow-app", "extra dialplan application scripts may run with ctx.execute (repeatable)")
	fs.Var(&cfg.allowAPIs, "allow-api", "extra API command scripts may run with ctx.api (repeatable)")
	fs.DurationVar(&cfg.limits.CPU, "cpu-budget", time.Second, "longest synchronous stretch of a script's JavaScript")
	fs.IntVar(&cfg.limits.StackDepth, "max-stack", 1000, "deepest JavaScript call stack")
	fs.IntVar(&cfg.limits.Timers, "max-timers", 100, "live timers per call")
	fs.DurationVar(&cfg.limits.CallDuration, "max-call-duration", 4*time.Hour, "longest a call's script may run")
	fs.Uint64Var(&cfg.heapLimit, "heap-limit-mb", 4096, "process heap (MiB) past which the scripts running at that moment are stopped")
	apiFlags(fs, &cfg.api)
	return fs
}

// loadServeConfig reads the configuration from args, the environment and the
// config file (resolveFlags); sources says where each flag's value came from.
func loadServeConfig(args []string, getenv func(string) (string, bool), out io.Writer) (cfg *serveConfig, sources map[string]string, err error) {
	cfg = &serveConfig{}
	fs := serveFlags(cfg, out)
	sources, err = resolveFlags(fs, args, getenv)
	if err != nil {
		return nil, nil, err
	}
	return cfg, sources, nil
}

func serve(args []string) int {
	gcCtx, stopGC := context.WithCancel(context.Background())
	defer stopGC()
	go runGCPolicy(gcCtx)
	cfg, sources, err := loadServeConfig(args, os.LookupEnv, os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(os.Stderr, "callforge serve:", err)
		return 2
	}
	log, err := newLogger(cfg.logFormat, cfg.logLevel, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "callforge serve:", err)
		return 2
	}
	return runServe(cfg, sources, log)
}

// runServe runs the engine until a signal ends it: 0 after a drain, 1 when it
// cannot start or a second signal cuts the drain short.
func runServe(cfg *serveConfig, sources map[string]string, log zerolog.Logger) int {
	// Signals are taken from the start: one that comes while scripts load is a
	// drain of an engine with no calls.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	srv := &voice.Server{Logger: log}
	met := metrics.New(metrics.Options{Stats: srv.Stats})
	srv.Observer = met
	adm, err := admin.New(admin.Options{Addr: cfg.adminListen, Public: cfg.adminPublic, Metrics: met.Handler(), Logger: log})
	if err != nil {
		log.Error().Err(err).Msg("bad --admin-listen")
		return 2
	}
	admL, err := adm.Listen()
	if err != nil {
		log.Error().Err(err).Msg("cannot start the admin listener")
		return 1
	}
	admDone := make(chan error, 1)
	go func() { admDone <- adm.Serve(admL) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = adm.Shutdown(ctx)
		<-admDone
	}()
	log.Info().Str("admin_listen", admL.Addr().String()).Interface("config_sources", nonDefault(sources)).Msg("admin listener up: not ready until the scripts are loaded")

	dir, cleanup, err := scriptsDir(cfg.scriptsDir, sources["scripts"] != sourceDefault, &log)
	if err != nil {
		log.Error().Err(err).Msg("no scripts to serve")
		return 1
	}
	defer cleanup()
	if cfg.defaultScript == "" && dir != cfg.scriptsDir {
		cfg.defaultScript = "ivr-menu"
	}
	store, err := script.Open(dir, script.Options{Logger: log, OnReload: reloadCounter(met)})
	if err != nil {
		log.Error().Err(err).Msg("cannot open the scripts directory")
		return 1
	}
	env := map[string]string{}
	for _, kvp := range cfg.scriptEnv {
		k, v, ok := strings.Cut(kvp, "=")
		if !ok || k == "" {
			log.Error().Str("script_env", kvp).Msg("--script-env wants NAME=VALUE")
			return 2
		}
		env[k] = v
	}
	if cfg.kvSpec == "" {
		if err := os.MkdirAll(cfg.dataDir, 0o750); err != nil {
			log.Error().Err(err).Msg("cannot create the data directory")
			return 1
		}
	}
	kvStore, err := kv.Open(cfg.kvSpec, cfg.dataDir)
	if err != nil {
		log.Error().Err(err).Msg("cannot open the kv store")
		return 1
	}
	defer kvStore.Close()
	var httpClient *httpmod.Client
	if cfg.httpAllow != "" {
		var allow listFlag
		_ = allow.Set(cfg.httpAllow)
		if httpClient, err = httpmod.New(httpmod.Options{Allow: allow}); err != nil {
			log.Error().Err(err).Msg("bad --http-allow")
			return 2
		}
	}
	cfg.limits.HeapBytes = cfg.heapLimit << 20
	engine, err := jsbridge.New(jsbridge.Config{
		KV:            kvStore,
		HTTP:          httpClient,
		ScriptEnv:     env,
		Limits:        cfg.limits,
		Policy:        jsbridge.Policy{ExtraApps: cfg.allowApps, ExtraAPIs: cfg.allowAPIs},
		Scripts:       store,
		DefaultScript: cfg.defaultScript,
		Logger:        log,
		UserSounds:    cfg.userSounds,
		IVRSounds:     cfg.ivrSounds,
		RecordingsDir: cfg.recordingsDir,
		TTSEngine:     cfg.ttsEngine,
		TTSVoice:      cfg.ttsVoice,
		DialTemplate:  cfg.dialTemplate,
		ErrorCause:    cfg.errorCause,
		ErrorTransfer: cfg.errorTransfer,
		Observer:      met,
	})
	if err != nil {
		log.Error().Err(err).Msg("cannot start the script engine")
		return 1
	}
	srv.Handler = engine
	stopAPI, err := startAPI(context.Background(), cfg.api, engine, store, log)
	if err != nil {
		log.Error().Err(err).Msg("cannot start the HTTP API")
		return 1
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := stopAPI(ctx); err != nil {
			log.Warn().Err(err).Msg("HTTP API did not stop cleanly")
		}
	}()

	watchCtx, stopWatch := context.WithCancel(context.Background())
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		if !cfg.watchScripts {
			return
		}
		if err := store.Watch(watchCtx); err != nil {
			log.Error().Err(err).Msg("scripts watcher stopped: reload with SIGHUP")
		}
	}()
	defer func() { stopWatch(); <-watchDone }()

	l, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		log.Error().Err(err).Msg("cannot listen for FreeSWITCH")
		return 1
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	adm.SetReady()
	log.Info().Str("listen", l.Addr().String()).Str("scripts", dir).Str("default_script", cfg.defaultScript).Msg("callforge serving")

	var sig os.Signal
	for sig == nil {
		select {
		case err := <-errc:
			log.Error().Err(err).Msg("server stopped")
			return 1
		case <-hup:
			log.Info().Msg("SIGHUP: reloading scripts")
			go func() { _, _ = store.Reload() }()
		case sig = <-sigs:
		}
	}
	return drain(srv, adm, sig, sigs, errc, cfg, &log)
}

// drain stops taking calls at once (the ESL listener closes, /readyz turns 503),
// lets the calls in flight run up to cfg.drainTimeout, then hangs up the rest with
// cfg.errorCause. A second signal cuts it short: 1. Otherwise 0.
func drain(srv *voice.Server, adm *admin.Server, sig os.Signal, sigs <-chan os.Signal, errc <-chan error, cfg *serveConfig, log *zerolog.Logger) int {
	adm.SetDraining()
	ctx, cancel := context.WithTimeout(context.Background(), cfg.drainTimeout)
	defer cancel()
	drained := make(chan error, 1)
	go func() { drained <- srv.Shutdown(ctx) }()
	log.Info().Str("signal", sig.String()).Dur("drain_timeout", cfg.drainTimeout).
		Int("calls", len(srv.ActiveCalls())).Msg("draining: no new calls; calls in flight may finish")
	select {
	case err := <-drained:
		if err != nil {
			left := srv.ActiveCalls()
			log.Warn().Int("calls", len(left)).Str("cause", cfg.errorCause).Msg("drain deadline passed: ending the calls left")
			for _, c := range left {
				c.Hangup(cfg.errorCause, func(error) {})
			}
			ended := make(chan error, 1)
			endCtx, endCancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer endCancel()
			go func() { ended <- srv.Shutdown(endCtx) }()
			select {
			case err := <-ended:
				if err != nil {
					log.Warn().Int("calls", len(srv.ActiveCalls())).Msg("calls still open after hang-up: closing their sockets")
					_ = srv.Close()
				}
			case sig := <-sigs:
				log.Warn().Str("signal", sig.String()).Msg("second signal: exiting now")
				_ = srv.Close()
				return 1
			}
		}
	case sig := <-sigs:
		log.Warn().Str("signal", sig.String()).Int("calls", len(srv.ActiveCalls())).Msg("second signal: exiting now")
		_ = srv.Close()
		return 1
	}
	<-errc
	log.Info().Msg("callforge stopped")
	return 0
}

// nonDefault keeps the flags whose value did not come from their default.
func nonDefault(sources map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range sources {
		if v != sourceDefault {
			out[k] = v
		}
	}
	return out
}

// scriptsDir returns the directory to serve: the given one, or, when the default
// ./scripts is absent, the built-in examples unpacked to a temporary directory.
func scriptsDir(dir string, explicit bool, log *zerolog.Logger) (string, func(), error) {
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir, func() {}, nil
	} else if explicit {
		return "", nil, fmt.Errorf("scripts directory %s: %w", dir, errOrNotDir(err))
	}
	tmp, err := os.MkdirTemp("", "callforge-scripts-")
	if err != nil {
		return "", nil, err
	}
	if err := scripts.Unpack(tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return "", nil, err
	}
	log.Info().Str("dir", tmp).Msg("serving the built-in example scripts")
	return tmp, func() { _ = os.RemoveAll(tmp) }, nil
}

func errOrNotDir(err error) error {
	if err != nil {
		return err
	}
	return errors.New("not a directory")
}

func newLogger(format, level string, w io.Writer) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(strings.ToLower(level))
	if err != nil {
		return zerolog.Nop(), fmt.Errorf("bad --log-level %q", level)
	}
	switch format {
	case "json":
	case "console":
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.RFC3339}
	default:
		return zerolog.Nop(), fmt.Errorf("bad --log-format %q (json or console)", format)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}
