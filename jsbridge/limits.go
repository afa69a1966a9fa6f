package jsbridge

import (
	"errors"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dlclark/regexp2/v2"
	"github.com/dop251/goja"
)

// ErrLimit is wrapped by every limit a script hits.
var ErrLimit = errors.New("script limit reached")

// regexMatchTimeout bounds one match of a regular expression that goja runs on its
// backtracking engine (regexp2: back-references, look-arounds). Such a match is Go
// code the CPU budget's interrupt cannot stop, so catastrophic backtracking would
// hold the call's goroutine forever; with this bound the match gives up (goja then
// reports no match) and the interrupt, if the budget passed meanwhile, lands.
const regexMatchTimeout = time.Second

// RegexClockGoroutine is the function of the one process-wide goroutine that the
// regex match timeout brings (regexp2's clock): it stops by itself about two
// seconds after the last timed match and belongs to no call. Goroutine-leak checks
// ignore it.
const RegexClockGoroutine = "github.com/dlclark/regexp2/v2.runClock"

func init() {
	regexp2.DefaultMatchTimeout = regexMatchTimeout
}

// Limits bound what one call's script may use. Zero fields take the defaults.
type Limits struct {
	CPU          time.Duration // longest synchronous stretch of JS (default 1s)
	StackDepth   int           // deepest JS call stack (default 1000 frames)
	Timers       int           // live timers per call (default 100)
	CallDuration time.Duration // whole call (default 4h)
	// HeapBytes: when the process heap passes it, the calls running JS at that moment
	// are stopped (default 4 GiB).
	HeapBytes uint64
}

func (l Limits) withDefaults() Limits {
	if l.CPU <= 0 {
		l.CPU = time.Second
	}
	if l.StackDepth <= 0 {
		l.StackDepth = 1000
	}
	if l.Timers <= 0 {
		l.Timers = 100
	}
	if l.CallDuration <= 0 {
		l.CallDuration = 4 * time.Hour
	}
	if l.HeapBytes == 0 {
		l.HeapBytes = 4 << 30
	}
	return l
}

// Limit names, as logged and as scripts' errors say.
const (
	LimitCPU      = "cpu"
	LimitHeap     = "memory"
	LimitDuration = "call-duration"
	LimitTimers   = "timers"
	LimitBudget   = "time-budget"
)

// busyClock marks when the call's loop is running JS, for the watchdogs.
type busyClock struct {
	since atomic.Int64 // unix nanos when the current JS stretch began; 0 when idle
}

// heapGuard samples the process heap while calls are running and stops the calls
// that are running JS when it passes the limit. One goroutine serves the engine,
// and runs only while at least one call is registered.
type heapGuard struct {
	limit uint64
	every time.Duration

	mu    sync.Mutex
	runs  map[*run]struct{}
	stop  chan struct{}
	done  chan struct{}
	hits  atomic.Int64
	readf func() uint64 // heap reader (tests may replace it)
}

func newHeapGuard(limit uint64) *heapGuard {
	return &heapGuard{limit: limit, every: 20 * time.Millisecond, runs: map[*run]struct{}{}, readf: heapBytes}
}

func (g *heapGuard) register(r *run) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.runs[r] = struct{}{}
	if g.stop == nil {
		g.stop, g.done = make(chan struct{}), make(chan struct{})
		go g.loop(g.stop, g.done)
	}
}

func (g *heapGuard) unregister(r *run) {
	g.mu.Lock()
	delete(g.runs, r)
	var stop, done chan struct{}
	if len(g.runs) == 0 && g.stop != nil {
		stop, done = g.stop, g.done
		g.stop, g.done = nil, nil
	}
	g.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

func (g *heapGuard) loop(stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(g.every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if g.readf() < g.limit {
			continue
		}
		// The heap is over the limit: the calls running JS right now (for more than
		// a moment) are the ones allocating. Stop them.
		now := time.Now().UnixNano()
		g.mu.Lock()
		var victims []*run
		for r := range g.runs {
			if s := r.busy.since.Load(); s != 0 && now-s > int64(5*time.Millisecond) {
				victims = append(victims, r)
			}
		}
		g.mu.Unlock()
		for _, r := range victims {
			g.hits.Add(1)
			r.hitLimit(LimitHeap, "the process heap passed the memory limit while this script was running")
		}
	}
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
var heapMu sync.Mutex

func heapBytes() uint64 {
	heapMu.Lock()
	defer heapMu.Unlock()
	metrics.Read(heapSample)
	if heapSample[0].Value.Kind() == metrics.KindUint64 {
		return heapSample[0].Value.Uint64()
	}
	return 0
}

// enter marks the start of a JS stretch and arms the CPU watchdog.
func (r *run) enter() {
	if r.busy.since.Load() != 0 {
		return // nested: the outer stretch is being timed
	}
	r.busy.since.Store(time.Now().UnixNano())
	if r.cpuTimer == nil {
		r.cpuTimer = time.AfterFunc(r.limits.CPU, r.cpuExpired)
	} else {
		r.cpuTimer.Reset(r.limits.CPU)
	}
}

// exit marks the end of a JS stretch.
func (r *run) exit() {
	r.busy.since.Store(0)
	if r.cpuTimer != nil {
		r.cpuTimer.Stop()
	}
	if r.limitHit.Load() != nil {
		r.vm.ClearInterrupt()
	}
}

func (r *run) cpuExpired() {
	s := r.busy.since.Load()
	if s == 0 || time.Since(time.Unix(0, s)) < r.limits.CPU {
		return // the stretch ended (or a new one began) just now
	}
	r.hitLimit(LimitCPU, "a synchronous stretch of JavaScript ran longer than the CPU budget")
}

// limitInfo records the first limit a call hit.
type limitInfo struct {
	name, why string
}

// hitLimit stops the call's script: it may be called from any goroutine. The
// script is interrupted if it is running, its loop is stopped, and the call then
// ends the error way (see run.execute).
func (r *run) hitLimit(name, why string) {
	if !r.limitHit.CompareAndSwap(nil, &limitInfo{name: name, why: why}) {
		return
	}
	r.log.Error().Str("limit", name).Dur("cpu_budget", r.limits.CPU).Msg("script limit hit: " + why)
	if vm := r.vmRef.Load(); vm != nil { // nil: the script has not started yet
		vm.Interrupt(&limitError{name: name})
	}
	r.loop.loop.StopNoWait()
}

// limitError is the value a limit interrupts the runtime with.
type limitError struct{ name string }

func (e *limitError) Error() string { return "script limit reached: " + e.name }
func (e *limitError) Unwrap() error { return ErrLimit }

// uncaught handles an exception nobody caught in a callback: like Node's uncaught
// exception, it ends the call's script, the error way.
func (r *run) uncaught(where string, err error) {
	if r.limitHit.Load() != nil {
		return
	}
	ev := r.log.Error().Str("where", where)
	if ex, ok := err.(*goja.Exception); ok {
		_, desc, stack := r.inspect(ex.Value())
		ev = ev.Str("error", desc).Str("stack", stack)
	} else {
		ev = ev.Err(err)
	}
	ev.Msg("uncaught exception in a callback: ending the call")
	if r.job != nil {
		r.job.threw(r, err)
	}
	r.setError("uncaught")
	if !r.mainSettled {
		r.mainSettled = true
	}
	r.errorPath()
	r.loop.loop.StopNoWait()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
