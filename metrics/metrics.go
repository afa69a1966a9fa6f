package metrics

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/voice"
)

// Namespace prefixes every metric name.
const Namespace = "callforge"

// Other is the label value that stands for every value past a label's cap or
// outside its list.
const Other = "other"

// Default caps on distinct label values.
const (
	DefaultMaxScripts = 1000
	DefaultMaxApps    = 100
	maxKinds          = 40
)

// Options configures New.
type Options struct {
	// Stats, if set, feeds the ESL frame counters (voice.Server.Stats).
	Stats func() voice.Stats
	// MaxScripts and MaxApps cap the distinct script and application label values
	// (0: DefaultMaxScripts, DefaultMaxApps).
	MaxScripts, MaxApps int
	// NoProcessMetrics leaves out the Go runtime and process collectors.
	NoProcessMetrics bool
}

// Metrics is callforge's metrics registry. It implements jsbridge.Observer and
// voice.Observer; its methods are safe for concurrent use and never block.
type Metrics struct {
	reg *prometheus.Registry

	scripts *boundedSet
	apps    *boundedSet
	kinds   *boundedSet // script error kinds and limit names: a short list jsbridge may extend

	runsActive   *prometheus.GaugeVec
	runsTotal    *prometheus.CounterVec
	runSeconds   *prometheus.HistogramVec
	scriptErrors *prometheus.CounterVec
	limitHits    *prometheus.CounterVec
	loopLag      prometheus.Histogram

	channelsActive prometheus.Gauge
	channelsTotal  prometheus.Counter
	hangupCauses   *prometheus.CounterVec
	commandSeconds *prometheus.HistogramVec
	commandErrors  *prometheus.CounterVec
	engineAdded    prometheus.Histogram

	reloads *prometheus.CounterVec
}

var (
	_ jsbridge.Observer = (*Metrics)(nil)
	_ voice.Observer    = (*Metrics)(nil)
)

// Latency buckets (seconds). The engine's own added time is meant to be well
// under a millisecond; applications run for as long as their media lasts.
var (
	engineBuckets  = []float64{10e-6, 25e-6, 50e-6, 100e-6, 150e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 1}
	commandBuckets = []float64{1e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600}
	runBuckets     = []float64{0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 14400}
)

// New returns the registry with every callforge metric family registered.
func New(opts Options) *Metrics {
	if opts.MaxScripts <= 0 {
		opts.MaxScripts = DefaultMaxScripts
	}
	if opts.MaxApps <= 0 {
		opts.MaxApps = DefaultMaxApps
	}
	m := &Metrics{
		reg:     prometheus.NewRegistry(),
		scripts: newBoundedSet(opts.MaxScripts),
		apps:    newBoundedSet(opts.MaxApps),
		kinds:   newBoundedSet(maxKinds),
		runsActive: prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: "calls_active",
			Help: "Calls whose script is running, by script."}, []string{"script"}),
		runsTotal: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "calls_total",
			Help: "Calls whose script run ended, by script and outcome (ok, hangup, error, limit, failed)."},
			[]string{"script", "outcome"}),
		runSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "call_script_seconds",
			Help: "How long scripts ran, by outcome.", Buckets: runBuckets}, []string{"outcome"}),
		scriptErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "script_errors_total",
			Help: "Script errors by script and kind (not-found, compile, entry, runtime, uncaught, unhandled-rejection)."},
			[]string{"script", "kind"}),
		limitHits: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "limit_hits_total",
			Help: "Scripts stopped by a limit, by script and limit."}, []string{"script", "limit"}),
		loopLag: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: "event_loop_lag_seconds",
			Help: "Time a settlement waited between being queued and running on its call's event loop.", Buckets: engineBuckets}),
		channelsActive: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "esl_connections_active",
			Help: "Outbound Event Socket connections (calls) open now."}),
		channelsTotal: prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "esl_connections_total",
			Help: "Outbound Event Socket connections (calls) FreeSWITCH handed over."}),
		hangupCauses: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "hangup_causes_total",
			Help: "Calls ended, by FreeSWITCH hang-up cause (none: the call left the engine without hanging up)."},
			[]string{"cause"}),
		commandSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "command_seconds",
			Help: "Time from an application's sendmsg to its completion (or failure), by application.", Buckets: commandBuckets},
			[]string{"app"}),
		commandErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "command_failures_total",
			Help: "Applications that failed (refused, hung up under, connection lost), by application."}, []string{"app"}),
		engineAdded: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: "engine_added_seconds",
			Help: "Time from a completion or reply arriving on an idle call to the engine's next command on it.", Buckets: engineBuckets}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "script_reloads_total",
			Help: "Reloads of the scripts directory, by result (ok, error)."}, []string{"result"}),
	}
	m.reg.MustRegister(m.runsActive, m.runsTotal, m.runSeconds, m.scriptErrors, m.limitHits, m.loopLag,
		m.channelsActive, m.channelsTotal, m.hangupCauses, m.commandSeconds, m.commandErrors, m.engineAdded, m.reloads)
	// Both results exist from the start, so a rate() sees the first reload.
	m.reloads.WithLabelValues("ok")
	m.reloads.WithLabelValues("error")
	if opts.Stats != nil {
		stats := opts.Stats
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: Namespace, Name: "esl_frames_in_total",
				Help: "ESL frames read from FreeSWITCH."}, func() float64 { return float64(stats().FramesIn) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: Namespace, Name: "esl_frames_out_total",
				Help: "ESL frames written to FreeSWITCH."}, func() float64 { return float64(stats().FramesOut) }),
		)
	}
	if !opts.NoProcessMetrics {
		m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return m
}

// Registry returns the registry, for registering more collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// RunStarted implements jsbridge.Observer.
func (m *Metrics) RunStarted(script string) {
	m.runsActive.WithLabelValues(m.scripts.label(script)).Inc()
}

// RunEnded implements jsbridge.Observer. A run that failed before it started
// (jsbridge reports those with took == 0 and no RunStarted) leaves calls_active alone.
func (m *Metrics) RunEnded(script, outcome string, took time.Duration) {
	s := m.scripts.label(script)
	if !(outcome == jsbridge.OutcomeFailed && took == 0) {
		m.runsActive.WithLabelValues(s).Dec()
	}
	o := outcomeLabel(outcome)
	m.runsTotal.WithLabelValues(s, o).Inc()
	m.runSeconds.WithLabelValues(o).Observe(took.Seconds())
}

// ScriptError implements jsbridge.Observer.
func (m *Metrics) ScriptError(script, kind string) {
	m.scriptErrors.WithLabelValues(m.scripts.label(script), m.kinds.label(kind)).Inc()
}

// LimitHit implements jsbridge.Observer.
func (m *Metrics) LimitHit(script, limit string) {
	m.limitHits.WithLabelValues(m.scripts.label(script), m.kinds.label(limit)).Inc()
}

// LoopLag implements jsbridge.Observer.
func (m *Metrics) LoopLag(d time.Duration) { m.loopLag.Observe(d.Seconds()) }

// CallStarted implements voice.Observer.
func (m *Metrics) CallStarted() {
	m.channelsActive.Inc()
	m.channelsTotal.Inc()
}

// CallEnded implements voice.Observer.
func (m *Metrics) CallEnded(cause string, _ time.Duration) {
	m.channelsActive.Dec()
	if cause == "" {
		cause = "NONE"
	}
	if !hangupCauses[cause] {
		cause = Other
	}
	m.hangupCauses.WithLabelValues(cause).Inc()
}

// CommandDone implements voice.Observer.
func (m *Metrics) CommandDone(app string, took time.Duration, err error) {
	a := m.apps.label(app)
	m.commandSeconds.WithLabelValues(a).Observe(took.Seconds())
	if err != nil {
		m.commandErrors.WithLabelValues(a).Inc()
	}
}

// EngineAdded implements voice.Observer.
func (m *Metrics) EngineAdded(d time.Duration) { m.engineAdded.Observe(d.Seconds()) }

// Reloaded counts one reload of the scripts directory (err nil: it succeeded).
func (m *Metrics) Reloaded(err error) {
	if err != nil {
		m.reloads.WithLabelValues("error").Inc()
		return
	}
	m.reloads.WithLabelValues("ok").Inc()
}

var (
	outcomes = []string{jsbridge.OutcomeOK, jsbridge.OutcomeHangup, jsbridge.OutcomeError, jsbridge.OutcomeLimit, jsbridge.OutcomeFailed}
)

func outcomeLabel(o string) string { return oneOf(o, outcomes) }

func oneOf(v string, list []string) string {
	for _, x := range list {
		if v == x {
			return v
		}
	}
	return Other
}

// boundedSet hands out label values: the first max distinct values are kept as
// they are, later ones become Other.
type boundedSet struct {
	mu   sync.RWMutex
	max  int
	seen map[string]struct{}
}

func newBoundedSet(max int) *boundedSet {
	return &boundedSet{max: max, seen: make(map[string]struct{})}
}

// maxLabelLen bounds one label value: longer ones are Other.
const maxLabelLen = 200

func (b *boundedSet) label(v string) string {
	if v == "" {
		return "none"
	}
	if len(v) > maxLabelLen {
		return Other
	}
	b.mu.RLock()
	_, ok := b.seen[v]
	b.mu.RUnlock()
	if ok {
		return v
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.seen[v]; ok {
		return v
	}
	if len(b.seen) >= b.max {
		return Other
	}
	b.seen[v] = struct{}{}
	return v
}
