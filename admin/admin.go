package admin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// DefaultAddr is where the admin listener listens unless told otherwise.
const DefaultAddr = "127.0.0.1:9090"

// ErrNotLoopback is returned for an address off loopback when Options.Public is false.
var ErrNotLoopback = errors.New("admin address is not on loopback")

// State is the engine's readiness as /readyz reports it.
type State int32

// States, in the order they normally come.
const (
	Starting State = iota // scripts not loaded yet: not ready
	Ready                 // taking calls
	Draining              // a drain began: not ready, and never again
)

func (s State) String() string {
	switch s {
	case Starting:
		return "starting"
	case Ready:
		return "ready"
	case Draining:
		return "draining"
	}
	return fmt.Sprintf("State(%d)", int32(s))
}

// Options configures New.
type Options struct {
	Addr    string       // host:port; "" means DefaultAddr
	Public  bool         // allow an address off loopback
	Metrics http.Handler // served at /metrics (nil: 404)
	Logger  zerolog.Logger
}

// Server is the admin listener. Its methods are safe for concurrent use.
type Server struct {
	addr  string
	log   zerolog.Logger
	state atomic.Int32
	http  *http.Server
	mux   *http.ServeMux
}

// New checks the address and returns a Server in state Starting.
func New(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if err := CheckAddr(opts.Addr, opts.Public); err != nil {
		return nil, err
	}
	s := &Server{addr: opts.Addr, log: opts.Logger, mux: http.NewServeMux()}
	if opts.Metrics != nil {
		s.mux.Handle("GET /metrics", opts.Metrics)
	}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = fmt.Fprintln(w, "ok")
	})
	s.mux.HandleFunc("GET /readyz", s.readyz)
	// Go's profiler, for operators (the listener is loopback unless told
	// otherwise): /debug/pprof/profile?seconds=30, /debug/pprof/heap?gc=1 ...
	s.mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	s.mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	s.mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	s.mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	s.mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	s.http = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	return s, nil
}

// CheckAddr accepts host:port on loopback (127.0.0.0/8, ::1 or "localhost"); any
// other address, including an empty host (every interface), only when public.
func CheckAddr(addr string, public bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("admin address %q: %w", addr, err)
	}
	if public {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%w: %q (give --admin-public to listen there)", ErrNotLoopback, addr)
}

// Handler returns the admin routes (for tests and for mounting elsewhere).
func (s *Server) Handler() http.Handler { return s.mux }

// State returns the readiness state.
func (s *Server) State() State { return State(s.state.Load()) }

// SetReady moves Starting to Ready; it does nothing once draining began.
func (s *Server) SetReady() {
	if s.state.CompareAndSwap(int32(Starting), int32(Ready)) {
		s.log.Info().Msg("ready")
	}
}

// SetDraining makes /readyz answer 503 from now on.
func (s *Server) SetDraining() { s.state.Store(int32(Draining)) }

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	st := s.State()
	if st != Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, _ = fmt.Fprintln(w, st)
}

// Listen opens the listener on the configured address.
func (s *Server) Listen() (net.Listener, error) {
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		return nil, fmt.Errorf("admin listen: %w", err)
	}
	return l, nil
}

// Serve serves the admin routes on l until Shutdown; it then returns nil.
func (s *Server) Serve(l net.Listener) error {
	if err := s.http.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("admin serve: %w", err)
	}
	return nil
}

// Shutdown stops the listener and waits (bounded by ctx) for requests in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.http.Shutdown(ctx)
}
