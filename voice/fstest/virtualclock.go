package fstest

import (
	"container/heap"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// VirtualClock is a Clock whose time moves only when the simulated call waits:
// media, prompts, ringing, linger and caller actions scheduled with At take no
// wall time. It jumps to the next deadline once the call has been quiet:
//
//   - while the simulator waits on a timer of its own (an application is playing,
//     a bridge rings or talks, linger runs), after Quiet of real time without a
//     frame on the watched connection (the engine is waiting on the switch);
//   - while only caller actions (At) and the engine's timers (AfterFunc) are
//     pending, after Idle of real time without a frame (the script waits on
//     something else: kv, http, its own timers);
//   - in either case never later than the real time the next deadline is away,
//     so virtual time never runs slower than real time.
//
// It never moves while held (Hold), nor, on a connection given to Conn, before
// the simulator has seen the engine's connect. Timer and At callbacks run on the clock's goroutine, which Stop
// ends. Safe for concurrent use.
type VirtualClock struct {
	quiet, idle time.Duration

	mu       sync.Mutex
	start    time.Time
	now      time.Time
	timers   vtimerHeap
	seq      uint64
	holds    int
	stopped  bool
	connHold bool // Conn's hold: released when the first simulator timer (the connect timeout) stops

	lastActivity atomic.Int64 // real UnixNano of the last frame or advance
	kick         chan struct{}
	stop         chan struct{}
	done         chan struct{}
}

// VirtualClockOptions tunes a VirtualClock; zero values take the defaults.
type VirtualClockOptions struct {
	Start time.Time     // virtual time at creation (default: the real time now)
	Quiet time.Duration // default 2ms
	Idle  time.Duration // default 250ms
}

// NewVirtualClock starts a virtual clock (and its goroutine: call Stop).
func NewVirtualClock(opts VirtualClockOptions) *VirtualClock {
	if opts.Start.IsZero() {
		opts.Start = time.Now()
	}
	if opts.Quiet <= 0 {
		opts.Quiet = 2 * time.Millisecond
	}
	if opts.Idle <= 0 {
		opts.Idle = 250 * time.Millisecond
	}
	v := &VirtualClock{
		quiet: opts.Quiet, idle: opts.Idle,
		start: opts.Start, now: opts.Start,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	v.Touch()
	go v.loop()
	return v
}

// Now returns the virtual time.
func (v *VirtualClock) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// Elapsed returns the virtual time since the clock started.
func (v *VirtualClock) Elapsed() time.Duration {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now.Sub(v.start)
}

// NewTimer returns a timer that fires when the virtual time reaches now+d.
func (v *VirtualClock) NewTimer(d time.Duration) Timer {
	t := &vtimer{v: v, c: make(chan time.Time, 1), sim: true, idx: -1}
	v.mu.Lock()
	if v.connHold {
		v.connHold = false
		t.releases = true
	}
	v.mu.Unlock()
	v.add(t, d)
	return t
}

// At runs fn (on the clock's goroutine) when the virtual time reaches start+at,
// start being the clock's creation. It is a caller action: it counts for Idle.
func (v *VirtualClock) At(at time.Duration, fn func()) {
	v.mu.Lock()
	d := v.start.Add(at).Sub(v.now)
	v.mu.Unlock()
	v.add(&vtimer{v: v, fn: fn, idx: -1}, d)
}

// AfterFunc runs fn (on the clock's goroutine) when the virtual time reaches
// now+d, and returns a function that cancels it (reporting whether it did before
// fn ran). Like At, it waits for Idle: it is how an engine under test times what
// belongs to the simulated call's timeline (jsbridge.Config.Clock).
func (v *VirtualClock) AfterFunc(d time.Duration, fn func()) (stop func() bool) {
	t := &vtimer{v: v, fn: fn, idx: -1}
	v.add(t, d)
	return t.Stop
}

// Hold stops the clock until the matching Release.
func (v *VirtualClock) Hold() {
	v.mu.Lock()
	v.holds++
	v.mu.Unlock()
}

// Release undoes one Hold.
func (v *VirtualClock) Release() {
	v.mu.Lock()
	if v.holds > 0 {
		v.holds--
	}
	v.mu.Unlock()
	v.Touch()
	v.poke()
}

// Touch records activity: the clock waits Quiet (or Idle) from now before it
// moves.
func (v *VirtualClock) Touch() { v.lastActivity.Store(time.Now().UnixNano()) }

// Conn wraps the simulator's side of a connection (call it before fstest.Start):
// every read and write counts as activity, and the clock is held until the
// simulator has seen the engine's connect (it stops its first timer, the connect
// timeout), so the connect timeout never fires because a busy engine was slow.
func (v *VirtualClock) Conn(nc net.Conn) net.Conn {
	v.mu.Lock()
	v.holds++
	v.connHold = true
	v.mu.Unlock()
	return &watchedConn{Conn: nc, v: v}
}

// Stop ends the clock's goroutine; pending timers never fire.
func (v *VirtualClock) Stop() {
	v.mu.Lock()
	if v.stopped {
		v.mu.Unlock()
		<-v.done
		return
	}
	v.stopped = true
	v.mu.Unlock()
	close(v.stop)
	<-v.done
}

func (v *VirtualClock) add(t *vtimer, d time.Duration) {
	v.mu.Lock()
	if d < 0 {
		d = 0
	}
	t.at = v.now.Add(d)
	v.seq++
	t.seq = v.seq
	if d == 0 && t.sim {
		v.mu.Unlock()
		t.c <- t.at
		return
	}
	heap.Push(&v.timers, t)
	v.mu.Unlock()
	v.poke()
}

func (v *VirtualClock) poke() {
	select {
	case v.kick <- struct{}{}:
	default:
	}
}

// loop advances the virtual time whenever the call is quiet (see the type doc).
func (v *VirtualClock) loop() {
	defer close(v.done)
	wait := time.NewTimer(time.Hour)
	defer wait.Stop()
	for {
		v.mu.Lock()
		if v.holds > 0 || len(v.timers) == 0 {
			v.mu.Unlock()
			select {
			case <-v.stop:
				return
			case <-v.kick:
			}
			continue
		}
		window := v.idle
		for _, t := range v.timers {
			if t.sim {
				window = v.quiet
				break
			}
		}
		// Never slower than real time: a deadline nearer than the window is
		// reached after that much quiet (a 10 ms timer fires after 10 ms of quiet,
		// a 0 ms one at once).
		window = min(window, v.timers[0].at.Sub(v.now))
		since := time.Duration(time.Now().UnixNano() - v.lastActivity.Load())
		if since < window {
			v.mu.Unlock()
			wait.Reset(window - since)
			select {
			case <-v.stop:
				return
			case <-wait.C:
			case <-v.kick:
				if !wait.Stop() {
					<-wait.C
				}
			}
			continue
		}
		next := v.timers[0].at
		if next.After(v.now) {
			v.now = next
		}
		var due []*vtimer
		for len(v.timers) > 0 && !v.timers[0].at.After(v.now) {
			due = append(due, heap.Pop(&v.timers).(*vtimer))
		}
		now := v.now
		v.mu.Unlock()
		v.Touch()
		for _, t := range due {
			if t.sim {
				select {
				case t.c <- now:
				default:
				}
			} else {
				t.fn()
			}
		}
	}
}

type vtimer struct {
	v   *VirtualClock
	at  time.Time
	seq uint64
	c   chan time.Time
	fn  func()
	sim bool // a simulator wait (NewTimer), not a caller action (At)
	// releases: the connect timeout of a Conn; stopping it releases Conn's hold
	releases bool
	idx      int // heap index; -1 once fired or stopped
}

func (t *vtimer) C() <-chan time.Time { return t.c }

func (t *vtimer) Stop() bool {
	v := t.v
	v.mu.Lock()
	defer v.mu.Unlock()
	if t.releases {
		t.releases = false
		if v.holds > 0 {
			v.holds--
		}
		v.lastActivity.Store(time.Now().UnixNano())
		v.poke()
	}
	if t.idx < 0 || t.idx >= len(v.timers) || v.timers[t.idx] != t {
		return false
	}
	heap.Remove(&v.timers, t.idx)
	return true
}

type vtimerHeap []*vtimer

func (h vtimerHeap) Len() int { return len(h) }
func (h vtimerHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h vtimerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *vtimerHeap) Push(x any) {
	t := x.(*vtimer)
	t.idx = len(*h)
	*h = append(*h, t)
}
func (h *vtimerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.idx = -1
	*h = old[:len(old)-1]
	return t
}

// watchedConn reports reads and writes to the clock.
type watchedConn struct {
	net.Conn
	v *VirtualClock
}

func (w *watchedConn) Read(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	w.v.Touch()
	return n, err
}

func (w *watchedConn) Write(p []byte) (int, error) {
	w.v.Touch()
	n, err := w.Conn.Write(p)
	w.v.Touch()
	return n, err
}
