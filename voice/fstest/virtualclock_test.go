package fstest

import (
	"net"
	"sync"
	"testing"
	"time"
)

// Timers fire in deadline order at their virtual time, with no wall time spent
// waiting for them.
func TestVirtualClockOrder(t *testing.T) {
	t.Parallel()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	v := NewVirtualClock(VirtualClockOptions{Start: start, Quiet: time.Millisecond, Idle: time.Millisecond})
	defer v.Stop()
	var mu sync.Mutex
	var got []time.Duration
	done := make(chan struct{})
	v.At(3*time.Hour, func() {
		mu.Lock()
		got = append(got, v.Elapsed())
		mu.Unlock()
		close(done)
	})
	v.At(time.Hour, func() {
		mu.Lock()
		got = append(got, v.Elapsed())
		mu.Unlock()
	})
	tm := v.NewTimer(2 * time.Hour)
	at := <-tm.C()
	if want := start.Add(2 * time.Hour); !at.Equal(want) {
		t.Errorf("timer fired at %v, want %v", at, want)
	}
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != time.Hour || got[1] != 3*time.Hour {
		t.Errorf("At callbacks saw %v, want [1h 3h]", got)
	}
	if tm.Stop() {
		t.Error("Stop of a fired timer returned true")
	}
}

// A held clock does not move; a stopped timer never fires.
func TestVirtualClockHoldAndStop(t *testing.T) {
	t.Parallel()
	v := NewVirtualClock(VirtualClockOptions{Quiet: time.Millisecond})
	defer v.Stop()
	v.Hold()
	tm := v.NewTimer(time.Second)
	select {
	case <-tm.C():
		t.Fatal("timer fired while the clock was held")
	case <-time.After(20 * time.Millisecond):
	}
	if v.Elapsed() != 0 {
		t.Fatalf("held clock moved to %v", v.Elapsed())
	}
	if !tm.Stop() {
		t.Fatal("Stop of a pending timer returned false")
	}
	v.Release()
	next := v.NewTimer(5 * time.Second)
	<-next.C()
	if v.Elapsed() != 5*time.Second {
		t.Errorf("elapsed %v, want 5s (the stopped 1s timer must not count)", v.Elapsed())
	}
}

// Conn holds the clock until the simulator stops its first timer (the connect
// timeout), however long the engine takes to connect.
func TestVirtualClockConnHold(t *testing.T) {
	t.Parallel()
	v := NewVirtualClock(VirtualClockOptions{Quiet: time.Millisecond})
	defer v.Stop()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	_ = v.Conn(a)
	connect := v.NewTimer(25 * time.Second)
	select {
	case <-connect.C():
		t.Fatal("connect timeout fired before connect")
	case <-time.After(20 * time.Millisecond):
	}
	connect.Stop()
	media := v.NewTimer(time.Second)
	<-media.C()
	if v.Elapsed() != time.Second {
		t.Errorf("elapsed %v, want 1s", v.Elapsed())
	}
}

// AfterFunc runs at now+d on the virtual timeline, in order with At; its stop
// function cancels it before it runs, and reports false once it has run.
func TestVirtualClockAfterFunc(t *testing.T) {
	t.Parallel()
	v := NewVirtualClock(VirtualClockOptions{Quiet: time.Millisecond, Idle: time.Millisecond})
	defer v.Stop()
	var mu sync.Mutex
	var got []string
	record := func(what string) func() {
		return func() {
			mu.Lock()
			got = append(got, what+"@"+v.Elapsed().String())
			mu.Unlock()
		}
	}
	done := make(chan struct{})
	stopFired := v.AfterFunc(30*time.Second, record("timeout"))
	stopCancelled := v.AfterFunc(20*time.Second, record("cancelled"))
	v.At(10*time.Second, record("press"))
	v.At(40*time.Second, func() { close(done) })
	if !stopCancelled() {
		t.Fatal("stop of a pending AfterFunc returned false")
	}
	<-done
	if stopFired() {
		t.Error("stop of an AfterFunc that ran returned true")
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"press@10s", "timeout@30s"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("ran %v, want %v", got, want)
	}
}
