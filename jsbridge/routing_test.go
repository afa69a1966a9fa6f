package jsbridge_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/kv"
	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/voice/fstest"
)

// routeEngine is a running engine whose calls carry route_script.
type routeEngine struct {
	*engine
	eng *jsbridge.Engine
	kv  kv.Store
}

// startRouteEngine serves the scripts of testdata/routes (plus extra files) with
// a kv store and the routing config rc.
func startRouteEngine(t testing.TB, extra map[string]string, rc jsbridge.RoutingConfig) *routeEngine {
	t.Helper()
	dir := t.TempDir()
	ents, err := os.ReadDir("testdata/routes")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("testdata/routes", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := writeFile(filepath.Join(dir, e.Name()), string(b)); err != nil {
			t.Fatal(err)
		}
	}
	for name, src := range extra {
		if err := writeFile(filepath.Join(dir, name), src); err != nil {
			t.Fatal(err)
		}
	}
	store, err := kv.OpenBolt(filepath.Join(t.TempDir(), "kv.db"), kv.BoltOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	logs := &logBuffer{}
	log := zerolog.New(logs).Level(zerolog.DebugLevel)
	scripts, err := script.Open(dir, script.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	e, err := jsbridge.New(jsbridge.Config{Scripts: scripts, Logger: log, KV: store,
		DialTemplate: "sofia/gateway/gw/{dest}", AfterHangupGrace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Server == "" {
		rc.Server = "sw1.test"
	}
	e.ConfigureRouting(rc)
	return &routeEngine{engine: serveEngine(t, e, log, logs, dir), eng: e, kv: store}
}

// route places a simulated call whose route_script is name, waits for its end
// and returns it.
func (e *routeEngine) route(t testing.TB, name string, cfg fstest.CallConfig) (*fstest.Call, fstest.Result) {
	t.Helper()
	if cfg.Vars == nil {
		cfg.Vars = map[string]string{}
	}
	cfg.Vars["route_script"] = name
	c := e.dial(t, "", cfg)
	return c, e.wait(t, c)
}

func TestRouting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script string
		files  map[string]string // extra files (routes.toml)
		dest   string
		vars   map[string]string
		setup  func(*fstest.Call)
		apps   []string
		cause  string
		log    string // a log line whose message contains this
		at     string // ... and whose "at" field starts with this
	}{
		{name: "pass-through bridges to the dial template", script: "pass", dest: "441234567890",
			apps:  []string{"set continue_on_fail=true", "bridge {origination_caller_id_number=1001}sofia/gateway/gw/441234567890", "HANGUP NORMAL_CLEARING"},
			cause: "NORMAL_CLEARING"},
		{name: "an async pass-through bridges too", script: "pass-async", dest: "100",
			apps: []string{"set continue_on_fail=true", "bridge {origination_caller_id_number=1001}sofia/gateway/gw/100", "HANGUP NORMAL_CLEARING"}},
		{name: "main returning nothing routes data as it changed it", script: "returns-nothing", dest: "100",
			apps: []string{"set continue_on_fail=true", "bridge {origination_caller_id_number=15550001111}sofia/gateway/gw/100", "HANGUP NORMAL_CLEARING"}},
		{name: "DNC rejection answers 604 and never bridges", script: "dnc", dest: "18005550100",
			apps:  []string{"respond 604 Number on DNC List", "HANGUP UNALLOCATED_NUMBER"},
			cause: "UNALLOCATED_NUMBER", log: "rejected the call"},
		{name: "Error('603 ...') answers 603", script: "block", dest: "900",
			apps:  []string{"respond 603 Destination Blocked", "HANGUP CALL_REJECTED"},
			cause: "CALL_REJECTED"},
		{name: "anything else thrown answers 500 and logs file:line", script: "broken", dest: "100",
			apps: []string{"respond 500 Server Internal Error", "HANGUP NORMAL_TEMPORARY_FAILURE"},
			log:  "routing script failed: 500", at: "broken.js:3:"},
		{name: "a thrown string answers 500 with its place", script: "throws-string", dest: "100",
			apps: []string{"respond 500 Server Internal Error", "HANGUP NORMAL_TEMPORARY_FAILURE"},
			log:  "routing script failed: 500", at: "throws-string.js:2:"},
		{name: "a missing script answers 500", script: "nope", dest: "100",
			apps: []string{"respond 500 Server Internal Error", "HANGUP NORMAL_TEMPORARY_FAILURE"},
			log:  "routing script cannot run"},
		{name: "a rewritten cli and a header reach the dial string", script: "rewrite", dest: "100",
			apps: []string{"set continue_on_fail=true", "bridge {origination_caller_id_number=15550001111,sip_h_X-Customer-ID=acme}sofia/gateway/gw/100", "HANGUP NORMAL_CLEARING"}},
		{name: "a header value that would break the dial string is refused", script: "bad-header", dest: "100",
			apps: []string{"respond 500 Server Internal Error", "HANGUP NORMAL_TEMPORARY_FAILURE"},
			log:  "routing decision refused"},
		{name: "a script past its budget answers 500", script: "slow", dest: "100",
			apps: []string{"respond 500 Server Internal Error", "HANGUP NORMAL_TEMPORARY_FAILURE"},
			log:  "routing script failed"},
		{name: "failover: first gateway fails, second answers, third never tried", script: "pass", dest: "441234567890",
			files: map[string]string{"routes.toml": threeGateways},
			setup: func(c *fstest.Call) { c.FailBridgeTo("carrier-a/", "NORMAL_TEMPORARY_FAILURE") },
			apps: []string{"set continue_on_fail=true",
				"bridge {origination_caller_id_number=15551230000,sip_h_X-Customer-ID=acme}sofia/gateway/carrier-a/441234567890",
				"bridge {origination_caller_id_number=1001}sofia/gateway/carrier-b/441234567890",
				"HANGUP NORMAL_CLEARING"},
			cause: "NORMAL_CLEARING", log: "failing over"},
		{name: "failover: a busy callee is final", script: "pass", dest: "441234567890",
			files: map[string]string{"routes.toml": threeGateways},
			setup: func(c *fstest.Call) { c.FailBridgeTo("carrier-a/", "USER_BUSY") },
			apps: []string{"set continue_on_fail=true",
				"bridge {origination_caller_id_number=15551230000,sip_h_X-Customer-ID=acme}sofia/gateway/carrier-a/441234567890",
				"HANGUP USER_BUSY"},
			cause: "USER_BUSY"},
		{name: "failover: every gateway down hangs up with the last cause", script: "pass", dest: "441234567890",
			files: map[string]string{"routes.toml": threeGateways},
			setup: func(c *fstest.Call) { c.FailBridge("GATEWAY_DOWN") },
			apps: []string{"set continue_on_fail=true",
				"bridge {origination_caller_id_number=15551230000,sip_h_X-Customer-ID=acme}sofia/gateway/carrier-a/441234567890",
				"bridge {origination_caller_id_number=1001}sofia/gateway/carrier-b/441234567890",
				"bridge {origination_caller_id_number=1001}loopback/441234567890/default",
				"HANGUP GATEWAY_DOWN"},
			cause: "GATEWAY_DOWN"},
		{name: "a route variable reaches data (longest prefix wins)", script: "uses-schedule", dest: "441234567890",
			files: map[string]string{"routes.toml": threeGateways},
			apps: []string{"set continue_on_fail=true",
				"bridge {origination_caller_id_number=15551230000,sip_h_X-Customer-ID=acme,sip_h_X-Week=9-21,sip_h_X-Tier=gold}sofia/gateway/carrier-a/441234567890",
				"HANGUP NORMAL_CLEARING"}},
		{name: "a shorter prefix serves other numbers", script: "uses-schedule", dest: "4900",
			files: map[string]string{"routes.toml": threeGateways},
			apps: []string{"set continue_on_fail=true",
				"bridge {origination_caller_id_number=1001,sip_h_X-Week=none,sip_h_X-Tier=gold}sofia/gateway/fallback/4900",
				"HANGUP NORMAL_CLEARING"}},
		{name: "no route in the table answers 404", script: "pass", dest: "33100",
			files: map[string]string{"routes.toml": threeGateways},
			apps:  []string{"respond 404 No Route", "HANGUP UNALLOCATED_NUMBER"}},
		{name: "an account-only route serves that account", script: "pass", dest: "33100",
			files: map[string]string{"routes.toml": threeGateways}, vars: map[string]string{"account_id": "bigco"},
			apps: []string{"set continue_on_fail=true", "bridge {origination_caller_id_number=1001}sofia/gateway/bigco-trunk/33100", "HANGUP NORMAL_CLEARING"}},
		{name: "a route table that never parsed answers 500", script: "pass", dest: "100",
			files: map[string]string{"routes.toml": "[[route]]\nprefix = 1\n"},
			apps:  []string{"respond 500 Server Internal Error", "HANGUP NORMAL_TEMPORARY_FAILURE"},
			log:   "route table cannot be used"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := startRouteEngine(t, tc.files, jsbridge.RoutingConfig{Budget: 300 * time.Millisecond})
			_, res := e.route(t, tc.script, fstest.CallConfig{Destination: tc.dest, Vars: tc.vars, Setup: tc.setup})
			if got := apps(res); !reflect.DeepEqual(got, tc.apps) {
				t.Fatalf("commands\n got %q\nwant %q\nlogs: %v", got, tc.apps, e.logs.lines(res.UUID))
			}
			if tc.cause != "" && res.HangupCause != tc.cause {
				t.Fatalf("hangup cause %q, want %q", res.HangupCause, tc.cause)
			}
			if tc.log != "" {
				l := e.logs.find(res.UUID, tc.log)
				if l == nil {
					t.Fatalf("no log line %q; logs: %v", tc.log, e.logs.lines(res.UUID))
				}
				if at, _ := l["at"].(string); !strings.HasPrefix(at, tc.at) {
					t.Fatalf("log line at %q, want %q...: %v", at, tc.at, l)
				}
			}
		})
	}
}

// threeGateways is a route table: "44" has three gateways, "4" a fallback, and
// an account-only route for "33".
const threeGateways = `
[vars]
tier = "gold"

[[route]]
prefix = "4"
[[route.gateway]]
name = "fallback"

[[route]]
prefix = "44"
[route.vars]
schedule = { week = "9-21", weekend = "10-14", offset = -4 }
[[route.gateway]]
name = "carrier-a"
cli = "15551230000"
headers = { X-Customer-ID = "acme" }
[[route.gateway]]
name = "carrier-b"
[[route.gateway]]
name = "lab"
dial = "loopback/{dest}/default"

[[route]]
prefix = "33"
account = "bigco"
[[route.gateway]]
name = "bigco-trunk"
`

// data.routing carries what script-types.md §2 lists.
func TestRoutingData(t *testing.T) {
	t.Parallel()
	e := startRouteEngine(t, map[string]string{"routes.toml": threeGateways}, jsbridge.RoutingConfig{})
	_, res := e.route(t, "record-data", fstest.CallConfig{Destination: "441234567890", CallerIDNumber: "15550009999",
		Vars: map[string]string{"account_id": "acme"}})
	v, ok, err := e.kv.Get(context.Background(), "seen")
	if err != nil || !ok {
		t.Fatalf("script stored nothing (%v); logs %v", err, e.logs.lines(res.UUID))
	}
	var seen map[string]any
	if err := json.Unmarshal([]byte(v), &seen); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"uuid": res.UUID, "destinationNumber": "441234567890", "callerIdNumber": "15550009999", "caller_header": "15550009999",
		"var_account": "acme", "tier": "gold",
		"schedule": map[string]any{"week": "9-21", "weekend": "10-14", "offset": float64(-4)},
		"routing": map[string]any{
			"dest_number": "441234567890", "cli": "15550009999", "account_id": "acme", "server": "sw1.test", "src_ip": "127.0.0.1",
			"egress_routing": []any{
				map[string]any{"gw": map[string]any{"carrier-a": map[string]any{"cli": "15551230000", "dial": "sofia/gateway/carrier-a/441234567890"}},
					"headers": []any{map[string]any{"key": "X-Customer-ID", "value": "acme"}}},
				map[string]any{"gw": map[string]any{"carrier-b": map[string]any{"cli": "15550009999", "dial": "sofia/gateway/carrier-b/441234567890"}},
					"headers": []any{}},
				map[string]any{"gw": map[string]any{"lab": map[string]any{"cli": "15550009999", "dial": "loopback/441234567890/default"}},
					"headers": []any{}},
			},
		},
	}
	if !reflect.DeepEqual(seen, want) {
		g, _ := json.MarshalIndent(seen, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("data seen by the script\n%s\nwant\n%s", g, w)
	}
}

// A per-destination attempt counter in cxKV blocks the fourth call in a row.
func TestRoutingAttemptCounter(t *testing.T) {
	t.Parallel()
	e := startRouteEngine(t, nil, jsbridge.RoutingConfig{})
	for i := 1; i <= 4; i++ {
		_, res := e.route(t, "attempts", fstest.CallConfig{Destination: "447700900123"})
		got := appNames(res)
		if i <= 3 && !reflect.DeepEqual(got, []string{"set", "bridge", "HANGUP"}) {
			t.Fatalf("call %d: %q, want a bridge; logs %v", i, apps(res), e.logs.lines(res.UUID))
		}
		if i == 4 && !reflect.DeepEqual(apps(res), []string{"respond 603 Too Many Attempts", "HANGUP CALL_REJECTED"}) {
			t.Fatalf("call 4: %q, want 603", apps(res))
		}
	}
	// Another destination has its own counter.
	_, res := e.route(t, "attempts", fstest.CallConfig{Destination: "447700900999"})
	if got := appNames(res); !reflect.DeepEqual(got, []string{"set", "bridge", "HANGUP"}) {
		t.Fatalf("other destination: %q", apps(res))
	}
}

// The route table is re-read when it changes; a broken edit keeps the last good one.
func TestRoutingTableReload(t *testing.T) {
	t.Parallel()
	table := func(gw string) string {
		return "[[route]]\nprefix = \"44\"\n[[route.gateway]]\nname = \"" + gw + "\"\n"
	}
	e := startRouteEngine(t, map[string]string{"routes.toml": table("old")}, jsbridge.RoutingConfig{TableCheckEvery: time.Nanosecond})
	bridged := func() string {
		_, res := e.route(t, "pass", fstest.CallConfig{Destination: "4400"})
		for _, a := range apps(res) {
			if strings.HasPrefix(a, "bridge ") {
				return a
			}
		}
		return strings.Join(apps(res), "; ")
	}
	path := filepath.Join(e.dir, "routes.toml")
	if got := bridged(); !strings.HasSuffix(got, "sofia/gateway/old/4400") {
		t.Fatalf("first table: %s", got)
	}
	if err := os.WriteFile(path, []byte(table("newer")), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := bridged(); !strings.HasSuffix(got, "sofia/gateway/newer/4400") {
		t.Fatalf("after the edit: %s", got)
	}
	if err := os.WriteFile(path, []byte("[[route]\nbroken"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := bridged(); !strings.HasSuffix(got, "sofia/gateway/newer/4400") {
		t.Fatalf("after a broken edit: %s", got)
	}
	if e.logs.find("", "route table does not load") == nil {
		t.Fatal("the broken table was not logged")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if got := bridged(); !strings.HasSuffix(got, "sofia/gateway/gw/4400") {
		t.Fatalf("without a table: %s", got)
	}
}

func TestParseRouteTable(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, want string }{
		{"unknown key", "[[route]]\nprefx = \"4\"\n", "unknown keys"},
		{"bad gateway name", "[[route]]\nprefix = \"4\"\n[[route.gateway]]\nname = \"a b\"\n", "name"},
		{"expansion in dial", "[[route]]\n[[route.gateway]]\nname = \"a\"\ndial = \"sofia/gateway/${x}/{dest}\"\n", "expansions"},
		{"two destinations", "[[route]]\n[[route.gateway]]\nname = \"a\"\ndial = \"user/1|user/2\"\n", "one destination"},
		{"hook variable in dial", "[[route]]\n[[route.gateway]]\nname = \"a\"\ndial = \"[api_on_answer=x]user/1\"\n", "not permitted"},
		{"comma in cli", "[[route]]\n[[route.gateway]]\nname = \"a\"\ncli = \"1,2\"\n", "cli"},
		{"non X- header", "[[route]]\n[[route.gateway]]\nname = \"a\"\nheaders = { From = \"x\" }\n", "header name"},
		{"reserved variable", "[vars]\nrouting = 1\n", "routing"},
		{"bad prefix", "[[route]]\nprefix = \"4 4\"\n", "prefix"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := jsbridge.ParseRouteTable([]byte(tc.src))
			if err == nil || !errors.Is(err, jsbridge.ErrRouteTable) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrRouteTable mentioning %q", err, tc.want)
			}
		})
	}
	tb, err := jsbridge.ParseRouteTable([]byte(threeGateways))
	if err != nil {
		t.Fatal(err)
	}
	for dest, want := range map[string]string{"441": "44", "49": "4", "33": "", "1": ""} {
		r := tb.Match(dest, "default")
		got := ""
		if r != nil {
			got = r.Prefix
		}
		if got != want {
			t.Errorf("Match(%s) = %q, want %q", dest, got, want)
		}
	}
	if r := tb.Match("331", "bigco"); r == nil || r.Account != "bigco" {
		t.Errorf("account route not matched: %+v", r)
	}
}

// BenchmarkRoutingDecision measures routing decisions per second through the
// socket: a simulated call connects, the script runs, the call is bridged by the
// route table's first gateway and hung up.
func BenchmarkRoutingDecision(b *testing.B) {
	e := startRouteEngine(b, map[string]string{"routes.toml": threeGateways}, jsbridge.RoutingConfig{})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c, err := fstest.Dial(ctx, e.addr, fstest.CallConfig{Destination: "441234567890",
				Vars: map[string]string{"route_script": "uses-schedule"}})
			if err != nil {
				b.Error(err)
				return
			}
			res, err := c.Wait(ctx)
			if err != nil || res.HangupCause != "NORMAL_CLEARING" {
				b.Errorf("call ended %q: %v", res.HangupCause, err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}
