package esl

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/percipia/eslgo"
)

// Content types of the frames FreeSWITCH sends.
const (
	TypeReply      = eslgo.TypeReply       // command/reply
	TypeAPI        = eslgo.TypeAPIResponse // api/response
	TypeEventPlain = eslgo.TypeEventPlain  // text/event-plain
	TypeEventJSON  = eslgo.TypeEventJSON   // text/event-json
	TypeEventXML   = eslgo.TypeEventXML    // text/event-xml
	TypeDisconnect = eslgo.TypeDisconnect  // text/disconnect-notice
	TypeAuth       = eslgo.TypeAuthRequest // auth/request
)

// Limits that protect the reader from a peer that sends garbage.
const (
	MaxHeaderLine  = 64 << 10 // longest header line accepted
	MaxHeaders     = 4096     // most header lines in one block
	MaxContentSize = 16 << 20 // largest Content-Length accepted
)

// ErrMalformed is wrapped by every error about a frame that breaks the protocol.
var ErrMalformed = errors.New("malformed esl frame")

// Header is one "Name: value" line. Value is kept as it was on the wire; for plain
// events and the connect reply that is URL-encoded (see Decode).
type Header struct {
	Name  string
	Value string
}

// Headers is an ordered header list; lookups are case-sensitive first, then
// case-insensitive, as FreeSWITCH header names are case-insensitive.
type Headers []Header

// Raw returns the first value of name as it was on the wire.
func (h Headers) Raw(name string) (string, bool) {
	for i := range h {
		if h[i].Name == name {
			return h[i].Value, true
		}
	}
	for i := range h {
		if strings.EqualFold(h[i].Name, name) {
			return h[i].Value, true
		}
	}
	return "", false
}

// HeaderBlock is a block of "Name: value\n" lines, kept as the one string it
// arrived as; a header is found by scanning (a frame's outer block is two lines,
// the connect reply's ~165, and a call reads a few of them).
type HeaderBlock string

// Raw returns the first value of name as it was on the wire (exact case first,
// then any case).
func (b HeaderBlock) Raw(name string) (string, bool) {
	if v, ok := scanHeader(string(b), name); ok {
		return v, true
	}
	var v string
	found := false
	b.Each(func(n, val string) {
		if !found && strings.EqualFold(n, name) {
			v, found = val, true
		}
	})
	return v, found
}

// Each calls fn for every header in order, with the value as on the wire.
func (b HeaderBlock) Each(fn func(name, raw string)) {
	s := string(b)
	for len(s) > 0 {
		line := s
		if nl := strings.IndexByte(s, '\n'); nl >= 0 {
			line, s = s[:nl], s[nl+1:]
		} else {
			s = ""
		}
		if colon := strings.IndexByte(line, ':'); colon > 0 {
			fn(line[:colon], strings.TrimPrefix(line[colon+1:], " "))
		}
	}
}

// List returns the headers as a list (for tests and tools).
func (b HeaderBlock) List() Headers {
	var h Headers
	b.Each(func(n, v string) { h = append(h, Header{Name: n, Value: v}) })
	return h
}

// Frame is one message from FreeSWITCH.
type Frame struct {
	Headers HeaderBlock // outer headers, raw
	Body    string
	// Event is set for text/event-plain and text/event-json frames.
	Event *Event
}

// ContentType returns the frame's Content-Type.
func (f *Frame) ContentType() string {
	v, _ := f.Headers.Raw("Content-Type")
	return v
}

// Event is a FreeSWITCH event. A plain event keeps its header block as one
// string and finds a header by scanning it: an event carries ~140 headers and a
// call reads a handful of them, so splitting every event would be wasted work.
type Event struct {
	// Headers is set for JSON events and the connect reply; plain events use raw.
	Headers Headers
	Body    string
	raw     string // plain event: "Name: value\n" lines, URL-encoded values
	// encoded reports whether header values are URL-encoded (plain events).
	encoded bool
}

// Raw returns the header's value as it was on the wire.
func (e *Event) Raw(name string) (string, bool) {
	if e.raw == "" {
		return e.Headers.Raw(name)
	}
	return scanHeader(e.raw, name)
}

// Lookup returns the decoded value of the header name.
func (e *Event) Lookup(name string) (string, bool) {
	v, ok := e.Raw(name)
	if !ok {
		return "", false
	}
	if e.encoded {
		return Decode(v), true
	}
	return v, true
}

// Get returns the decoded value of the header name, or "".
func (e *Event) Get(name string) string {
	v, _ := e.Lookup(name)
	return v
}

// Each calls fn for every header in order, with the value as on the wire.
func (e *Event) Each(fn func(name, raw string)) {
	if e.raw == "" {
		for _, h := range e.Headers {
			fn(h.Name, h.Value)
		}
		return
	}
	HeaderBlock(e.raw).Each(fn)
}

// Len returns the number of headers.
func (e *Event) Len() int {
	if e.raw == "" {
		return len(e.Headers)
	}
	return strings.Count(e.raw, "\n")
}

// HasPrefix reports whether some header name starts with prefix.
func (e *Event) HasPrefix(prefix string) bool {
	if e.raw == "" {
		for _, h := range e.Headers {
			if strings.HasPrefix(h.Name, prefix) {
				return true
			}
		}
		return false
	}
	return strings.HasPrefix(e.raw, prefix) || strings.Contains(e.raw, "\n"+prefix)
}

// scanHeader finds "name: value" at the start of a line of raw.
func scanHeader(raw, name string) (string, bool) {
	for off := 0; off < len(raw); {
		i := strings.Index(raw[off:], name)
		if i < 0 {
			return "", false
		}
		i += off
		end := i + len(name)
		if (i == 0 || raw[i-1] == '\n') && end < len(raw) && raw[end] == ':' {
			v := raw[end+1:]
			if nl := strings.IndexByte(v, '\n'); nl >= 0 {
				v = v[:nl]
			}
			return strings.TrimPrefix(v, " "), true
		}
		off = i + 1
	}
	return "", false
}

// Encoded reports whether header values are URL-encoded.
func (e *Event) Encoded() bool { return e.encoded }

// NewEvent makes an event of a header block (the connect reply's channel data).
func NewEvent(h HeaderBlock, encoded bool) *Event { return &Event{raw: string(h), encoded: encoded} }

// Decode undoes FreeSWITCH's URL-encoding of a header value. FreeSWITCH encodes with
// switch_url_encode, which never emits '+' for a space, so '+' stays '+'.
func Decode(v string) string {
	if strings.IndexByte(v, '%') < 0 {
		return v
	}
	d, err := url.PathUnescape(v)
	if err != nil {
		return v
	}
	return d
}

// Reader reads frames from FreeSWITCH. It is not safe for concurrent use.
type Reader struct {
	br  *bufio.Reader   // nil while Wait waits on an idle connection
	raw syscall.RawConn // src's descriptor, when Wait can use it (TCP and Unix sockets on Unix)
	pre prefixReader    // what Wait read, served before src
}

// readerBuffer holds a whole typical event (FreeSWITCH's carry ~140 headers, about
// 5.5 KB with the channel variables), so one read takes one frame and its body is
// copied once, out of the buffer. Only a connection in the middle of a read holds
// one (Wait gives it back), so its size costs a parked call nothing. Larger frames
// are read through it.
const readerBuffer = 8 << 10

// bufReaders and firstReads lend the buffered readers and the buffers of Wait's
// first read. A connection that sits idle (a call parked for an hour) holds
// neither: bufio.Reader keeps its buffer for life, so the Reader gives the whole
// bufio.Reader back while it waits, and waits through the socket's RawConn so the
// wait itself needs no buffer either.
var (
	bufReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readerBuffer) }}
	firstReads = sync.Pool{New: func() any { b := make([]byte, readerBuffer); return &b }}
)

// NewReader returns a Reader on r.
func NewReader(r io.Reader) *Reader {
	rd := &Reader{raw: rawConnOf(r)}
	rd.pre.src = r
	rd.br = bufReaders.Get().(*bufio.Reader)
	rd.br.Reset(r)
	return rd
}

// Wait blocks until the next frame has begun to arrive (or the connection fails).
// Calling it before ReadFrame changes nothing about what is read. While it waits
// with nothing buffered, the Reader holds no buffer and the goroutine's stack is
// shallow (the frame parser is not on it), so a connection that sits idle for
// hours costs little.
func (r *Reader) Wait() error {
	if r.br.Buffered() > 0 {
		return nil
	}
	if r.raw == nil {
		_, err := r.br.Peek(1)
		return err
	}
	r.br.Reset(nil) // the pooled reader keeps no reference to this connection
	bufReaders.Put(r.br)
	r.br = nil
	bp, n, rerr, err := waitRead(r.raw)
	r.br = bufReaders.Get().(*bufio.Reader)
	r.br.Reset(&r.pre)
	switch {
	case err != nil:
		return err
	case rerr != nil:
		firstReads.Put(bp)
		return rerr
	case n <= 0:
		firstReads.Put(bp)
		return io.EOF
	}
	r.pre.set(bp, n)
	return nil
}

// Release gives the Reader's buffers back for other connections' reads. The Reader
// must not be used afterwards.
func (r *Reader) Release() {
	if r.br != nil {
		r.br.Reset(nil)
		bufReaders.Put(r.br)
		r.br = nil
	}
	if r.pre.buf != nil {
		firstReads.Put(r.pre.buf)
		r.pre.buf = nil
	}
}

// prefixReader serves the bytes Wait read, then reads src.
type prefixReader struct {
	src  io.Reader
	buf  *[]byte // nil once served
	r, n int
}

func (p *prefixReader) set(bp *[]byte, n int) { p.buf, p.r, p.n = bp, 0, n }

func (p *prefixReader) Read(b []byte) (int, error) {
	if p.buf == nil {
		return p.src.Read(b)
	}
	c := copy(b, (*p.buf)[p.r:p.n])
	p.r += c
	if p.r == p.n {
		firstReads.Put(p.buf)
		p.buf = nil
	}
	return c, nil
}

// ReadFrame reads the next frame. Errors about the byte stream wrap ErrMalformed;
// I/O errors (io.EOF when the peer closed between frames) are returned as they are.
func (r *Reader) ReadFrame() (*Frame, error) {
	hdrs, err := readHeaderBlock(r.br, true)
	if err != nil {
		return nil, err
	}
	f := &Frame{Headers: hdrs}
	n, err := contentLength(hdrs)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		body, err := r.readBody(n)
		if err != nil {
			return nil, fmt.Errorf("%w: body cut short: %w", ErrMalformed, err)
		}
		f.Body = body
	}
	switch f.ContentType() {
	case TypeEventPlain:
		ev, err := ParsePlainEvent(f.Body)
		if err != nil {
			return nil, err
		}
		f.Event = ev
	case TypeEventJSON:
		ev, err := ParseJSONEvent(f.Body)
		if err != nil {
			return nil, err
		}
		f.Event = ev
	}
	return f, nil
}

// readBody reads an n-byte body. A body that fits the read buffer is copied out of
// it; a larger one grows as its bytes arrive (from 64 KiB at most), so a peer that
// announces 16 MiB and sends nothing costs nothing.
func (r *Reader) readBody(n int) (string, error) {
	if n <= r.br.Size() {
		b, err := r.br.Peek(n)
		if err != nil {
			return "", unexpectedEOF(err)
		}
		body := string(b)
		_, _ = r.br.Discard(n) // cannot fail: the n bytes are buffered
		return body, nil
	}
	var b strings.Builder
	b.Grow(min(n, 64<<10))
	for left := n; left > 0; {
		if r.br.Buffered() == 0 {
			if _, err := r.br.Peek(1); err != nil { // fill the buffer from the socket
				return "", unexpectedEOF(err)
			}
		}
		chunk, _ := r.br.Peek(min(left, r.br.Buffered()))
		b.Write(chunk)
		_, _ = r.br.Discard(len(chunk))
		left -= len(chunk)
	}
	return b.String(), nil
}

// unexpectedEOF reports a body cut short by the peer's close as such.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func contentLength(h HeaderBlock) (int, error) {
	v, ok := h.Raw("Content-Length")
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: bad Content-Length %q", ErrMalformed, v)
	}
	if n > MaxContentSize {
		return 0, fmt.Errorf("%w: Content-Length %d over the %d limit", ErrMalformed, n, MaxContentSize)
	}
	return n, nil
}

// readHeaderBlock reads "Name: value" lines up to an empty line. Empty lines before
// the first header are skipped when skipLeading is set (FreeSWITCH never sends them,
// but a tolerant reader costs nothing).
func readHeaderBlock(br *bufio.Reader, skipLeading bool) (HeaderBlock, error) {
	var block []byte
	lines := 0
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: gather it, up to MaxHeaderLine.
			long := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				if len(long) > MaxHeaderLine {
					return "", fmt.Errorf("%w: header line longer than %d bytes", ErrMalformed, MaxHeaderLine)
				}
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil {
			if err == io.EOF && len(line) == 0 && len(block) == 0 {
				return "", io.EOF
			}
			if err == io.EOF {
				return "", fmt.Errorf("%w: connection closed inside a header block", ErrMalformed)
			}
			return "", err
		}
		trimmed := trimEOL(line)
		if len(trimmed) == 0 {
			if len(block) == 0 && skipLeading {
				continue
			}
			break
		}
		lines++
		if lines > MaxHeaders {
			return "", fmt.Errorf("%w: more than %d header lines", ErrMalformed, MaxHeaders)
		}
		block = append(block, trimmed...)
		block = append(block, '\n')
	}
	hb := string(block)
	if err := checkHeaderLines(hb); err != nil {
		return "", err
	}
	return HeaderBlock(hb), nil
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

// ParsePlainEvent parses the body of a text/event-plain frame. The header block is
// checked line by line but kept as one string.
func ParsePlainEvent(body string) (*Event, error) {
	head, rest := body, ""
	if end := strings.Index(body, "\n\n"); end >= 0 {
		head, rest = body[:end+1], body[end+2:]
	}
	if err := checkHeaderLines(head); err != nil {
		return nil, err
	}
	ev := &Event{raw: head, encoded: true}
	if v, ok := scanHeader(head, "Content-Length"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > len(rest) {
			return nil, fmt.Errorf("%w: event body length %q does not fit", ErrMalformed, v)
		}
		ev.Body = rest[:n]
	}
	return ev, nil
}

// checkHeaderLines verifies that every line of s is "Name: value".
func checkHeaderLines(s string) error {
	for len(s) > 0 {
		line := s
		if nl := strings.IndexByte(s, '\n'); nl >= 0 {
			line, s = s[:nl], s[nl+1:]
		} else {
			s = ""
		}
		if strings.IndexByte(line, ':') <= 0 {
			return fmt.Errorf("%w: event header line without a name: %q", ErrMalformed, truncate(line, 80))
		}
	}
	return nil
}

// ParseJSONEvent parses the body of a text/event-json frame. Values are decoded.
func ParseJSONEvent(body string) (*Event, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return nil, fmt.Errorf("%w: event json: %w", ErrMalformed, err)
	}
	ev := &Event{Headers: make(Headers, 0, len(m))}
	for k, v := range m {
		switch x := v.(type) {
		case string:
			if k == "_body" {
				ev.Body = x
				continue
			}
			ev.Headers = append(ev.Headers, Header{Name: k, Value: x})
		case []any: // multi-valued headers (ARRAY::)
			parts := make([]string, 0, len(x))
			for _, p := range x {
				parts = append(parts, fmt.Sprint(p))
			}
			ev.Headers = append(ev.Headers, Header{Name: k, Value: "ARRAY::" + strings.Join(parts, "|:")})
		default:
			ev.Headers = append(ev.Headers, Header{Name: k, Value: fmt.Sprint(x)})
		}
	}
	return ev, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
