package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/script"
)

// Defaults of Config.
const (
	DefaultAddr        = "127.0.0.1:8089"
	DefaultMaxBody     = 1 << 20
	DefaultBudget      = jsbridge.DefaultJobBudget
	DefaultConcurrency = 32
)

// Config configures the API server.
type Config struct {
	Addr string // listen address (default DefaultAddr)
	// Tokens are the accepted bearer tokens. With none, the API is open, and only
	// allowed on a loopback address.
	Tokens      []string
	MaxBody     int64         // largest request body in bytes (default DefaultMaxBody)
	Budget      time.Duration // time budget of one script run (default DefaultBudget)
	Concurrency int           // script runs at once; more get 429 (default DefaultConcurrency)
	Logger      zerolog.Logger
}

// Runner runs a script outside a call (*jsbridge.Engine).
type Runner interface {
	RunJob(ctx context.Context, j jsbridge.Job) (jsbridge.JobResult, error)
}

// Scripts finds scripts by name (*script.Store).
type Scripts interface {
	Get(name string) (*script.Script, error)
}

// Server is the HTTP API. Create it with New.
type Server struct {
	cfg     Config
	run     Runner
	scripts Scripts
	tokens  *tokenSet
	sem     chan struct{}
	log     zerolog.Logger
	handler http.Handler
	srv     *http.Server
}

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI description served at /v1/openapi.json.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// route is one endpoint; routes is the single list the mux is built from.
type route struct {
	method, path string
	auth         bool
	handle       func(s *Server, w http.ResponseWriter, r *http.Request, log *zerolog.Logger)
}

var routes = []route{
	{http.MethodPost, "/v1/apps/{name}", true, (*Server).app},
	{http.MethodPost, "/v1/drivers/{name}/{function}", true, (*Server).driver},
	{http.MethodPost, "/v1/forms/{name}", true, (*Server).form},
	{http.MethodGet, "/v1/openapi.json", false, (*Server).openapi},
}

// Routes lists "METHOD path" of every endpoint the server serves.
func Routes() []string {
	out := make([]string, 0, len(routes))
	for _, rt := range routes {
		out = append(out, rt.method+" "+rt.path)
	}
	return out
}

// New checks cfg and returns a Server (not yet listening).
func New(cfg Config, run Runner, scripts Scripts) (*Server, error) {
	if run == nil || scripts == nil {
		return nil, fmt.Errorf("%w: a runner and a script store are required", ErrBadConfig)
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Budget <= 0 {
		cfg.Budget = DefaultBudget
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("%w: listen address %q: %w", ErrBadConfig, cfg.Addr, err)
	}
	s := &Server{cfg: cfg, run: run, scripts: scripts, tokens: newTokenSet(cfg.Tokens),
		sem: make(chan struct{}, cfg.Concurrency), log: cfg.Logger.With().Str("component", "api").Logger()}
	if s.tokens.empty() && !isLoopback(host) {
		return nil, ErrNoTokens
	}
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.path, s.endpoint(rt))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, CodeNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path+" (see /v1/openapi.json)", "")
	})
	s.handler = mux
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ReadTimeout: time.Minute, WriteTimeout: cfg.Budget + time.Minute}
	return s, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Handler returns the API's HTTP handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

// Listen opens the configured address.
func (s *Server) Listen() (net.Listener, error) {
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return nil, err
	}
	if s.tokens.empty() {
		s.log.Warn().Str("addr", l.Addr().String()).Msg("api has no bearer tokens: open to anyone on this host")
	}
	return l, nil
}

// Serve serves the API on l until Shutdown; it then returns http.ErrServerClosed.
func (s *Server) Serve(l net.Listener) error { return s.srv.Serve(l) }

// Shutdown stops taking requests and waits (until ctx ends) for those in flight.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// endpoint wraps a route with logging, panic recovery, the method check and auth.
func (s *Server) endpoint(rt route) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		began := time.Now()
		id := uuid.NewString()
		rw.Header().Set("X-Request-Id", id)
		w := &statusWriter{ResponseWriter: rw}
		log := s.log.With().Str("request", id).Str("method", r.Method).Str("path", r.URL.Path).Logger()
		defer func() {
			if p := recover(); p != nil {
				log.Error().Interface("panic", p).Msg("api handler panicked")
				if w.status == 0 {
					writeError(w, http.StatusInternalServerError, CodeInternal, "internal error", "")
				}
			}
			ev := log.Info()
			if w.status >= 500 {
				ev = log.Error()
			} else if w.status >= 400 {
				ev = log.Warn()
			}
			ev.Int("status", w.status).Dur("took", time.Since(began)).Str("remote", r.RemoteAddr).Msg("api request")
		}()
		if r.Method != rt.method {
			w.Header().Set("Allow", rt.method)
			writeError(w, http.StatusMethodNotAllowed, CodeMethod, rt.path+" takes "+rt.method, "")
			return
		}
		if rt.auth && !s.tokens.empty() {
			tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || !s.tokens.valid(strings.TrimSpace(tok)) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="callforge"`)
				writeError(w, http.StatusUnauthorized, CodeUnauthorized, "a valid 'Authorization: Bearer <token>' header is required", "")
				return
			}
		}
		rt.handle(s, w, r, &log)
	})
}

func (s *Server) openapi(w http.ResponseWriter, _ *http.Request, _ *zerolog.Logger) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openAPI)
}

// app: POST /v1/apps/{name}, JSON body -> main(body) -> JSON.
func (s *Server) app(w http.ResponseWriter, r *http.Request, log *zerolog.Logger) {
	s.runScript(w, r, log, "app", r.PathValue("name"), "", readJSONBody)
}

var functionName = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]{0,63}$`)

// objectMethods are Object.prototype's members: never driver functions.
var objectMethods = map[string]bool{
	"constructor": true, "toString": true, "toLocaleString": true, "valueOf": true, "hasOwnProperty": true,
	"isPrototypeOf": true, "propertyIsEnumerable": true,
}

// driver: POST /v1/drivers/{name}/{function}, JSON body = the function's argument.
func (s *Server) driver(w http.ResponseWriter, r *http.Request, log *zerolog.Logger) {
	fn := r.PathValue("function")
	if !functionName.MatchString(fn) || objectMethods[fn] || strings.HasPrefix(fn, "__") {
		writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("%q is not a driver function name", fn), "")
		return
	}
	s.runScript(w, r, log, "driver", r.PathValue("name"), fn, readJSONBody)
}

// form: POST /v1/forms/{name}, urlencoded, multipart (fields only) or JSON.
func (s *Server) form(w http.ResponseWriter, r *http.Request, log *zerolog.Logger) {
	s.runScript(w, r, log, "form", r.PathValue("name"), "", readFormBody)
}

// bodyError is a request body that cannot be used: its status and code.
type bodyError struct {
	status int
	code   string
	msg    string
}

func (e *bodyError) Error() string { return e.msg }

// runScript runs one script for a request and writes its JSON result.
func (s *Server) runScript(w http.ResponseWriter, r *http.Request, log *zerolog.Logger, kind, name, function string,
	read func(r *http.Request, max int64) (json.RawMessage, error)) {
	l := log.With().Str("kind", kind).Str("script", name).Logger()
	if function != "" {
		l = l.With().Str("function", function).Logger()
	}
	*log = l
	if r.ContentLength > s.cfg.MaxBody {
		writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("request body is larger than %d bytes", s.cfg.MaxBody), "")
		return
	}
	select {
	case s.sem <- struct{}{}:
		defer func() { <-s.sem }()
	default:
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, CodeTooMany, fmt.Sprintf("%d script runs are in flight: try again shortly", s.cfg.Concurrency), "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBody)
	arg, err := read(r, s.cfg.MaxBody)
	if err != nil {
		var be *bodyError
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			writeError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("request body is larger than %d bytes", s.cfg.MaxBody), "")
		case errors.As(err, &be):
			writeError(w, be.status, be.code, be.msg, "")
		default:
			writeError(w, http.StatusBadRequest, CodeBadRequest, "request body cannot be read: "+err.Error(), "")
		}
		return
	}
	sc, err := s.scripts.Get(name)
	if err != nil {
		var ce *script.CompileError
		switch {
		case errors.Is(err, script.ErrNotFound), errors.Is(err, script.ErrInvalidName):
			writeError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("no script %q", name), "")
		case errors.As(err, &ce):
			writeError(w, http.StatusInternalServerError, CodeScriptError, "script does not compile: "+ce.Message,
				fmt.Sprintf("%s:%d:%d", ce.File, ce.Line, ce.Column))
		default:
			writeError(w, http.StatusInternalServerError, CodeScriptError, "script cannot be loaded: "+err.Error(), "")
		}
		return
	}
	job := jsbridge.Job{Script: sc, Function: function, Budget: s.cfg.Budget, Kind: kind, Logger: log}
	if arg != nil {
		job.Arg = arg
	}
	res, err := s.run.RunJob(r.Context(), job)
	if err != nil {
		s.writeRunError(w, r, log, name, function, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(res.Value, '\n'))
}

// writeRunError maps a failed run to its response.
func (s *Server) writeRunError(w http.ResponseWriter, r *http.Request, log *zerolog.Logger, name, function string, err error) {
	var se *jsbridge.ScriptError
	var le *jsbridge.LimitError
	var re *script.RuntimeError
	var ee *script.EntryError
	switch {
	case errors.As(err, &se):
		msg := "threw " + string(se.Value)
		if se.IsError {
			msg = se.Name + ": " + se.Message
		}
		at := jsbridge.ScriptErrorPos(se)
		log.Error().Str("error", msg).Str("at", at).Str("stack", se.Stack).Msg("script failed")
		if at != "" {
			msg += " (at " + at + ")"
		}
		writeError(w, http.StatusInternalServerError, CodeScriptError, msg, at)
	case errors.As(err, &le):
		if le.Limit == jsbridge.LimitBudget {
			writeError(w, http.StatusGatewayTimeout, CodeTimeout,
				fmt.Sprintf("the script ran past its %s budget and was stopped", s.cfg.Budget), "")
			return
		}
		writeError(w, http.StatusInternalServerError, CodeLimit, fmt.Sprintf("the script was stopped by its %s limit: %s", le.Limit, le.Why), "")
	case errors.Is(err, jsbridge.ErrNoFunction):
		writeError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("driver %q exports no function %q", name, function), "")
	case errors.As(err, &re):
		at := fmt.Sprintf("%s:%d:%d", re.File, re.Line, re.Column)
		writeError(w, http.StatusInternalServerError, CodeScriptError, re.Message+" (at "+at+")", at)
	case errors.As(err, &ee):
		writeError(w, http.StatusInternalServerError, CodeScriptError, err.Error(), ee.File)
	case r.Context().Err() != nil:
		log.Info().Err(err).Msg("client went away: run stopped")
		writeError(w, http.StatusServiceUnavailable, CodeInternal, "request cancelled", "")
	default:
		log.Error().Err(err).Msg("script run failed")
		writeError(w, http.StatusInternalServerError, CodeInternal, err.Error(), "")
	}
}
