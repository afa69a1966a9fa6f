package admin_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/callforge/callforge/admin"
)

func TestCheckAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr    string
		public  bool
		wantErr error // nil: accepted; errAny: some error
	}{
		{addr: "127.0.0.1:9090"},
		{addr: "127.0.0.2:9090"},
		{addr: "[::1]:9090"},
		{addr: "localhost:9090"},
		{addr: "0.0.0.0:9090", wantErr: admin.ErrNotLoopback},
		{addr: ":9090", wantErr: admin.ErrNotLoopback},
		{addr: "10.1.2.3:9090", wantErr: admin.ErrNotLoopback},
		{addr: "example.com:9090", wantErr: admin.ErrNotLoopback},
		{addr: "0.0.0.0:9090", public: true},
		{addr: ":9090", public: true},
		{addr: "no-port", wantErr: errAny},
		{addr: "no-port", public: true, wantErr: errAny},
	}
	for _, tt := range tests {
		err := admin.CheckAddr(tt.addr, tt.public)
		switch {
		case tt.wantErr == nil && err != nil:
			t.Errorf("CheckAddr(%q, %v) = %v, want nil", tt.addr, tt.public, err)
		case tt.wantErr == errAny && err == nil:
			t.Errorf("CheckAddr(%q, %v) = nil, want an error", tt.addr, tt.public)
		case tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
			t.Errorf("CheckAddr(%q, %v) = %v, want %v", tt.addr, tt.public, err, tt.wantErr)
		}
	}
	if _, err := admin.New(admin.Options{Addr: "0.0.0.0:1"}); !errors.Is(err, admin.ErrNotLoopback) {
		t.Errorf("New off loopback = %v, want ErrNotLoopback", err)
	}
}

var errAny = errors.New("any error")

// /readyz follows Starting -> Ready -> Draining and never comes back once draining;
// /healthz is always 200; /metrics is the handler given.
func TestRoutes(t *testing.T) {
	t.Parallel()
	s, err := admin.New(admin.Options{Metrics: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "callforge_test 1\n")
	})})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, strings.TrimSpace(rec.Body.String())
	}
	steps := []struct {
		do        func()
		wantReady int
		wantBody  string
	}{
		{do: func() {}, wantReady: 503, wantBody: "starting"},
		{do: s.SetReady, wantReady: 200, wantBody: "ready"},
		{do: s.SetDraining, wantReady: 503, wantBody: "draining"},
		{do: s.SetReady, wantReady: 503, wantBody: "draining"},
	}
	for i, st := range steps {
		st.do()
		if code, body := get("/readyz"); code != st.wantReady || body != st.wantBody {
			t.Errorf("step %d: /readyz = %d %q, want %d %q", i, code, body, st.wantReady, st.wantBody)
		}
		if code, _ := get("/healthz"); code != 200 {
			t.Errorf("step %d: /healthz = %d", i, code)
		}
	}
	if code, body := get("/metrics"); code != 200 || body != "callforge_test 1" {
		t.Errorf("/metrics = %d %q", code, body)
	}
	if code, body := get("/debug/pprof/heap?debug=1"); code != 200 || !strings.Contains(body, "heap profile") {
		t.Errorf("/debug/pprof/heap = %d %.40q", code, body)
	}
	if code, _ := get("/nothing"); code != 404 {
		t.Errorf("/nothing = %d, want 404", code)
	}
}

// Serve answers on a real listener and Shutdown stops it.
func TestServeAndShutdown(t *testing.T) {
	t.Parallel()
	s, err := admin.New(admin.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	resp, err := http.Get("http://" + l.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("/healthz = %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve after Shutdown = %v, want nil", err)
	}
}
