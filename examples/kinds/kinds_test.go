// Package kinds_test runs the example scripts of each kind (Class 4 routing, App,
// Driver, Form handler) the way callforge serves them.
package kinds_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/callforge/callforge/api"
	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/kv"
	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/schedule"
	"github.com/callforge/callforge/voice"
	"github.com/callforge/callforge/voice/fstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction(jsbridge.RegexClockGoroutine))
}

type stack struct {
	eslAddr string
	apiURL  string
	store   *script.Store
}

// start serves this directory: the voice server (for routing) and the HTTP API.
func start(t *testing.T) *stack {
	t.Helper()
	log := zerolog.Nop()
	store, err := script.Open(".", script.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	kvs, err := kv.OpenBolt(filepath.Join(t.TempDir(), "kv.db"), kv.BoltOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kvs.Close() })
	eng, err := jsbridge.New(jsbridge.Config{Scripts: store, Logger: log, KV: kvs, DialTemplate: "user/{dest}"})
	if err != nil {
		t.Fatal(err)
	}
	eng.ConfigureRouting(jsbridge.RoutingConfig{Server: "sw1"})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &voice.Server{Handler: eng, Logger: log, HangupGrace: 500 * time.Millisecond, ExitTimeout: 2 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	a, err := api.New(api.Config{Addr: "127.0.0.1:0", Logger: log}, eng, store)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	return &stack{eslAddr: l.Addr().String(), apiURL: hs.URL, store: store}
}

func (s *stack) post(t *testing.T, path, ctype, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(s.apiURL+path, ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func (s *stack) route(t *testing.T, dest string, setup func(*fstest.Call)) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := fstest.Dial(ctx, s.eslAddr, fstest.CallConfig{Destination: dest, Setup: setup,
		Vars: map[string]string{"route_script": "route-dnc"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, cmd := range res.Commands {
		switch {
		case cmd.CallCommand == "execute" && cmd.App != "set":
			out = append(out, cmd.App+" "+cmd.Arg)
		case cmd.CallCommand == "hangup":
			out = append(out, "HANGUP "+cmd.HangupCause)
		}
	}
	return out
}

func TestRoutingExample(t *testing.T) {
	t.Parallel()
	s := start(t)
	if code, body := s.post(t, "/v1/apps/dnc-sync", "application/json", `{"add":["18005550100"]}`); code != 200 || body != `{"count":1,"scheduled":false}` {
		t.Fatalf("dnc-sync: %d %s", code, body)
	}
	uk := "{origination_caller_id_number=442070000000,sip_h_X-Route=uk,sip_h_X-Account=default}sofia/gateway/carrier-a/447700900001"
	tests := []struct {
		name, dest string
		setup      func(*fstest.Call)
		want       []string
	}{
		{"DNC number: 604", "18005550100", nil, []string{"respond 604 Number on DNC List", "HANGUP UNALLOCATED_NUMBER"}},
		{"blocked prefix: 603", "9001234", nil, []string{"respond 603 Destination Blocked", "HANGUP CALL_REJECTED"}},
		{"UK route: first gateway, route cli and headers", "447700900001", nil, []string{"bridge " + uk, "HANGUP NORMAL_CLEARING"}},
		{"UK route: failover to carrier-b", "447700900001",
			func(c *fstest.Call) { c.FailBridgeTo("carrier-a/", "NETWORK_OUT_OF_ORDER") },
			[]string{"bridge " + uk, "bridge {origination_caller_id_number=442070000000,sip_h_X-Account=default}sofia/gateway/carrier-b/447700900001", "HANGUP NORMAL_CLEARING"}},
		{"other numbers: wholesale", "15551230000", nil,
			[]string{"bridge {origination_caller_id_number=1001,sip_h_X-Account=default}sofia/gateway/wholesale/15551230000", "HANGUP NORMAL_CLEARING"}},
		{"third call to the UK number", "447700900001", nil, []string{"bridge " + uk, "HANGUP NORMAL_CLEARING"}},
		{"fourth call in ten minutes: 486", "447700900001", nil, []string{"respond 486 Too Many Attempts", "HANGUP USER_BUSY"}},
	}
	for _, tc := range tests { // in order: the attempt counter carries over
		if got := s.route(t, tc.dest, tc.setup); !reflect.DeepEqual(got, tc.want) {
			t.Fatalf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestAPIExamples(t *testing.T) {
	t.Parallel()
	s := start(t)
	steps := []struct {
		name, path, ctype, body string
		status                  int
		want                    string // body, or prefix when it ends in "*"
	}{
		{"driver search", "/v1/drivers/did-driver/search", "application/json", `{"number":"4420"}`, 200,
			`[{"did":"44200001"},{"did":"44200002"},{"did":"44200003"}]`},
		{"driver allocate", "/v1/drivers/did-driver/allocate", "application/json", `{"did":"44200001"}`, 200,
			`{"did":"44200001","status":"allocated"}`},
		{"driver allocate again", "/v1/drivers/did-driver/allocate", "application/json", `{"did":"44200001"}`, 500,
			`{"error":{"code":"script_error","message":"Error: 44200001 is already allocated (at did-driver.js:15:*`},
		{"driver list", "/v1/drivers/did-driver/list", "", ``, 200, `[{"did":"44200001"}]`},
		{"driver release", "/v1/drivers/did-driver/release", "application/json", `{"did":"44200001"}`, 200, `true`},
		{"form: bad email", "/v1/forms/contact-form", "application/x-www-form-urlencoded", url.Values{"email": {"nope"}}.Encode(), 200,
			`{"ok":false,"error":"a valid email is required"}`},
		{"form: ok", "/v1/forms/contact-form", "application/x-www-form-urlencoded",
			url.Values{"email": {"a@example.com"}, "message": {"hi"}}.Encode(), 200, `{"ok":true,"id":"c*`},
		{"app", "/v1/apps/dnc-sync", "application/json", `{"add":["1","2"],"remove":["1"]}`, 200, `{"count":1,"scheduled":false}`},
	}
	for _, st := range steps {
		code, body := s.post(t, st.path, st.ctype, st.body)
		ok := body == st.want
		if p, isPrefix := strings.CutSuffix(st.want, "*"); isPrefix {
			ok = strings.HasPrefix(body, p)
		}
		if code != st.status || !ok {
			t.Fatalf("%s: %d %s, want %d %s", st.name, code, body, st.status, st.want)
		}
	}
}

// The App's schedule is read from its header comment.
func TestAppSchedule(t *testing.T) {
	t.Parallel()
	f, err := os.Open("dnc-sync.js")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if spec, ok := schedule.HeaderSpec(f); !ok || spec != "*/15 * * * *" {
		t.Fatalf("header spec %q %v", spec, ok)
	}
}
