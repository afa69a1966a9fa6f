package httpmod_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callforge/callforge/jsbridge/httpmod"
)

type echoed struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

func testHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h := map[string]string{}
		for k := range r.Header {
			h[k] = r.Header.Get(k)
		}
		w.Header().Set("X-Echo-Test", r.Header.Get("X-Test"))
		w.Header().Add("X-Multi", "one")
		w.Header().Add("X-Multi", "two")
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(echoed{Method: r.Method, Path: r.URL.Path, Headers: h, Body: string(body)})
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("Content-Length", strconv.Itoa(n))
		_, _ = w.Write([]byte(strings.Repeat("b", n)))
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		for i := 0; i < n; i += 100 {
			_, _ = w.Write([]byte(strings.Repeat("c", min(100, n-i))))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		http.Redirect(w, r, "/loop?n="+strconv.Itoa(n+1), http.StatusFound)
	})
	mux.HandleFunc("/teapot", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("short and stout"))
	})
	return mux
}

func hostPort(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func TestDo(t *testing.T) {
	t.Parallel()
	allowed := httptest.NewServer(testHandler())
	t.Cleanup(allowed.Close)
	other := httptest.NewServer(testHandler()) // running, but not on the allow-list
	t.Cleanup(other.Close)
	a, o := allowed.URL, other.URL
	_, allowedPort, _ := strings.Cut(hostPort(t, a), ":")

	type tc struct {
		name    string
		opts    httpmod.Options // Allow is filled in when nil
		req     httpmod.Request
		ctx     func() (context.Context, context.CancelFunc)
		wantErr error
		wantOp  string
		check   func(t *testing.T, r *httpmod.Response)
	}
	cases := []tc{
		{name: "allowed GET", req: httpmod.Request{URL: a + "/echo"}, check: func(t *testing.T, r *httpmod.Response) {
			if r.Status != 200 || r.StatusText != "OK" {
				t.Fatalf("status %d %q", r.Status, r.StatusText)
			}
			var e echoed
			if err := json.Unmarshal(r.Body, &e); err != nil || e.Method != "GET" || e.Path != "/echo" {
				t.Fatalf("echo %+v, %v", e, err)
			}
			if e.Headers["User-Agent"] != httpmod.UserAgent {
				t.Fatalf("user agent %q", e.Headers["User-Agent"])
			}
			if r.URL != a+"/echo" {
				t.Fatalf("URL %q", r.URL)
			}
		}},
		{name: "non-2xx status is a response, not an error", req: httpmod.Request{URL: a + "/teapot"}, check: func(t *testing.T, r *httpmod.Response) {
			if r.Status != 418 || string(r.Body) != "short and stout" {
				t.Fatalf("got %d %q", r.Status, r.Body)
			}
		}},
		{name: "headers round trip", req: httpmod.Request{URL: a + "/echo", Headers: map[string]string{"X-Test": "abc 123", "user-agent": "script/2"}},
			check: func(t *testing.T, r *httpmod.Response) {
				if r.Headers["x-echo-test"] != "abc 123" {
					t.Fatalf("x-echo-test %q in %v", r.Headers["x-echo-test"], r.Headers)
				}
				if r.Headers["x-multi"] != "one, two" {
					t.Fatalf("x-multi %q", r.Headers["x-multi"])
				}
				if r.Headers["content-type"] != "application/json" {
					t.Fatalf("content-type %q", r.Headers["content-type"])
				}
				var e echoed
				_ = json.Unmarshal(r.Body, &e)
				if e.Headers["User-Agent"] != "script/2" {
					t.Fatalf("user agent sent %q", e.Headers["User-Agent"])
				}
			}},
		{name: "POST body", req: httpmod.Request{Method: "post", URL: a + "/echo", Body: []byte(`{"n":1}`), Headers: map[string]string{"Content-Type": "application/json"}},
			check: func(t *testing.T, r *httpmod.Response) {
				var e echoed
				if err := json.Unmarshal(r.Body, &e); err != nil {
					t.Fatal(err)
				}
				if e.Method != "POST" || e.Body != `{"n":1}` || e.Headers["Content-Type"] != "application/json" || e.Headers["Content-Length"] != "7" {
					t.Fatalf("echo %+v", e)
				}
			}},
		{name: "redirect on the allowed host is followed", req: httpmod.Request{URL: a + "/redirect?to=/echo"}, check: func(t *testing.T, r *httpmod.Response) {
			if r.Status != 200 || r.URL != a+"/echo" {
				t.Fatalf("status %d url %q", r.Status, r.URL)
			}
		}},
		{name: "five redirects are followed", req: httpmod.Request{URL: a + "/redirect?to=" + url.QueryEscape("/redirect?to="+url.QueryEscape("/redirect?to="+url.QueryEscape("/redirect?to="+url.QueryEscape("/redirect?to=/echo"))))},
			check: func(t *testing.T, r *httpmod.Response) {
				if r.Status != 200 || r.URL != a+"/echo" {
					t.Fatalf("status %d url %q", r.Status, r.URL)
				}
			}},
		{name: "host not allowed", req: httpmod.Request{URL: o + "/echo"}, wantErr: httpmod.ErrHostNotAllowed, wantOp: "allow"},
		{name: "allowed host on another port", req: httpmod.Request{URL: "http://127.0.0.1:1/echo"}, wantErr: httpmod.ErrHostNotAllowed, wantOp: "allow"},
		{name: "redirect to a disallowed host refused", req: httpmod.Request{URL: a + "/redirect?to=" + url.QueryEscape(o+"/echo")}, wantErr: httpmod.ErrHostNotAllowed, wantOp: "redirect"},
		{name: "redirect to a non-http scheme refused", req: httpmod.Request{URL: a + "/redirect?to=" + url.QueryEscape("file:///etc/passwd")}, wantErr: httpmod.ErrBadURL, wantOp: "redirect"},
		{name: "redirect loop stops", req: httpmod.Request{URL: a + "/loop"}, wantErr: httpmod.ErrTooManyRedirects, wantOp: "redirect"},
		{name: "request timeout", req: httpmod.Request{URL: a + "/slow", Timeout: 50 * time.Millisecond}, wantErr: httpmod.ErrTimeout, wantOp: "request"},
		{name: "max timeout caps the request's", opts: httpmod.Options{MaxTimeout: 50 * time.Millisecond, DefaultTimeout: 50 * time.Millisecond},
			req: httpmod.Request{URL: a + "/slow", Timeout: time.Hour}, wantErr: httpmod.ErrTimeout, wantOp: "request"},
		{name: "caller's cancel is not a timeout", req: httpmod.Request{URL: a + "/slow"}, wantErr: context.Canceled, wantOp: "request",
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(50*time.Millisecond, cancel)
				return ctx, cancel
			}},
		{name: "body at the cap", opts: httpmod.Options{MaxResponse: 1000}, req: httpmod.Request{URL: a + "/big?n=1000"}, check: func(t *testing.T, r *httpmod.Response) {
			if len(r.Body) != 1000 {
				t.Fatalf("body %d bytes", len(r.Body))
			}
		}},
		{name: "oversized body by Content-Length", opts: httpmod.Options{MaxResponse: 1000}, req: httpmod.Request{URL: a + "/big?n=1001"}, wantErr: httpmod.ErrTooLarge, wantOp: "read"},
		{name: "oversized chunked body", opts: httpmod.Options{MaxResponse: 1000}, req: httpmod.Request{URL: a + "/chunked?n=5000"}, wantErr: httpmod.ErrTooLarge, wantOp: "read"},
		{name: "oversized request body", opts: httpmod.Options{MaxRequestBody: 4}, req: httpmod.Request{Method: "POST", URL: a + "/echo", Body: []byte("12345")}, wantErr: httpmod.ErrTooLarge, wantOp: "request"},
		{name: "bad URL: ftp", req: httpmod.Request{URL: "ftp://127.0.0.1:" + allowedPort + "/x"}, wantErr: httpmod.ErrBadURL, wantOp: "url"},
		{name: "bad URL: file", req: httpmod.Request{URL: "file:///etc/passwd"}, wantErr: httpmod.ErrBadURL, wantOp: "url"},
		{name: "bad URL: no scheme", req: httpmod.Request{URL: "not a url"}, wantErr: httpmod.ErrBadURL, wantOp: "url"},
		{name: "bad URL: no host", req: httpmod.Request{URL: "http:///path"}, wantErr: httpmod.ErrBadURL, wantOp: "url"},
		{name: "bad URL: unparsable", req: httpmod.Request{URL: "http://user:secret@[::1/x"}, wantErr: httpmod.ErrBadURL, wantOp: "url"},
		{name: "bad method", req: httpmod.Request{Method: "CONNECT", URL: a + "/echo"}, wantErr: httpmod.ErrBadRequest, wantOp: "request"},
		{name: "bad header name", req: httpmod.Request{URL: a + "/echo", Headers: map[string]string{"Bad Name": "x"}}, wantErr: httpmod.ErrBadRequest, wantOp: "request"},
		{name: "header injection", req: httpmod.Request{URL: a + "/echo", Headers: map[string]string{"X-Test": "a\r\nX-Evil: 1"}}, wantErr: httpmod.ErrBadRequest, wantOp: "request"},
		{name: "Host header refused", req: httpmod.Request{URL: a + "/echo", Headers: map[string]string{"host": "internal"}}, wantErr: httpmod.ErrBadRequest, wantOp: "request"},
		{name: "negative timeout", req: httpmod.Request{URL: a + "/echo", Timeout: -time.Second}, wantErr: httpmod.ErrBadRequest, wantOp: "request"},
		{name: "link-local literal on the allow-list is still blocked", opts: httpmod.Options{Allow: []string{"169.254.169.254"}},
			req: httpmod.Request{URL: "http://169.254.169.254/latest/meta-data/"}, wantErr: httpmod.ErrAddressBlocked, wantOp: "dial"},
		{name: "IPv6 link-local on the allow-list is still blocked", opts: httpmod.Options{Allow: []string{"[fe80::1]:80"}},
			req: httpmod.Request{URL: "http://[fe80::1]/"}, wantErr: httpmod.ErrAddressBlocked, wantOp: "dial"},
		{name: "loopback without an explicit port entry is blocked", opts: httpmod.Options{Allow: []string{"127.0.0.1"}},
			req: httpmod.Request{URL: "http://127.0.0.1/"}, wantErr: httpmod.ErrAddressBlocked, wantOp: "dial"},
		{name: "localhost with its port is allowed", opts: httpmod.Options{Allow: []string{"localhost:" + allowedPort}},
			req: httpmod.Request{URL: "http://localhost:" + allowedPort + "/echo"}, check: func(t *testing.T, r *httpmod.Response) {
				if r.Status != 200 {
					t.Fatalf("status %d", r.Status)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			opts := c.opts
			if opts.Allow == nil {
				opts.Allow = []string{hostPort(t, a)}
			}
			client, err := httpmod.New(opts)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			t.Cleanup(client.CloseIdleConnections)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			if c.ctx != nil {
				ctx, cancel = c.ctx()
			}
			defer cancel()
			resp, err := client.Do(ctx, c.req)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("Do: error %v; want %v", err, c.wantErr)
				}
				var he *httpmod.Error
				if !errors.As(err, &he) || he.Op != c.wantOp {
					t.Fatalf("Do: error %#v; want *httpmod.Error with Op %q", err, c.wantOp)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("error leaks a password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			c.check(t, resp)
		})
	}
}

func TestHTTPS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(testHandler())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted case logs a handshake error
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	for _, trust := range []bool{true, false} {
		t.Run(fmt.Sprintf("trusted=%v", trust), func(t *testing.T) {
			t.Parallel()
			opts := httpmod.Options{Allow: []string{hostPort(t, srv.URL)}}
			if trust {
				opts.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
				opts.TLSClientConfig.RootCAs = pool
			}
			c, err := httpmod.New(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseIdleConnections()
			resp, err := c.Do(context.Background(), httpmod.Request{URL: srv.URL + "/echo"})
			if trust {
				if err != nil || resp.Status != 200 {
					t.Fatalf("Do over TLS: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Do over TLS with an unknown CA succeeded")
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opts httpmod.Options
	}{
		{"empty entry", httpmod.Options{Allow: []string{""}}},
		{"bare wildcard", httpmod.Options{Allow: []string{"*"}}},
		{"wildcard TLD", httpmod.Options{Allow: []string{"*.com"}}},
		{"URL instead of host", httpmod.Options{Allow: []string{"https://api.example.com"}}},
		{"bad port", httpmod.Options{Allow: []string{"api.example.com:99999"}}},
		{"empty port", httpmod.Options{Allow: []string{"api.example.com:"}}},
		{"bad characters", httpmod.Options{Allow: []string{"api example.com"}}},
		{"userinfo", httpmod.Options{Allow: []string{"u@api.example.com"}}},
		{"default above max", httpmod.Options{DefaultTimeout: time.Minute, MaxTimeout: time.Second}},
		{"negative size", httpmod.Options{MaxResponse: -1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := httpmod.New(c.opts)
			if !errors.Is(err, httpmod.ErrBadOptions) {
				t.Fatalf("New(%+v): %v; want ErrBadOptions", c.opts, err)
			}
		})
	}
}
