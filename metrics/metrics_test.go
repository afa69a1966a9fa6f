package metrics_test

import (
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rs/zerolog"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/metrics"
	"github.com/callforge/callforge/voice"
	"github.com/callforge/callforge/voice/fstest"
)

// scrape reads the registry as Prometheus would and returns the families by name.
func scrape(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics = %d", rec.Code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value returns the sample of family name whose labels include want (counter,
// gauge, or a histogram's count), and whether there is one.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// A simulated load through a real engine, then /metrics: every family is there,
// with the counts the calls imply.
func TestMetricsAfterSimulatedLoad(t *testing.T) {
	t.Parallel()
	store, err := script.Open("testdata/scripts", script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := &voice.Server{Logger: zerolog.Nop(), HangupGrace: 100 * time.Millisecond}
	m := metrics.New(metrics.Options{Stats: srv.Stats})
	srv.Observer = m
	engine, err := jsbridge.New(jsbridge.Config{Scripts: store, Logger: zerolog.Nop(), Observer: m,
		Limits: jsbridge.Limits{CPU: 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handler = engine
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()

	type call struct {
		script   string
		hangupOn string
		n        int
	}
	calls := []call{{script: "ok", n: 6}, {script: "ok", hangupOn: "playback", n: 1},
		{script: "throws", n: 1}, {script: "spin", n: 1}, {script: "nope", n: 1}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for _, c := range calls {
		for range c.n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sim, err := fstest.Dial(ctx, l.Addr().String(), fstest.CallConfig{
					Vars: map[string]string{"voice_script": c.script},
					Media: func(app, _ string) time.Duration {
						if app == "playback" {
							return 20 * time.Millisecond
						}
						return 0
					},
					Setup: func(sc *fstest.Call) {
						if c.hangupOn != "" {
							sc.HangupOn(c.hangupOn, 5*time.Millisecond, "")
						}
					},
				})
				if err != nil {
					errs <- err
					return
				}
				if _, err := sim.Wait(ctx); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		t.Fatalf("calls did not end: %v", err)
	}
	_, rerr := store.Reload()
	m.Reloaded(rerr)
	m.Reloaded(errors.New("directory gone"))

	fams := scrape(t, m)
	type check struct {
		name    string
		labels  map[string]string
		want    float64 // exact
		atLeast bool    // want is a lower bound
	}
	checks := []check{
		{name: "callforge_calls_total", labels: map[string]string{"script": "ok.js", "outcome": "ok"}, want: 6},
		{name: "callforge_calls_total", labels: map[string]string{"script": "ok.js", "outcome": "hangup"}, want: 1},
		{name: "callforge_calls_total", labels: map[string]string{"script": "throws.js", "outcome": "error"}, want: 1},
		{name: "callforge_calls_total", labels: map[string]string{"script": "spin.js", "outcome": "limit"}, want: 1},
		{name: "callforge_calls_total", labels: map[string]string{"script": "nope", "outcome": "failed"}, want: 1},
		{name: "callforge_calls_active", labels: map[string]string{"script": "ok.js"}, want: 0},
		{name: "callforge_calls_active", labels: map[string]string{"script": "spin.js"}, want: 0},
		{name: "callforge_call_script_seconds", labels: map[string]string{"outcome": "ok"}, want: 6},
		{name: "callforge_esl_connections_total", want: 10},
		{name: "callforge_esl_connections_active", want: 0},
		{name: "callforge_hangup_causes_total", labels: map[string]string{"cause": "NORMAL_CLEARING"}, want: 7},
		{name: "callforge_hangup_causes_total", labels: map[string]string{"cause": "NORMAL_TEMPORARY_FAILURE"}, want: 3},
		{name: "callforge_script_errors_total", labels: map[string]string{"script": "nope", "kind": "not-found"}, want: 1},
		{name: "callforge_script_errors_total", labels: map[string]string{"script": "throws.js"}, want: 1, atLeast: true},
		{name: "callforge_limit_hits_total", labels: map[string]string{"script": "spin.js", "limit": jsbridge.LimitCPU}, want: 1},
		{name: "callforge_command_seconds", labels: map[string]string{"app": "playback"}, want: 13},
		{name: "callforge_command_seconds", labels: map[string]string{"app": "answer"}, want: 9},
		{name: "callforge_command_failures_total", labels: map[string]string{"app": "playback"}, want: 1},
		{name: "callforge_engine_added_seconds", want: 15, atLeast: true},
		{name: "callforge_event_loop_lag_seconds", want: 20, atLeast: true},
		{name: "callforge_esl_frames_in_total", want: 100, atLeast: true},
		{name: "callforge_esl_frames_out_total", want: 50, atLeast: true},
		{name: "callforge_script_reloads_total", labels: map[string]string{"result": "ok"}, want: 1},
		{name: "callforge_script_reloads_total", labels: map[string]string{"result": "error"}, want: 1},
		{name: "go_goroutines", want: 1, atLeast: true},
		{name: "process_resident_memory_bytes", want: 1, atLeast: true},
	}
	for _, c := range checks {
		got, ok := value(fams, c.name, c.labels)
		switch {
		case !ok:
			t.Errorf("%s%v: no such sample", c.name, c.labels)
		case c.atLeast && got < c.want:
			t.Errorf("%s%v = %v, want >= %v", c.name, c.labels, got, c.want)
		case !c.atLeast && got != c.want:
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// Label values are bounded: scripts past the cap, unknown causes and unknown
// outcomes are counted as "other".
func TestLabelsAreBounded(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{MaxScripts: 2, MaxApps: 1, NoProcessMetrics: true})
	for _, s := range []string{"a.js", "b.js", "c.js", "d.js", "a.js"} {
		m.RunStarted(s)
		m.RunEnded(s, jsbridge.OutcomeOK, time.Second)
	}
	m.RunStarted("a.js")
	m.RunEnded("a.js", "exploded", time.Second)
	m.RunEnded("", jsbridge.OutcomeFailed, 0) // failed before starting: no RunStarted
	for _, cause := range []string{"NORMAL_CLEARING", "USER_BUSY", "MADE_UP_CAUSE", "", voice.CauseConnectionLost} {
		m.CallStarted()
		m.CallEnded(cause, time.Second)
	}
	m.CommandDone("playback", time.Millisecond, nil)
	m.CommandDone("speak", time.Millisecond, errors.New("refused"))
	fams := scrape(t, m)
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"callforge_calls_total", map[string]string{"script": "a.js", "outcome": "ok"}, 2},
		{"callforge_calls_total", map[string]string{"script": "b.js", "outcome": "ok"}, 1},
		{"callforge_calls_total", map[string]string{"script": "other", "outcome": "ok"}, 2},
		{"callforge_calls_total", map[string]string{"script": "a.js", "outcome": "other"}, 1},
		{"callforge_calls_total", map[string]string{"script": "none", "outcome": "failed"}, 1},
		{"callforge_calls_active", map[string]string{"script": "a.js"}, 0},
		{"callforge_calls_active", map[string]string{"script": "none"}, 0},
		{"callforge_calls_active", map[string]string{"script": "other"}, 0},
		{"callforge_hangup_causes_total", map[string]string{"cause": "USER_BUSY"}, 1},
		{"callforge_hangup_causes_total", map[string]string{"cause": "other"}, 1},
		{"callforge_hangup_causes_total", map[string]string{"cause": "NONE"}, 1},
		{"callforge_hangup_causes_total", map[string]string{"cause": "CONNECTION_LOST"}, 1},
		{"callforge_command_seconds", map[string]string{"app": "other"}, 1},
		{"callforge_command_failures_total", map[string]string{"app": "other"}, 1},
	}
	for _, tt := range tests {
		got, ok := value(fams, tt.name, tt.labels)
		if tt.name == "callforge_calls_active" && tt.labels["script"] == "none" {
			// a run that never started leaves no gauge behind
			if ok {
				t.Errorf("calls_active{script=none} = %v, want no sample", got)
			}
			continue
		}
		if !ok || got != tt.want {
			t.Errorf("%s%v = %v (present %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if n := len(fams["callforge_calls_total"].GetMetric()); n != 5 {
		t.Errorf("calls_total has %d series, want 5 (a, b, other, a/other, none/failed)", n)
	}
}
