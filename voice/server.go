package voice

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/voice/internal/esl"
)

// Handler serves one call. ServeCall's return ends the engine's part in the call:
// if the channel is still up and under the engine's control, voice hangs it up with
// NORMAL_CLEARING. ctx is cancelled when the channel goes down.
type Handler interface {
	ServeCall(ctx context.Context, call *Call)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, call *Call)

// ServeCall calls f(ctx, call).
func (f HandlerFunc) ServeCall(ctx context.Context, call *Call) { f(ctx, call) }

// Server accepts FreeSWITCH's outbound Event Socket connections, one per call, and
// hands each call to Handler. Its methods are safe for concurrent use; fields must be
// set before Serve.
type Server struct {
	Handler Handler
	Logger  zerolog.Logger
	// ConnectTimeout bounds the connect exchange (default 5s; FreeSWITCH itself gives up after 25s).
	ConnectTimeout time.Duration
	// HangupTimeout bounds the wait for the channel to go down after the engine hangs up (default 10s).
	HangupTimeout time.Duration
	// HangupGrace is how long the socket is kept for the channel's last events once it is down (default 2s).
	HangupGrace time.Duration
	// ExitTimeout bounds the wait for FreeSWITCH to close after exit (default 5s).
	ExitTimeout time.Duration
	// WriteTimeout bounds one write to FreeSWITCH (default 10s).
	WriteTimeout time.Duration
	// Observer, if set, is told about calls, command latencies and the engine's own
	// added latency (for metrics).
	Observer Observer

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	calls     map[*Call]struct{}
	closed    bool
	wg        sync.WaitGroup

	active    atomic.Int64
	total     atomic.Int64
	framesIn  atomic.Int64
	framesOut atomic.Int64
}

// Stats is a snapshot of the server's counters.
type Stats struct {
	ActiveCalls, TotalCalls, FramesIn, FramesOut int64
}

// Stats returns the server's counters.
func (s *Server) Stats() Stats {
	return Stats{s.active.Load(), s.total.Load(), s.framesIn.Load(), s.framesOut.Load()}
}

func (s *Server) connectTimeout() time.Duration { return orDefault(s.ConnectTimeout, 5*time.Second) }
func (s *Server) hangupTimeout() time.Duration  { return orDefault(s.HangupTimeout, 10*time.Second) }
func (s *Server) hangupGrace() time.Duration    { return orDefault(s.HangupGrace, 2*time.Second) }
func (s *Server) exitTimeout() time.Duration    { return orDefault(s.ExitTimeout, 5*time.Second) }
func (s *Server) writeTimeout() time.Duration   { return orDefault(s.WriteTimeout, 10*time.Second) }

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// ListenAndServe listens on the TCP address addr and calls Serve.
func (s *Server) ListenAndServe(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("voice: listen: %w", err)
	}
	return s.Serve(l)
}

// Serve accepts connections on l until Shutdown or Close; it then returns
// ErrServerClosed. Serve closes l.
func (s *Server) Serve(l net.Listener) error {
	if s.Handler == nil {
		return errors.New("voice: server has no handler")
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = l.Close()
		return ErrServerClosed
	}
	if s.listeners == nil {
		s.listeners = make(map[net.Listener]struct{})
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		_ = l.Close()
	}()

	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscallEMFILE) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.Logger.Warn().Err(err).Dur("retry_in", backoff).Msg("accept failed")
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("voice: accept: %w", err)
		}
		backoff = 0
		s.wg.Add(1)
		go s.serveConn(nc)
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Shutdown stops accepting calls and waits for the calls in flight to end, or for ctx
// to be done (then it returns ctx's error and the calls go on; call Close to end
// them). Like net/http's Shutdown, Serve returns ErrServerClosed at once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopListening(true)
	idle := make(chan struct{})
	go func() { s.wg.Wait(); close(idle) }()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting calls and closes every call's socket now.
func (s *Server) Close() error {
	s.stopListening(false)
	s.mu.Lock()
	for c := range s.calls {
		_ = c.nc.Close()
	}
	s.mu.Unlock()
	return nil
}

// ActiveCalls returns the calls in flight.
func (s *Server) ActiveCalls() []*Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Call, 0, len(s.calls))
	for c := range s.calls {
		out = append(out, c)
	}
	return out
}

// stopListening closes the listeners. With serveQueued, each listener is first
// quiesced: connections whose handshake the kernel completed (the peer thinks it is
// connected) are taken and served, so that closing refuses calls and resets none.
func (s *Server) stopListening(serveQueued bool) {
	s.mu.Lock()
	s.closed = true
	ls := make([]net.Listener, 0, len(s.listeners))
	for l := range s.listeners {
		ls = append(ls, l)
	}
	s.mu.Unlock()
	for _, l := range ls {
		if serveQueued {
			for _, nc := range quiesce(l) {
				s.wg.Add(1)
				go s.serveConn(nc)
			}
		}
		_ = l.Close()
	}
}

// serveConn runs one call from connect to close.
//
// It is split in three so that its own stack frame, which stays on the goroutine's
// stack for the whole call (a parked call may last hours), is small: with the
// set-up and the tear-down inline it was over 1 KiB, enough to keep every call's
// goroutine on an 8 KiB stack where 4 KiB do.
func (s *Server) serveConn(nc net.Conn) {
	defer s.wg.Done()
	c, ctx := s.openCall(nc)
	if c == nil {
		return
	}
	s.runHandler(ctx, c)
	s.closeCall(c)
}

// openCall connects to FreeSWITCH's side of the socket, starts the call's reader
// and returns the call, or nil if the session could not be set up.
func (s *Server) openCall(nc net.Conn) (*Call, context.Context) {
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	r := esl.NewReader(nc)
	data, err := s.connect(nc, r)
	if err != nil {
		s.Logger.Error().Err(err).Str("remote", nc.RemoteAddr().String()).Msg("connect to freeswitch failed")
		r.Release()
		_ = nc.Close()
		return nil, nil
	}
	id := data.Get("Unique-ID")
	ctx, cancel := context.WithCancel(context.Background())
	c := &Call{
		nc:         nc,
		uuid:       id,
		data:       &Event{ev: data},
		srv:        s,
		pending:    make(map[string]*pendingApp),
		latest:     data,
		gone:       make(chan struct{}),
		readerDone: make(chan struct{}),
		cancel:     cancel,
		wbuf:       make([]byte, 0, 256),
		began:      time.Now(),
	}
	log := s.Logger.With().Str("call", id).Logger()
	c.logp.Store(&log)
	s.track(c, true)
	if s.Observer != nil {
		s.Observer.CallStarted()
	}

	// myevents and linger are pipelined: FreeSWITCH handles them before the first
	// sendmsg, and their replies are checked as they come.
	for _, cmd := range [][]byte{esl.CmdEvents, esl.CmdLinger} {
		cmd := cmd
		c.command(func(dst []byte) ([]byte, error) { return append(dst, cmd...), nil }, false,
			func(f *esl.Frame, err error) {
				if err == nil && !replyOK(f) {
					err = &RefusedError{Command: string(cmd[:len(cmd)-2]), Reply: replyText(f)}
				}
				if err != nil && !errors.Is(err, ErrHangup) {
					c.Logger().Warn().Err(err).Msg("session setup command failed")
				}
			})
	}
	go c.readLoop(r)
	return c, ctx
}

// closeCall ends the call once its handler has returned: a channel still up is hung
// up, exit is sent once the channel's last event is in, and the socket is closed.
func (s *Server) closeCall(c *Call) {
	defer s.track(c, false)
	if s.Observer != nil {
		defer func() { s.Observer.CallEnded(c.HangupCause(), time.Since(c.began)) }()
	}
	c.mu.Lock()
	c.handlerDone = true
	live := !c.down && !c.detached
	c.mu.Unlock()
	if live {
		hung := make(chan struct{})
		c.Hangup("NORMAL_CLEARING", func(error) { close(hung) })
		select {
		case <-hung:
		case <-c.readerDone:
		case <-time.After(s.hangupTimeout()):
			c.Logger().Warn().Msg("channel still up after hangup: closing its socket")
			_ = c.nc.Close()
		}
	}
	c.dmu.Lock()
	c.maybeExit()
	c.dmu.Unlock()
	select {
	case <-c.readerDone:
	case <-time.After(s.hangupGrace() + s.exitTimeout()):
		_ = c.nc.Close()
		<-c.readerDone
	}
	c.cancel()
}

func (s *Server) runHandler(ctx context.Context, c *Call) {
	defer func() {
		if p := recover(); p != nil {
			c.Logger().Error().Interface("panic", p).Bytes("stack", debug.Stack()).Msg("call handler panicked")
		}
	}()
	s.Handler.ServeCall(ctx, c)
}

func (s *Server) track(c *Call, add bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls == nil {
		s.calls = make(map[*Call]struct{})
	}
	if add {
		s.calls[c] = struct{}{}
		s.active.Add(1)
		s.total.Add(1)
		return
	}
	delete(s.calls, c)
	s.active.Add(-1)
}

// connect sends connect and reads the channel data.
func (s *Server) connect(nc net.Conn, r *esl.Reader) (*esl.Event, error) {
	_ = nc.SetDeadline(time.Now().Add(s.connectTimeout()))
	defer func() { _ = nc.SetDeadline(time.Time{}) }()
	if _, err := nc.Write(esl.CmdConnect); err != nil {
		return nil, fmt.Errorf("send connect: %w", err)
	}
	s.framesOut.Add(1)
	for {
		f, err := r.ReadFrame()
		if err != nil {
			return nil, fmt.Errorf("read connect reply: %w", err)
		}
		s.framesIn.Add(1)
		switch f.ContentType() {
		case esl.TypeReply:
			if !replyOK(f) {
				return nil, fmt.Errorf("connect refused: %s", replyText(f))
			}
			data := esl.NewEvent(f.Headers, true)
			if data.Get("Unique-ID") == "" {
				return nil, errors.New("connect reply carries no Unique-ID")
			}
			return data, nil
		case esl.TypeDisconnect:
			return nil, errors.New("freeswitch disconnected before connect was answered")
		}
		// anything else before the reply is ignored
	}
}
