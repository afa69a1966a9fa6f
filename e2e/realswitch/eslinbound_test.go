package realswitch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// errESLClosed: the inbound Event Socket connection ended.
var errESLClosed = errors.New("inbound event socket closed")

// eslFrame is one frame of FreeSWITCH's Event Socket: headers and an optional body.
type eslFrame struct {
	headers textproto.MIMEHeader
	body    []byte
}

// inboundESL is a minimal client of FreeSWITCH's inbound Event Socket (the one fs_cli uses):
// authenticate, run api commands, collect CHANNEL_HANGUP_COMPLETE events.
type inboundESL struct {
	conn    net.Conn
	replies chan eslFrame
	done    chan struct{}
	cmdMu   sync.Mutex

	mu      sync.Mutex
	hangups []map[string]string
	notify  chan struct{}
	readErr error
}

func readESLFrame(r *bufio.Reader) (eslFrame, error) {
	tp := textproto.NewReader(r)
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		return eslFrame{}, err
	}
	f := eslFrame{headers: h}
	if cl := h.Get("Content-Length"); cl != "" {
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 {
			return eslFrame{}, fmt.Errorf("bad Content-Length %q", cl)
		}
		f.body = make([]byte, n)
		if _, err := io.ReadFull(r, f.body); err != nil {
			return eslFrame{}, err
		}
	}
	return f, nil
}

// parsePlainEvent decodes a text/event-plain body (URL-encoded "Name: value" lines).
func parsePlainEvent(body []byte) map[string]string {
	ev := map[string]string{}
	head, _, _ := strings.Cut(string(body), "\n\n")
	for _, line := range strings.Split(head, "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		if dec, err := url.QueryUnescape(v); err == nil {
			v = dec
		}
		ev[k] = v
	}
	return ev
}

func dialInboundESL(ctx context.Context, addr, password string) (*inboundESL, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	r := bufio.NewReader(conn)
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	f, err := readESLFrame(r)
	if err != nil || f.headers.Get("Content-Type") != "auth/request" {
		conn.Close()
		return nil, fmt.Errorf("inbound event socket greeting: %v %v", f.headers, err)
	}
	if _, err := fmt.Fprintf(conn, "auth %s\n\n", password); err != nil {
		conn.Close()
		return nil, err
	}
	f, err = readESLFrame(r)
	if err != nil || !strings.HasPrefix(f.headers.Get("Reply-Text"), "+OK") {
		conn.Close()
		return nil, fmt.Errorf("inbound event socket auth: %v %v", f.headers, err)
	}
	_ = conn.SetDeadline(time.Time{})
	c := &inboundESL{conn: conn, replies: make(chan eslFrame, 1), done: make(chan struct{}), notify: make(chan struct{})}
	go c.readLoop(r)
	return c, nil
}

func (c *inboundESL) readLoop(r *bufio.Reader) {
	defer close(c.done)
	for {
		f, err := readESLFrame(r)
		if err != nil {
			c.mu.Lock()
			c.readErr = err
			c.mu.Unlock()
			return
		}
		switch f.headers.Get("Content-Type") {
		case "command/reply", "api/response":
			select {
			case c.replies <- f:
			case <-time.After(10 * time.Second):
			}
		case "text/event-plain":
			ev := parsePlainEvent(f.body)
			if ev["Event-Name"] == "CHANNEL_HANGUP_COMPLETE" {
				c.mu.Lock()
				c.hangups = append(c.hangups, ev)
				close(c.notify)
				c.notify = make(chan struct{})
				c.mu.Unlock()
			}
		}
	}
}

// command sends one command and returns its reply frame.
func (c *inboundESL) command(ctx context.Context, cmd string) (eslFrame, error) {
	c.cmdMu.Lock()
	defer c.cmdMu.Unlock()
	if _, err := fmt.Fprintf(c.conn, "%s\n\n", cmd); err != nil {
		return eslFrame{}, err
	}
	select {
	case f := <-c.replies:
		return f, nil
	case <-c.done:
		return eslFrame{}, errESLClosed
	case <-ctx.Done():
		return eslFrame{}, ctx.Err()
	}
}

// api runs an API command and returns its output.
func (c *inboundESL) api(ctx context.Context, cmd string) (string, error) {
	f, err := c.command(ctx, "api "+cmd)
	if err != nil {
		return "", err
	}
	return string(f.body), nil
}

// subscribeHangups asks for CHANNEL_HANGUP_COMPLETE events.
func (c *inboundESL) subscribeHangups(ctx context.Context) error {
	f, err := c.command(ctx, "event plain CHANNEL_HANGUP_COMPLETE")
	if err != nil {
		return err
	}
	if !strings.HasPrefix(f.headers.Get("Reply-Text"), "+OK") {
		return fmt.Errorf("event subscription refused: %s", f.headers.Get("Reply-Text"))
	}
	return nil
}

// waitHangups waits until n calls whose SIP Call-ID starts with prefix have ended, and returns
// their CHANNEL_HANGUP_COMPLETE events (possibly fewer, with the context's error).
func (c *inboundESL) waitHangups(ctx context.Context, prefix string, n int) ([]map[string]string, error) {
	for {
		c.mu.Lock()
		var got []map[string]string
		for _, ev := range c.hangups {
			if strings.HasPrefix(ev["variable_sip_call_id"], prefix) {
				got = append(got, ev)
			}
		}
		notify, readErr := c.notify, c.readErr
		c.mu.Unlock()
		if len(got) >= n {
			return got, nil
		}
		if readErr != nil {
			return got, fmt.Errorf("%w: %v", errESLClosed, readErr)
		}
		select {
		case <-notify:
		case <-ctx.Done():
			return got, ctx.Err()
		}
	}
}

func (c *inboundESL) close() {
	c.conn.Close()
	<-c.done
}
