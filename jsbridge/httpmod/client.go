package httpmod

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults and fixed limits.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxTimeout  = 30 * time.Second
	DefaultMaxResponse = 1 << 20
	DefaultMaxRequest  = 1 << 20
	MaxRedirects       = 5
	// UserAgent is sent when the script sets none.
	UserAgent = "callforge-http/1"
)

// Options configures a Client. Zero values take the defaults.
type Options struct {
	// Allow lists the hosts scripts may reach: "host", "host:port", "*.example.com",
	// IP literals ("10.0.0.5:8080", "[::1]:8080"). Empty = nothing is reachable.
	Allow []string
	// DefaultTimeout applies when a request gives none; default 10 s.
	DefaultTimeout time.Duration
	// MaxTimeout caps every request's timeout; default 30 s.
	MaxTimeout time.Duration
	// MaxResponse caps the (decoded) response body; default 1 MiB.
	MaxResponse int64
	// MaxRequestBody caps the request body; default 1 MiB.
	MaxRequestBody int64
	// TLSClientConfig adds trust (RootCAs) for private CAs; TLS 1.2 is the minimum
	// whatever it says. Ignored when Transport is set.
	TLSClientConfig *tls.Config
	// Transport replaces the client's own transport (tests). The allow-list still
	// applies to every request and redirect, but the dial-time address checks and
	// the no-proxy rule are then the Transport's business.
	Transport http.RoundTripper
}

// Client is the allow-listed HTTP client. Safe for concurrent use.
type Client struct {
	opts   Options
	allow  allowList
	http   *http.Client
	lookup lookupFunc
	own    *http.Transport // nil when Options.Transport was given
}

// Request is one request a script makes. Method defaults to GET; Timeout 0 means
// Options.DefaultTimeout and is capped at Options.MaxTimeout.
type Request struct {
	Method  string
	URL     string
	Headers map[string]string
	Body    []byte
	Timeout time.Duration
}

// Response is a complete response. Header names are lower case; repeated headers are
// joined with ", ". URL is the final URL after redirects, password redacted.
type Response struct {
	Status     int
	StatusText string
	Headers    map[string]string
	Body       []byte
	URL        string
}

// New checks opts and builds a Client. A bad allow-list entry or limit is an error
// wrapping ErrBadOptions.
func New(opts Options) (*Client, error) {
	if opts.DefaultTimeout == 0 {
		opts.DefaultTimeout = DefaultTimeout
	}
	if opts.MaxTimeout == 0 {
		opts.MaxTimeout = DefaultMaxTimeout
	}
	if opts.MaxResponse == 0 {
		opts.MaxResponse = DefaultMaxResponse
	}
	if opts.MaxRequestBody == 0 {
		opts.MaxRequestBody = DefaultMaxRequest
	}
	switch {
	case opts.DefaultTimeout < 0 || opts.MaxTimeout < 0 || opts.MaxResponse < 0 || opts.MaxRequestBody < 0:
		return nil, &Error{Op: "options", Err: fmt.Errorf("%w: negative timeout or size", ErrBadOptions)}
	case opts.DefaultTimeout > opts.MaxTimeout:
		return nil, &Error{Op: "options", Err: fmt.Errorf("%w: default timeout %v above max timeout %v", ErrBadOptions, opts.DefaultTimeout, opts.MaxTimeout)}
	}
	c := &Client{opts: opts, lookup: defaultLookup}
	for _, raw := range opts.Allow {
		e, err := parseAllow(raw)
		if err != nil {
			return nil, &Error{Op: "options", Err: err}
		}
		c.allow = append(c.allow, e)
	}
	rt := opts.Transport
	if rt == nil {
		tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
		if opts.TLSClientConfig != nil {
			tlsConf = opts.TLSClientConfig.Clone()
			if tlsConf.MinVersion < tls.VersionTLS12 {
				tlsConf.MinVersion = tls.VersionTLS12
			}
		}
		c.own = &http.Transport{
			Proxy:                  nil, // never from the environment
			DialContext:            c.dialContext,
			ForceAttemptHTTP2:      true,
			TLSClientConfig:        tlsConf,
			MaxIdleConns:           100,
			MaxIdleConnsPerHost:    16,
			IdleConnTimeout:        90 * time.Second,
			TLSHandshakeTimeout:    10 * time.Second,
			ExpectContinueTimeout:  time.Second,
			MaxResponseHeaderBytes: 64 << 10,
		}
		rt = c.own
	}
	c.http = &http.Client{Transport: rt, CheckRedirect: c.checkRedirect}
	return c, nil
}

// CloseIdleConnections drops kept-alive connections (call at shutdown).
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

var allowedMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// checkURL parses a URL and applies the scheme and allow-list rules.
func (c *Client) checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &Error{Op: "url", URL: redactRaw(raw), Err: fmt.Errorf("%w: %w", ErrBadURL, unquoteURLErr(err))}
	}
	if err := c.checkParsed(u); err != nil {
		return nil, err
	}
	return u, nil
}

func (c *Client) checkParsed(u *url.URL) error {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return &Error{Op: "url", URL: u.Redacted(), Err: fmt.Errorf("%w: scheme %q (want http or https)", ErrBadURL, u.Scheme)}
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return &Error{Op: "url", URL: u.Redacted(), Err: fmt.Errorf("%w: no host", ErrBadURL)}
	}
	host, port := normalizeHost(u.Hostname()), u.Port()
	if port == "" {
		port = "80"
		if scheme == "https" {
			port = "443"
		}
	}
	if !c.allow.allows(host, port) {
		return &Error{Op: "allow", URL: u.Redacted(), Err: fmt.Errorf("%w: %s is not on the allow-list", ErrHostNotAllowed, net.JoinHostPort(host, port))}
	}
	return nil
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return fmt.Errorf("%w: more than %d", ErrTooManyRedirects, MaxRedirects)
	}
	if err := c.checkParsed(req.URL); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return fmt.Errorf("redirect to %s: %w", e.URL, e.Err)
		}
		return err
	}
	return nil
}

// validToken reports whether s is an RFC 9110 token (a header name).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\r' || c == '\n' || c == 0 || (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// Do performs req within its timeout, following allowed redirects, and reads the
// whole (capped) body.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	u, err := c.checkURL(req.URL)
	if err != nil {
		return nil, err
	}
	shown := u.Redacted()
	bad := func(format string, args ...any) error {
		return &Error{Op: "request", URL: shown, Err: fmt.Errorf("%w: "+format, append([]any{ErrBadRequest}, args...)...)}
	}
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = http.MethodGet
	}
	if !allowedMethods[method] {
		return nil, bad("method %q", req.Method)
	}
	if int64(len(req.Body)) > c.opts.MaxRequestBody {
		return nil, &Error{Op: "request", URL: shown, Err: fmt.Errorf("%w: request body of %d bytes, limit %d", ErrTooLarge, len(req.Body), c.opts.MaxRequestBody)}
	}
	timeout := req.Timeout
	switch {
	case timeout < 0:
		return nil, bad("negative timeout %v", timeout)
	case timeout == 0:
		timeout = c.opts.DefaultTimeout
	case timeout > c.opts.MaxTimeout:
		timeout = c.opts.MaxTimeout
	}

	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(rctx, method, u.String(), body)
	if err != nil {
		return nil, &Error{Op: "url", URL: shown, Err: fmt.Errorf("%w: %w", ErrBadURL, unquoteURLErr(err))}
	}
	for name, value := range req.Headers {
		switch {
		case !validToken(name):
			return nil, bad("header name %q", name)
		case !validHeaderValue(value):
			return nil, bad("header %s has a control character", name)
		case strings.EqualFold(name, "Host"), strings.EqualFold(name, "Transfer-Encoding"), strings.EqualFold(name, "Content-Length"):
			return nil, bad("header %s is set by the client", name)
		}
		hreq.Header.Set(name, value)
	}
	if hreq.Header.Get("User-Agent") == "" {
		hreq.Header.Set("User-Agent", UserAgent)
	}

	resp, err := c.http.Do(hreq)
	if err != nil {
		return nil, classify(ctx, rctx, timeout, shown, "request", err)
	}
	defer resp.Body.Close()
	if resp.ContentLength > c.opts.MaxResponse {
		return nil, &Error{Op: "read", URL: shown, Err: fmt.Errorf("%w: response of %d bytes, limit %d", ErrTooLarge, resp.ContentLength, c.opts.MaxResponse)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxResponse+1))
	if err != nil {
		return nil, classify(ctx, rctx, timeout, shown, "read", err)
	}
	if int64(len(data)) > c.opts.MaxResponse {
		return nil, &Error{Op: "read", URL: shown, Err: fmt.Errorf("%w: response over %d bytes", ErrTooLarge, c.opts.MaxResponse)}
	}
	headers := make(map[string]string, len(resp.Header))
	for name, values := range resp.Header {
		headers[strings.ToLower(name)] = strings.Join(values, ", ")
	}
	return &Response{
		Status:     resp.StatusCode,
		StatusText: http.StatusText(resp.StatusCode),
		Headers:    headers,
		Body:       data,
		URL:        resp.Request.URL.Redacted(),
	}, nil
}

// classify maps a transport error to the package's sentinels.
func classify(parent, rctx context.Context, timeout time.Duration, shown, op string, err error) error {
	switch {
	case errors.Is(err, ErrAddressBlocked):
		return &Error{Op: "dial", URL: shown, Err: innerErr(err)}
	case errors.Is(err, ErrTooManyRedirects), errors.Is(err, ErrHostNotAllowed), errors.Is(err, ErrBadURL):
		// CheckRedirect's errors come wrapped in *url.Error.
		return &Error{Op: "redirect", URL: shown, Err: innerErr(err)}
	case parent.Err() != nil:
		return &Error{Op: op, URL: shown, Err: parent.Err()}
	case errors.Is(rctx.Err(), context.DeadlineExceeded):
		return &Error{Op: op, URL: shown, Err: fmt.Errorf("%w: no complete response within %v", ErrTimeout, timeout)}
	}
	return &Error{Op: op, URL: shown, Err: innerErr(err)}
}

// innerErr drops *url.Error's own wrapping (it repeats the URL, unredacted).
func innerErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// unquoteURLErr drops url.Parse's quoting of the whole URL (which may hold a password).
func unquoteURLErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// redactRaw hides what may be a password in a URL that does not parse.
func redactRaw(raw string) string {
	if i := strings.Index(raw, "@"); i >= 0 {
		if j := strings.Index(raw, "://"); j >= 0 && j < i {
			return raw[:j+3] + "xxxxx" + raw[i:]
		}
	}
	if len(raw) > 200 {
		return raw[:200] + "..."
	}
	return raw
}
