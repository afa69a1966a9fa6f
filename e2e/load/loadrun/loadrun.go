package loadrun

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/callforge/callforge/voice/fstest"
)

// ErrConfig is wrapped by every error about a bad Config.
var ErrConfig = errors.New("loadrun: bad config")

// ErrRunTimeout is returned (with the partial Report) when Config.Timeout ended
// the run before every call was placed and finished.
var ErrRunTimeout = errors.New("loadrun: run timed out")

// BenchCallApps is what the standard benchmark call (e2e/scripts/bench-call.js,
// e2e/baseline) makes FreeSWITCH do, in order; "hangup" is the sendmsg hangup.
var BenchCallApps = []string{"answer", "playback", "play_and_get_digits", "set", "playback", "hangup"}

// Defaults of Config's zero fields.
const (
	DefaultConcurrency = 100
	DefaultCallTimeout = 30 * time.Second
	DefaultTimeout     = 5 * time.Minute
	DefaultCause       = "NORMAL_CLEARING"
)

// Config is one load run.
type Config struct {
	Addr        string        // the engine's listen address (host:port)
	Calls       int           // calls to place (> 0)
	Concurrency int           // calls in flight at most (default DefaultConcurrency)
	Rate        float64       // calls started per second; 0 = as fast as Concurrency allows
	Script      string        // voice_script channel variable; "" = none (the engine's default)
	Media       time.Duration // how long every application "plays" (fstest CallConfig.Media)
	Digits      string        // pressed when play_and_get_digits starts; "" = none
	// ExpectApps is the applications the engine must run, in order ("hangup" is the
	// sendmsg hangup); nil or empty = not checked.
	ExpectApps []string
	// ExpectSet, if not empty, is the argument the `set` application must get
	// (e.g. "bench_digits=1234": the digits made it through to the script).
	ExpectSet string
	// ExpectCause is the hang-up cause the call must end with (default NORMAL_CLEARING).
	ExpectCause string
	CallTimeout time.Duration // bound of one call, dial to socket close (default 30s)
	Timeout     time.Duration // bound of the whole run (default 5m)
	EnginePID   int           // if > 0, the engine's CPU time and RSS are read from /proc
}

func (c *Config) normalize() error {
	switch {
	case c.Addr == "":
		return fmt.Errorf("%w: an engine address is required", ErrConfig)
	case c.Calls <= 0:
		return fmt.Errorf("%w: calls must be > 0 (got %d)", ErrConfig, c.Calls)
	case c.Concurrency < 0:
		return fmt.Errorf("%w: concurrency must be >= 0 (got %d)", ErrConfig, c.Concurrency)
	case c.Rate < 0:
		return fmt.Errorf("%w: rate must be >= 0 (got %g)", ErrConfig, c.Rate)
	case c.Media < 0:
		return fmt.Errorf("%w: media must be >= 0 (got %s)", ErrConfig, c.Media)
	case c.CallTimeout < 0 || c.Timeout < 0:
		return fmt.Errorf("%w: timeouts must be >= 0", ErrConfig)
	case c.EnginePID < 0:
		return fmt.Errorf("%w: engine pid must be >= 0", ErrConfig)
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Concurrency > c.Calls {
		c.Concurrency = c.Calls
	}
	if c.ExpectCause == "" {
		c.ExpectCause = DefaultCause
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = DefaultCallTimeout
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return nil
}

// Latency sums up durations, in microseconds.
type Latency struct {
	Count  int     `json:"count"`
	MeanUS float64 `json:"mean_us"`
	P50US  float64 `json:"p50_us"`
	P90US  float64 `json:"p90_us"`
	P99US  float64 `json:"p99_us"`
	MaxUS  float64 `json:"max_us"`
}

// Usage is a process's CPU time and memory over the run (from /proc).
type Usage struct {
	PID          int     `json:"pid"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	CPUMsPerCall float64 `json:"cpu_ms_per_call"` // per call placed
	RSSBeforeKiB int64   `json:"rss_before_kib"`
	RSSAfterKiB  int64   `json:"rss_after_kib"`
}

// Report is what a run measured.
type Report struct {
	Addr        string  `json:"addr"`
	Script      string  `json:"script"`
	Calls       int     `json:"calls"`
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"rate"`
	MediaMS     float64 `json:"media_ms"`

	OK       int            `json:"ok"`
	Failed   int            `json:"failed"`
	Failures map[string]int `json:"failures,omitempty"` // reason -> calls

	WallSeconds     float64 `json:"wall_seconds"`
	CallsPerSecond  float64 `json:"calls_per_second"` // calls that ended ok, per wall second
	Commands        int     `json:"commands"`
	CommandsPerCall float64 `json:"commands_per_call"`
	// EngineAdded is the time the engine took per command (fstest Result.Latencies
	// of every call, merged); CallDuration is dial to socket close.
	EngineAdded  Latency `json:"engine_added"`
	CallDuration Latency `json:"call_duration"`

	Engine   *Usage `json:"engine,omitempty"`    // with Config.EnginePID
	LoadTool *Usage `json:"load_tool,omitempty"` // this process
}

// callOutcome is what one call left behind.
type callOutcome struct {
	failure   string // "" = ok
	commands  int
	latencies []time.Duration
	duration  time.Duration
}

// Run places cfg.Calls simulated calls against cfg.Addr and returns the report.
// It returns an error wrapping ErrConfig for a bad config, and ErrRunTimeout
// (with the report of what happened) when cfg.Timeout cut the run short. Failed
// calls are in the report, not an error.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.normalize(); err != nil {
		return Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	var engineBefore, selfBefore procSample
	var engineErr, selfErr error
	if cfg.EnginePID > 0 {
		if engineBefore, engineErr = readProc(cfg.EnginePID); engineErr != nil {
			return Report{}, fmt.Errorf("%w: engine pid %d: %w", ErrConfig, cfg.EnginePID, engineErr)
		}
	}
	selfBefore, selfErr = readProc(0)

	jobs := make(chan int)
	outcomes := make([][]callOutcome, cfg.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for range jobs {
				outcomes[w] = append(outcomes[w], oneCall(ctx, &cfg))
			}
		}(w)
	}
	placed := dispatch(ctx, &cfg, jobs, start)
	close(jobs)
	wg.Wait()
	wall := time.Since(start)

	rep := Report{
		Addr: cfg.Addr, Script: cfg.Script, Calls: cfg.Calls, Concurrency: cfg.Concurrency,
		Rate: cfg.Rate, MediaMS: float64(cfg.Media) / float64(time.Millisecond),
		WallSeconds: wall.Seconds(),
	}
	var lat, durs []time.Duration
	for _, ws := range outcomes {
		for _, o := range ws {
			rep.Commands += o.commands
			lat = append(lat, o.latencies...)
			durs = append(durs, o.duration)
			if o.failure == "" {
				rep.OK++
				continue
			}
			rep.fail(o.failure, 1)
		}
	}
	if n := cfg.Calls - placed; n > 0 {
		rep.fail("not placed: run timed out", n)
	}
	if placed > 0 {
		rep.CommandsPerCall = float64(rep.Commands) / float64(placed)
	}
	if wall > 0 {
		rep.CallsPerSecond = float64(rep.OK) / wall.Seconds()
	}
	rep.EngineAdded = summarize(lat)
	rep.CallDuration = summarize(durs)
	if cfg.EnginePID > 0 {
		if after, err := readProc(cfg.EnginePID); err == nil {
			rep.Engine = usage(cfg.EnginePID, engineBefore, after, placed)
		}
	}
	if selfErr == nil {
		if after, err := readProc(0); err == nil {
			rep.LoadTool = usage(0, selfBefore, after, placed)
		}
	}
	if placed < cfg.Calls || ctx.Err() != nil && rep.Failed > 0 {
		return rep, fmt.Errorf("%w after %s: %d of %d calls placed", ErrRunTimeout, cfg.Timeout, placed, cfg.Calls)
	}
	return rep, nil
}

func (r *Report) fail(reason string, n int) {
	if r.Failures == nil {
		r.Failures = map[string]int{}
	}
	r.Failures[reason] += n
	r.Failed += n
}

// dispatch hands call numbers to the workers, paced by cfg.Rate, until all are
// placed or ctx ends; it returns how many were handed out.
func dispatch(ctx context.Context, cfg *Config, jobs chan<- int, start time.Time) int {
	var interval time.Duration
	if cfg.Rate > 0 {
		interval = time.Duration(float64(time.Second) / cfg.Rate)
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for i := 0; i < cfg.Calls; i++ {
		if interval > 0 {
			if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
				timer.Reset(d)
				select {
				case <-timer.C:
				case <-ctx.Done():
					return i
				}
			}
		}
		select {
		case jobs <- i:
		case <-ctx.Done():
			return i
		}
	}
	return cfg.Calls
}

// oneCall places one simulated call and checks how it ended.
func oneCall(runCtx context.Context, cfg *Config) callOutcome {
	ctx, cancel := context.WithTimeout(runCtx, cfg.CallTimeout)
	defer cancel()
	cc := fstest.CallConfig{}
	if cfg.Script != "" {
		cc.Vars = map[string]string{"voice_script": cfg.Script}
	}
	if media := cfg.Media; media > 0 {
		cc.Media = func(string, string) time.Duration { return media }
	}
	if digits := cfg.Digits; digits != "" {
		cc.Setup = func(c *fstest.Call) { c.PressOn("play_and_get_digits", digits) }
	}
	began := time.Now()
	call, err := fstest.Dial(ctx, cfg.Addr, cc)
	if err != nil {
		return callOutcome{failure: "dial: " + errClass(err), duration: time.Since(began)}
	}
	res, err := call.Wait(ctx)
	if err != nil {
		call.Close()
		<-call.Done()
		return callOutcome{failure: "timed out", duration: time.Since(began), commands: len(call.Commands())}
	}
	return callOutcome{
		failure:   checkResult(cfg, res),
		commands:  len(res.Commands),
		latencies: res.Latencies,
		duration:  res.ClosedAt.Sub(began),
	}
}

// checkResult returns why the call did not end as expected, "" if it did.
func checkResult(cfg *Config, res fstest.Result) string {
	if res.ConnectTimedOut {
		return "engine never sent connect"
	}
	if res.HangupCause != cfg.ExpectCause {
		if res.HangupCause == "" {
			return "channel never hung up"
		}
		return "hang-up cause " + res.HangupCause
	}
	var apps []string
	setArg, lingered := "", false
	for _, c := range res.Commands {
		switch {
		case c.Name == "linger":
			lingered = true
		case c.Name != "sendmsg":
		case c.CallCommand == "execute":
			apps = append(apps, c.App)
			if c.App == "set" && setArg == "" {
				setArg = c.Arg
			}
		case c.CallCommand == "hangup":
			apps = append(apps, "hangup")
		}
	}
	if len(cfg.ExpectApps) > 0 && !equal(apps, cfg.ExpectApps) {
		return "unexpected applications: " + strings.Join(apps, ",")
	}
	if cfg.ExpectSet != "" && setArg != cfg.ExpectSet {
		return fmt.Sprintf("set got %q, want %q", setArg, cfg.ExpectSet)
	}
	// A lingering socket stays open until the engine says exit (FreeSWITCH keeps
	// it forever with plain `linger`); without linger FreeSWITCH closes it itself.
	if lingered && !res.ExitReceived {
		return "engine never sent exit"
	}
	return ""
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// errClass keeps failure reasons few: the error text without addresses.
func errClass(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

func summarize(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	pct := func(p float64) float64 {
		i := int(p*float64(len(ds))+0.5) - 1
		i = max(0, min(i, len(ds)-1))
		return us(ds[i])
	}
	return Latency{
		Count:  len(ds),
		MeanUS: us(sum) / float64(len(ds)),
		P50US:  pct(0.50),
		P90US:  pct(0.90),
		P99US:  pct(0.99),
		MaxUS:  us(ds[len(ds)-1]),
	}
}
