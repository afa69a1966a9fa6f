package kv

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// Writes made at once share commits, and each still gets its own outcome: the
// counter counts every good increment, every increment of a non-integer fails
// with ErrNotInteger, and a write that panics fails alone.
func TestGroupCommitSharesCommitsKeepsOutcomes(t *testing.T) {
	t.Parallel()
	s, err := openBolt(filepath.Join(t.TempDir(), "kv.db"), BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Set(ctx, "word", "hello", 0); err != nil {
		t.Fatal(err)
	}
	s.shared.writes.mu.Lock()
	commitsBefore := s.shared.writes.commits
	s.shared.writes.mu.Unlock()

	const good, bad, panics = 300, 60, 5
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i := range good + bad + panics {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			switch {
			case i < good:
				if _, err := s.Incr(ctx, "counter", 1, 0); err != nil {
					t.Errorf("incr counter: %v", err)
				}
			case i < good+bad:
				if _, err := s.Incr(ctx, "word", 1, 0); !errors.Is(err, ErrNotInteger) {
					t.Errorf("incr of a word: %v, want ErrNotInteger", err)
				}
			default:
				err := s.shared.writes.write(func(*bolt.Tx) error { panic("boom") })
				if err == nil {
					t.Error("a panicking write reported success")
				}
			}
		}()
	}
	close(start)
	wg.Wait()

	if v, ok, err := s.Get(ctx, "counter"); err != nil || !ok || v != "300" {
		t.Fatalf("counter = %q (%v, %v), want 300", v, ok, err)
	}
	if v, _, _ := s.Get(ctx, "word"); v != "hello" {
		t.Errorf("word = %q, want it untouched", v)
	}
	s.shared.writes.mu.Lock()
	commits := s.shared.writes.commits - commitsBefore
	queued := len(s.shared.writes.queue)
	s.shared.writes.mu.Unlock()
	writes := good + bad + panics
	t.Logf("%d writes in %d transactions", writes, commits)
	// Each failed write costs its group one more run; the good ones must still
	// have shared: far fewer transactions than writes.
	if commits >= good {
		t.Errorf("%d writes took %d transactions: they did not share commits", writes, commits)
	}
	if queued != 0 {
		t.Errorf("%d writes left in the queue", queued)
	}
}
