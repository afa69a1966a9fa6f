package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/callforge/callforge/api"
	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/kv"
	"github.com/callforge/callforge/jsbridge/script"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction(jsbridge.RegexClockGoroutine))
}

const token = "test-token-0123456789abcdef"

// countingObserver counts runs, as the metrics observer would.
type countingObserver struct {
	started, ended atomic.Int64
	mu             sync.Mutex
	outcomes       map[string]int
}

func (o *countingObserver) RunStarted(string) { o.started.Add(1) }
func (o *countingObserver) RunEnded(_, outcome string, _ time.Duration) {
	o.ended.Add(1)
	o.mu.Lock()
	o.outcomes[outcome]++
	o.mu.Unlock()
}
func (o *countingObserver) ScriptError(string, string) {}
func (o *countingObserver) LimitHit(string, string)    {}
func (o *countingObserver) LoopLag(time.Duration)      {}

type apiServer struct {
	url string
	obs *countingObserver
}

// startAPI serves testdata/scripts on a loopback listener.
func startAPI(t testing.TB, cfg api.Config) *apiServer {
	t.Helper()
	log := zerolog.Nop()
	store, err := script.Open("testdata/scripts", script.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	kvs, err := kv.OpenBolt(filepath.Join(t.TempDir(), "kv.db"), kv.BoltOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kvs.Close() })
	obs := &countingObserver{outcomes: map[string]int{}}
	eng, err := jsbridge.New(jsbridge.Config{Scripts: store, Logger: log, KV: kvs, Observer: obs,
		Limits: jsbridge.Limits{CPU: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Tokens == nil {
		cfg.Tokens = []string{token}
	}
	cfg.Logger = log
	srv, err := api.New(cfg, eng, store)
	if err != nil {
		t.Fatal(err)
	}
	l, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
		http.DefaultClient.CloseIdleConnections()
	})
	return &apiServer{url: "http://" + l.Addr().String(), obs: obs}
}

type response struct {
	status int
	body   string
	json   map[string]any
}

func (s *apiServer) do(t testing.TB, ctx context.Context, method, path, ctype string, body io.Reader, tok string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, s.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{status: -1, body: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, body: strings.TrimSpace(string(b))}
	_ = json.Unmarshal(b, &r.json)
	return r
}

func (s *apiServer) post(t testing.TB, path, ctype, body string) response {
	t.Helper()
	return s.do(t, context.Background(), http.MethodPost, path, ctype, strings.NewReader(body), token)
}

func errCode(r response) string {
	if e, ok := r.json["error"].(map[string]any); ok {
		c, _ := e["code"].(string)
		return c
	}
	return ""
}

func multipartBody(t *testing.T, fields [][2]string, file string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if file != "" {
		fw, err := mw.CreateFormFile(file, "cv.pdf")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write([]byte("%PDF-1.4"))
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.String()
}

func TestKinds(t *testing.T) {
	t.Parallel()
	s := startAPI(t, api.Config{MaxBody: 4096})
	mpType, mpBody := multipartBody(t, [][2]string{{"email", "a@b.c"}, {"topic", "x"}, {"topic", "y"}}, "")
	fileType, fileBody := multipartBody(t, [][2]string{{"email", "a@b.c"}}, "cv")
	tests := []struct {
		name, path, ctype, body string
		status                  int
		want                    string // exact JSON body, or
		code                    string // error code
		msg                     string // error message contains
	}{
		{name: "app: JSON in, JSON out", path: "/v1/apps/hello", ctype: "application/json", body: `{"name":"ops"}`,
			status: 200, want: `{"hello":"ops"}`},
		{name: "app: no body is {}", path: "/v1/apps/hello", status: 200, want: `{"hello":"world"}`},
		{name: "app in a subdirectory", path: "/v1/apps/sub%2Fdeep", status: 200, want: `"deep"`},
		{name: "app with modules", path: "/v1/apps/counter", ctype: "application/json", body: `{"key":"k1"}`,
			status: 200, want: `{"key":"k1","n":1}`},
		{name: "driver via module.export", path: "/v1/drivers/did/search", ctype: "application/json", body: `{"number":"4420"}`,
			status: 200, want: `[{"did":"44200001"},{"did":"44200002"}]`},
		{name: "driver via module.exports, sync", path: "/v1/drivers/math/add", ctype: "application/json", body: `{"a":2,"b":40}`,
			status: 200, want: `42`},
		{name: "driver without the function", path: "/v1/drivers/did/transfer", status: 404, code: "not_found", msg: "exports no function"},
		{name: "driver: prototype names are not functions", path: "/v1/drivers/did/constructor", status: 400, code: "bad_request"},
		{name: "form: urlencoded", path: "/v1/forms/contact", ctype: "application/x-www-form-urlencoded",
			body: url.Values{"email": {"a@b.c"}, "topic": {"sales"}}.Encode(), status: 200,
			want: `{"ok":true,"email":"a@b.c","topics":["sales"]}`},
		{name: "form: multipart fields, a repeated field is an array", path: "/v1/forms/contact", ctype: mpType, body: mpBody,
			status: 200, want: `{"ok":true,"email":"a@b.c","topics":["x","y"]}`},
		{name: "form: JSON", path: "/v1/forms/contact", ctype: "application/json", body: `{"email":"j@b.c"}`,
			status: 200, want: `{"ok":true,"email":"j@b.c","topics":[]}`},
		{name: "form: a file is refused", path: "/v1/forms/contact", ctype: fileType, body: fileBody,
			status: 415, code: "unsupported_media_type", msg: `file upload in field "cv"`},
		{name: "form: other content types are refused", path: "/v1/forms/contact", ctype: "text/csv", body: "a,b",
			status: 415, code: "unsupported_media_type"},
		{name: "bad JSON", path: "/v1/apps/hello", ctype: "application/json", body: `{"name":`, status: 400, code: "bad_request"},
		{name: "unknown script", path: "/v1/apps/nope", status: 404, code: "not_found"},
		{name: "script error: 500 with file:line", path: "/v1/apps/boom", status: 500, code: "script_error", msg: "(at boom.js:3:"},
		{name: "form handler's own error", path: "/v1/forms/contact", ctype: "application/json", body: `{}`,
			status: 500, code: "script_error", msg: "email is required (at contact.js:4:"},
		{name: "oversized body: 413", path: "/v1/apps/hello", ctype: "application/json",
			body: `{"name":"` + strings.Repeat("x", 5000) + `"}`, status: 413, code: "body_too_large"},
		{name: "unknown path", path: "/v1/nothing", status: 404, code: "not_found", msg: "no such endpoint"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := s.post(t, tc.path, tc.ctype, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.want != "" && r.body != tc.want {
				t.Fatalf("body %s, want %s", r.body, tc.want)
			}
			if tc.code != "" {
				if errCode(r) != tc.code {
					t.Fatalf("error code %q, want %q: %s", errCode(r), tc.code, r.body)
				}
				msg, _ := r.json["error"].(map[string]any)["message"].(string)
				if !strings.Contains(msg, tc.msg) {
					t.Fatalf("message %q lacks %q", msg, tc.msg)
				}
			}
		})
	}
}

// A DID driver's functions share the store: allocate, list, release.
func TestDriverLifecycle(t *testing.T) {
	t.Parallel()
	s := startAPI(t, api.Config{})
	steps := []struct{ fn, body, want string }{
		{"allocate", `{"did":"442000001"}`, `{"did":"442000001","status":"allocated"}`},
		{"list", ``, `[{"did":"442000001"}]`},
		{"release", `{"did":"442000001"}`, `true`},
		{"list", ``, `[]`},
	}
	for _, st := range steps {
		r := s.post(t, "/v1/drivers/did/"+st.fn, "application/json", st.body)
		if r.status != 200 || r.body != st.want {
			t.Fatalf("%s: %d %s, want %s", st.fn, r.status, r.body, st.want)
		}
	}
	if s.obs.started.Load() != 4 || s.obs.ended.Load() != 4 {
		t.Fatalf("runs counted %d/%d, want 4/4", s.obs.started.Load(), s.obs.ended.Load())
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	s := startAPI(t, api.Config{})
	for _, tc := range []struct {
		name, path, tok string
		method          string
		status          int
	}{
		{"no token", "/v1/apps/hello", "", http.MethodPost, 401},
		{"bad token", "/v1/apps/hello", "wrong-token-0123456789", http.MethodPost, 401},
		{"token with a suffix", "/v1/apps/hello", token + "x", http.MethodPost, 401},
		{"good token", "/v1/apps/hello", token, http.MethodPost, 200},
		{"openapi needs none", "/v1/openapi.json", "", http.MethodGet, 200},
		{"wrong method", "/v1/apps/hello", token, http.MethodGet, 405},
	} {
		r := s.do(t, context.Background(), tc.method, tc.path, "", nil, tc.tok)
		if r.status != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, r.status, tc.status, r.body)
		}
		if tc.status == 401 && errCode(r) != "unauthorized" {
			t.Errorf("%s: body %s", tc.name, r.body)
		}
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	eng := runnerFunc(func(context.Context, jsbridge.Job) (jsbridge.JobResult, error) { return jsbridge.JobResult{}, nil })
	store, err := script.Open("testdata/scripts", script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.New(api.Config{Addr: "0.0.0.0:8089"}, eng, store); !errors.Is(err, api.ErrNoTokens) {
		t.Fatalf("no tokens off loopback: %v", err)
	}
	if _, err := api.New(api.Config{Addr: "0.0.0.0:8089", Tokens: []string{token}}, eng, store); err != nil {
		t.Fatalf("tokens off loopback: %v", err)
	}
	for _, addr := range []string{"127.0.0.1:8089", "[::1]:8089", "localhost:8089"} {
		if _, err := api.New(api.Config{Addr: addr}, eng, store); err != nil {
			t.Fatalf("no tokens on loopback %s: %v", addr, err)
		}
	}
	if _, err := api.New(api.Config{Addr: "nocolon"}, eng, store); !errors.Is(err, api.ErrBadConfig) {
		t.Fatalf("bad address: %v", err)
	}
	toks, err := api.LoadTokens(writeTemp(t, "# ops\n"+token+"\n\nsecond-token-0123456789\n"), "third-token-0123456789, fourth-token-012345678")
	if err != nil || len(toks) != 4 || toks[0] != token {
		t.Fatalf("LoadTokens: %v %q", err, toks)
	}
	if _, err := api.LoadTokens("", "short"); !errors.Is(err, api.ErrBadConfig) {
		t.Fatalf("short token: %v", err)
	}
}

type runnerFunc func(context.Context, jsbridge.Job) (jsbridge.JobResult, error)

func (f runnerFunc) RunJob(ctx context.Context, j jsbridge.Job) (jsbridge.JobResult, error) {
	return f(ctx, j)
}

func writeTemp(t *testing.T, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A script that loops forever is stopped at its budget; the listener serves
// other requests meanwhile.
func TestInfiniteLoopInterrupted(t *testing.T) {
	t.Parallel()
	s := startAPI(t, api.Config{Budget: 500 * time.Millisecond})
	spun := make(chan response, 1)
	go func() { spun <- s.post(t, "/v1/apps/spin", "", "") }()
	for s.obs.started.Load() < 1 {
		time.Sleep(time.Millisecond)
	}
	if r := s.post(t, "/v1/apps/hello", "", ""); r.status != 200 {
		t.Fatalf("other request while a script spins: %d %s", r.status, r.body)
	}
	r := <-spun
	if r.status != http.StatusGatewayTimeout || errCode(r) != "timeout" {
		t.Fatalf("spinning script: %d %s", r.status, r.body)
	}
	if r := s.post(t, "/v1/apps/hello", "", ""); r.status != 200 {
		t.Fatalf("after the spin: %d %s", r.status, r.body)
	}
}

// Past the concurrency cap requests get 429; runs in flight are not disturbed.
func TestConcurrencyCap(t *testing.T) {
	t.Parallel()
	s := startAPI(t, api.Config{Concurrency: 2, Budget: 30 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.do(t, ctx, http.MethodPost, "/v1/apps/slow", "", nil, token)
		}()
	}
	for s.obs.started.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	r := s.post(t, "/v1/apps/hello", "", "")
	cancel()
	wg.Wait()
	if r.status != http.StatusTooManyRequests || errCode(r) != "too_many_requests" {
		t.Fatalf("third request: %d %s", r.status, r.body)
	}
	for s.obs.ended.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	if r := s.post(t, "/v1/apps/hello", "", ""); r.status != 200 {
		t.Fatalf("after the slow runs ended: %d %s", r.status, r.body)
	}
}

// The OpenAPI description lists exactly the routes the server serves, and each
// of its operations reaches a handler.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	s := startAPI(t, api.Config{})
	r := s.do(t, context.Background(), http.MethodGet, "/v1/openapi.json", "", nil, "")
	if r.status != 200 {
		t.Fatalf("openapi: %d", r.status)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil || doc.OpenAPI == "" {
		t.Fatalf("openapi document: %v", err)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	served := api.Routes()
	sort.Strings(documented)
	sort.Strings(served)
	if strings.Join(documented, "\n") != strings.Join(served, "\n") {
		t.Fatalf("documented:\n%s\nserved:\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}
	param := regexp.MustCompile(`\{[^}]+\}`)
	for _, op := range documented {
		method, path, _ := strings.Cut(op, " ")
		r := s.do(t, context.Background(), method, param.ReplaceAllString(path, "hello"), "", nil, token)
		if r.status == 405 || strings.Contains(r.body, "no such endpoint") {
			t.Errorf("%s does not reach a handler: %d %s", op, r.status, r.body)
		}
	}
}

// BenchmarkApp measures POST /v1/apps/{name} requests per second through a real listener.
func BenchmarkApp(b *testing.B) {
	s := startAPI(b, api.Config{Concurrency: 1024})
	tr := &http.Transport{MaxIdleConnsPerHost: 256, DialContext: (&net.Dialer{}).DialContext}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, s.url+"/v1/apps/hello", strings.NewReader(`{"name":"bench"}`))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
