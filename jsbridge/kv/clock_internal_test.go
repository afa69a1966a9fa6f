package kv

import (
	"sync"
	"time"
)

// fakeNow is a clock safe to read from the sweeper goroutine.
type fakeNow struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeNow) set(t time.Time) { f.mu.Lock(); f.now = t; f.mu.Unlock() }

func (f *fakeNow) get() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
