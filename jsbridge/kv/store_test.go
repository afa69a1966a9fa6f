package kv_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/callforge/callforge/jsbridge/kv"
	"github.com/callforge/callforge/jsbridge/kv/kvtest"
)

func openBoltInstance(t *testing.T) kvtest.Instance {
	t.Helper()
	clock := kvtest.NewFakeClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	s, err := kv.OpenBolt(filepath.Join(t.TempDir(), "kv.db"), kv.BoltOptions{Now: clock.Now})
	if err != nil {
		t.Fatalf("OpenBolt: %v", err)
	}
	return kvtest.Instance{Store: s, Advance: clock.Advance}
}

// redisNamespaces keeps parallel tests apart on the shared server.
var redisNamespaces atomic.Int64

func openRedisInstance(t *testing.T) kvtest.Instance {
	t.Helper()
	url := redisURL(t)
	ns := fmt.Sprintf("cftest%d:", redisNamespaces.Add(1))
	s, err := kv.OpenRedis(url, kv.RedisOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("OpenRedis: %v", err)
	}
	return kvtest.Instance{Store: s, Advance: func(d time.Duration) { time.Sleep(d) }}
}

func TestBoltConformance(t *testing.T) {
	t.Parallel()
	kvtest.RunSuite(t, openBoltInstance)
}

func TestRedisConformance(t *testing.T) {
	t.Parallel()
	redisURL(t)
	kvtest.RunSuite(t, openRedisInstance)
}

func TestOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		name    string
		spec    string
		dataDir string
		wantErr error
	}{
		{"default is bolt", "", dir + "/a", nil},
		{"bolt", "bolt", dir + "/b", nil},
		{"bolt without data dir", "bolt", "", kv.ErrBadSpec},
		{"unknown scheme", "memcached://127.0.0.1:11211", dir, kv.ErrBadSpec},
		{"bad redis URL", "redis://user:secret@127.0.0.1:notaport/0", dir, kv.ErrBadSpec},
		{"unreachable redis", "redis://127.0.0.1:1/0", dir, kv.ErrUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := kv.Open(tc.spec, tc.dataDir)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Open(%q) error %v; want %v", tc.spec, err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%q): %v", tc.spec, err)
			}
			defer s.Close()
			ctx := context.Background()
			if err := s.Set(ctx, "k", "v", 0); err != nil {
				t.Fatal(err)
			}
			if _, err := filepath.Glob(filepath.Join(tc.dataDir, kv.BoltFileName)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestOpenRedisSpec(t *testing.T) {
	t.Parallel()
	s, err := kv.Open(redisURL(t), "")
	if err != nil {
		t.Fatalf("Open(redis URL): %v", err)
	}
	defer s.Close()
	if err := s.Set(context.Background(), "open-spec", "v", 0); err != nil {
		t.Fatal(err)
	}
}

func TestBoltPersistsAcrossReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "kv.db")
	ctx := context.Background()
	s, err := kv.OpenBolt(path, kv.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "k", "kept", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.OpenBolt(path, kv.BoltOptions{OpenTimeout: 50 * time.Millisecond}); !errors.Is(err, kv.ErrUnavailable) {
		t.Fatalf("second OpenBolt of a locked file: %v; want ErrUnavailable", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = kv.OpenBolt(path, kv.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, ok, err := s.Get(ctx, "k")
	if err != nil || !ok || v != "kept" {
		t.Fatalf("after reopen Get = %q, %v, %v", v, ok, err)
	}
}

func TestNewTablesRejectsForeignStore(t *testing.T) {
	t.Parallel()
	if _, err := kv.NewTables(foreignStore{}); !errors.Is(err, kv.ErrUnsupported) {
		t.Fatalf("NewTables(foreign) error %v; want ErrUnsupported", err)
	}
}

type foreignStore struct{ kv.Store }

// BenchmarkIncr increments one counter: "calls-1" from one goroutine (a lone
// write), "calls-2" from GOMAXPROCS goroutines at once, "calls-100" from a
// hundred (a hundred calls each doing kv.incr).
func BenchmarkIncr(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, s kv.Store) {
		b.Helper()
		b.Run("calls-1", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Incr(ctx, "bench", 1, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, callers := range []int{runtime.GOMAXPROCS(0), 100} {
			b.Run(fmt.Sprintf("calls-%d", callers), func(b *testing.B) {
				b.ReportAllocs()
				b.SetParallelism((callers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := s.Incr(ctx, "bench", 1, 0); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
	b.Run("bolt", func(b *testing.B) {
		s, err := kv.OpenBolt(filepath.Join(b.TempDir(), "kv.db"), kv.BoltOptions{})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		run(b, s)
	})
	b.Run("redis", func(b *testing.B) {
		s, err := kv.OpenRedis(redisURL(b), kv.RedisOptions{Namespace: "bench:"})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		run(b, s)
	})
}
