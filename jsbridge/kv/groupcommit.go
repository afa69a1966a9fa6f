package kv

import (
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// groupCommit serialises a bolt file's writes and lets the writes that queue up
// behind a commit share the next one: one transaction, one fsync for all of them.
// A write that finds no commit under way commits at once, so a lone write costs
// what db.Update costs, while a hundred calls writing at once share a few commits
// instead of queueing for a hundred fsyncs.
//
// bbolt's own db.Batch does not do this: it holds every batch for MaxBatchDelay
// first, and a sub-millisecond delay becomes a millisecond when the process is
// otherwise idle (the runtime's poller sleeps in whole milliseconds), which made a
// lone write four times slower (BenchmarkIncr).
//
// The writer at the front of the queue leads: it commits the whole queue, tells
// each write its result, and hands the front to the first write that arrived
// during the commit.
type groupCommit struct {
	db    *bolt.DB
	mu    sync.Mutex
	queue []*queuedWrite
	// commits counts transactions, for tests.
	commits int
}

type queuedWrite struct {
	fn   func(*bolt.Tx) error
	err  error
	wake chan bool // true: done, err is set; false: this write leads now
}

// write runs fn in a read-write transaction, possibly shared with other writes.
// fn may run more than once (when another write of its group fails, the group is
// run again without it), so it must set its results afresh on every run.
// The outcome is as if the writes had run one after another in queue order.
func (g *groupCommit) write(fn func(*bolt.Tx) error) error {
	w := &queuedWrite{fn: fn, wake: make(chan bool, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	lead := len(g.queue) == 1
	g.mu.Unlock()
	if !lead && <-w.wake {
		return w.err
	}
	g.mu.Lock()
	group := g.queue
	g.mu.Unlock()

	g.commit(group)

	g.mu.Lock()
	g.queue = append([]*queuedWrite(nil), g.queue[len(group):]...)
	var next *queuedWrite
	if len(g.queue) > 0 {
		next = g.queue[0]
	}
	g.mu.Unlock()
	for _, o := range group[1:] {
		o.wake <- true
	}
	if next != nil {
		next.wake <- false
	}
	return w.err
}

// commit runs the group's writes in order in one transaction and sets each
// write's err. A write whose fn fails keeps that error (it saw the state the
// writes before it left) and the group is run again without it.
func (g *groupCommit) commit(group []*queuedWrite) {
	pending := append([]*queuedWrite(nil), group...)
	for len(pending) > 0 {
		failed := -1
		var fnErr error
		g.mu.Lock()
		g.commits++
		g.mu.Unlock()
		err := g.db.Update(func(tx *bolt.Tx) error {
			for i, w := range pending {
				if fnErr = safeCall(w.fn, tx); fnErr != nil {
					failed = i
					return fnErr
				}
			}
			return nil
		})
		if failed < 0 {
			for _, w := range pending {
				w.err = err // nil, or the commit's own failure
			}
			return
		}
		pending[failed].err = fnErr
		pending = append(pending[:failed], pending[failed+1:]...)
	}
}

// safeCall runs fn, turning a panic into an error so that one write cannot leave
// the writes queued behind it waiting for ever.
func safeCall(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("kv write panicked: %v", p)
		}
	}()
	return fn(tx)
}
