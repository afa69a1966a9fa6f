package kv

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

type testClock struct{ now time.Time }

func (c *testClock) Now() time.Time { return c.now }

func rawKeys(t *testing.T, s *boltStore) []string {
	t.Helper()
	var keys []string
	err := s.shared.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(boltBucket)).ForEach(func(k, _ []byte) error {
			keys = append(keys, string(k))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestBoltNamespaceLayout(t *testing.T) {
	t.Parallel()
	s, err := openBolt(filepath.Join(t.TempDir(), "kv.db"), BoltOptions{Namespace: "ops:"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Set(ctx, "k", "v", 0); err != nil {
		t.Fatal(err)
	}
	tb, err := NewTables(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := tb.Create(ctx, "users", "bob", "v"); err != nil {
		t.Fatal(err)
	}
	got := rawKeys(t, s)
	want := []string{"ops:kv:k", "ops:tbl:users:bob"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("stored keys %q; want %q", got, want)
	}
}

func TestBoltSweep(t *testing.T) {
	t.Parallel()
	clock := &testClock{now: time.Unix(1_900_000_000, 0)}
	s, err := openBolt(filepath.Join(t.TempDir(), "kv.db"), BoltOptions{Now: clock.Now, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	const expiring = 2*sweepBatch + 17 // more than one sweep transaction
	for i := 0; i < expiring; i++ {
		if err := s.Set(ctx, fmt.Sprintf("e%05d", i), "v", time.Second); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"a-keep", "m-keep", "z-keep"} {
		if err := s.Set(ctx, k, "v", 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Set(ctx, "later", "v", time.Hour); err != nil {
		t.Fatal(err)
	}
	n, err := s.shared.sweep(nil)
	if err != nil || n != 0 {
		t.Fatalf("sweep before expiry deleted %d, %v; want 0", n, err)
	}
	clock.now = clock.now.Add(2 * time.Second)
	n, err = s.shared.sweep(nil)
	if err != nil || n != expiring {
		t.Fatalf("sweep deleted %d, %v; want %d", n, err, expiring)
	}
	got := rawKeys(t, s)
	want := []string{"cf:kv:a-keep", "cf:kv:later", "cf:kv:m-keep", "cf:kv:z-keep"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after sweep keys %q; want %q", got, want)
	}
}

func TestBoltSweeperRuns(t *testing.T) {
	t.Parallel()
	clock := &fakeNow{}
	clock.set(time.Unix(1_900_000_000, 0))
	s, err := openBolt(filepath.Join(t.TempDir(), "kv.db"), BoltOptions{Now: clock.get, SweepInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Set(context.Background(), "gone", "v", time.Second); err != nil {
		t.Fatal(err)
	}
	clock.set(time.Unix(1_900_000_010, 0))
	deadline := time.Now().Add(10 * time.Second)
	for len(rawKeys(t, s)) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the background sweeper never deleted the expired key")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
