package scripttest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/callforge/callforge/jsbridge/httpmod"
)

// HTTPMock answers a test's http requests: the script's require('http') reaches
// the hosts of its routes (and nothing else), and gets the routes' answers.
// Safe for concurrent use.
type HTTPMock struct {
	mu     sync.Mutex
	routes []HTTPRoute
	calls  []HTTPCall
}

// HTTPRoute answers requests whose method and URL match.
type HTTPRoute struct {
	Method string         // "" or "*" = any
	URL    string         // exact URL, or a prefix when it ends with "*"
	Re     *regexp.Regexp // instead of URL; Host must then be given
	Host   string         // host[:port] allowed for Re routes
	Status int            // default 200
	Body   string
	Header map[string]string
	Err    string // a network error instead of an answer
}

// HTTPCall is one request the script made.
type HTTPCall struct {
	Method  string
	URL     string
	Headers map[string]string
	Body    string
	Status  int // 0 when no route answered (the request failed)
}

// Route adds an answer; later routes win over earlier ones.
func (m *HTTPMock) Route(r HTTPRoute) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.routes = append(m.routes, r)
}

func (m *HTTPMock) callsOf() []HTTPCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]HTTPCall(nil), m.calls...)
}

// client returns an allow-listed client whose transport is the mock.
func (m *HTTPMock) client() (*httpmod.Client, error) {
	m.mu.Lock()
	hosts := map[string]bool{}
	for _, r := range m.routes {
		h := r.Host
		if h == "" {
			u, err := url.Parse(strings.TrimSuffix(r.URL, "*"))
			if err != nil || u.Host == "" {
				m.mu.Unlock()
				return nil, fmt.Errorf("scripttest: http route %q: need an absolute URL", r.URL)
			}
			h = u.Host
		}
		hosts[h] = true
	}
	m.mu.Unlock()
	allow := make([]string, 0, len(hosts))
	for h := range hosts {
		allow = append(allow, h)
	}
	sort.Strings(allow)
	return httpmod.New(httpmod.Options{Allow: allow, Transport: m})
}

// RoundTrip answers a request from the routes. It implements http.RoundTripper.
func (m *HTTPMock) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		_ = req.Body.Close()
	}
	call := HTTPCall{Method: req.Method, URL: req.URL.String(), Body: string(body), Headers: map[string]string{}}
	for k, v := range req.Header {
		call.Headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.routes) - 1; i >= 0; i-- {
		r := m.routes[i]
		if !r.matches(req.Method, call.URL) {
			continue
		}
		if r.Err != "" {
			m.calls = append(m.calls, call)
			return nil, fmt.Errorf("scripttest: %s", r.Err)
		}
		call.Status = r.Status
		if call.Status == 0 {
			call.Status = http.StatusOK
		}
		m.calls = append(m.calls, call)
		h := http.Header{}
		for k, v := range r.Header {
			h.Set(k, v)
		}
		return &http.Response{
			StatusCode: call.Status, Status: fmt.Sprintf("%d %s", call.Status, http.StatusText(call.Status)),
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h, Body: io.NopCloser(bytes.NewReader([]byte(r.Body))), ContentLength: int64(len(r.Body)),
			Request: req,
		}, nil
	}
	m.calls = append(m.calls, call)
	return nil, fmt.Errorf("scripttest: no http route for %s %s", req.Method, call.URL)
}

func (r HTTPRoute) matches(method, u string) bool {
	if r.Method != "" && r.Method != "*" && !strings.EqualFold(r.Method, method) {
		return false
	}
	switch {
	case r.Re != nil:
		return r.Re.MatchString(u)
	case strings.HasSuffix(r.URL, "*"):
		return strings.HasPrefix(u, strings.TrimSuffix(r.URL, "*"))
	}
	return u == r.URL
}
