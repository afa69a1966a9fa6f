package voice_test

import (
	"bufio"
	"context"
	"net"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/voice"
)

// stalledListener is a TCP listener whose Accept waits until it is closed, so that
// connections pile up in the kernel's accept queue.
type stalledListener struct {
	*net.TCPListener
	closed chan struct{}
}

func (l *stalledListener) Accept() (net.Conn, error) {
	<-l.closed
	return nil, net.ErrClosed
}

func (l *stalledListener) Close() error {
	select {
	case <-l.closed:
	default:
		close(l.closed)
	}
	return l.TCPListener.Close()
}

// Shutdown serves the connections whose handshake the kernel had completed (the
// peer took them as accepted) instead of resetting them by closing the listener;
// connections after it are refused.
func TestShutdownServesTheAcceptQueue(t *testing.T) {
	t.Parallel()
	tl, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	l := &stalledListener{TCPListener: tl, closed: make(chan struct{})}
	srv := &voice.Server{Logger: zerolog.Nop(), ConnectTimeout: time.Second,
		Handler: voice.HandlerFunc(func(context.Context, *voice.Call) {})}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()

	const queued = 5
	var conns []net.Conn
	for range queued {
		c, err := net.DialTimeout("tcp", tl.Addr().String(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != voice.ErrServerClosed {
		t.Fatalf("Serve = %v, want ErrServerClosed", err)
	}
	for i, c := range conns {
		_ = c.SetDeadline(time.Now().Add(3 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || line != "connect\n" {
			t.Errorf("queued connection %d: got %q, %v; want connect", i, line, err)
		}
	}
	if c, err := net.DialTimeout("tcp", tl.Addr().String(), 2*time.Second); err == nil {
		_ = c.Close()
		t.Error("a connection after Shutdown was accepted")
	}
}
