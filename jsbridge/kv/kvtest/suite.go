package kvtest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callforge/callforge/jsbridge/kv"
)

// Instance is one fresh, empty store under test and the way to move its clock.
type Instance struct {
	Store kv.Store
	// Advance moves the store's clock forward by d: a fake clock for bolt, a real
	// wait for Redis (whose clock is the server's).
	Advance func(d time.Duration)
}

// Opener returns a fresh, empty store; RunSuite closes it.
type Opener func(t *testing.T) Instance

// ttl is the TTL the expiry cases use; step is how far they move the clock past it.
const (
	ttl  = time.Second
	step = 1200 * time.Millisecond
)

// RunSuite runs the conformance suite every kv.Store backend must pass. Each case
// opens its own store and runs in parallel with the others.
func RunSuite(t *testing.T, open Opener) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, in Instance)
	}{
		{"GetMissing", testGetMissing},
		{"SetGetOverwrite", testSetGetOverwrite},
		{"TTLExpiry", testTTLExpiry},
		{"SetClearsTTL", testSetClearsTTL},
		{"Del", testDel},
		{"KeysPrefixLimit", testKeysPrefixLimit},
		{"KeysLiteralGlob", testKeysLiteralGlob},
		{"Incr", testIncr},
		{"IncrErrors", testIncrErrors},
		{"IncrTTLRule", testIncrTTLRule},
		{"IncrConcurrent1000", testIncrConcurrent},
		{"JSONRoundTrip", testJSONRoundTrip},
		{"Limits", testLimits},
		{"Tables", testTables},
		{"TablesValidation", testTablesValidation},
		{"TablesSeparateFromKV", testTablesSeparateFromKV},
		{"ContextCanceled", testContextCanceled},
		{"Closed", testClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := open(t)
			t.Cleanup(func() { _ = in.Store.Close() })
			tc.run(t, in)
		})
	}
}

func mustSet(t *testing.T, s kv.Store, key, value string, ttl time.Duration) {
	t.Helper()
	if err := s.Set(context.Background(), key, value, ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func wantValue(t *testing.T, s kv.Store, key, want string) {
	t.Helper()
	got, ok, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if !ok || got != want {
		t.Fatalf("Get(%q) = %q, %v; want %q, true", key, got, ok, want)
	}
}

func wantMissing(t *testing.T, s kv.Store, key string) {
	t.Helper()
	got, ok, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if ok {
		t.Fatalf("Get(%q) = %q, true; want missing", key, got)
	}
}

func wantKeys(t *testing.T, s kv.Store, prefix string, limit int, want []string) {
	t.Helper()
	got, err := s.Keys(context.Background(), prefix, limit)
	if err != nil {
		t.Fatalf("Keys(%q, %d): %v", prefix, limit, err)
	}
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Keys(%q, %d) = %q; want %q", prefix, limit, got, want)
	}
}

func wantErr(t *testing.T, what string, err, sentinel error, op string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("%s: error %v; want %v", what, err, sentinel)
	}
	var ke *kv.Error
	if !errors.As(err, &ke) || ke.Op != op {
		t.Fatalf("%s: error %#v; want *kv.Error with Op %q", what, err, op)
	}
}

func testGetMissing(t *testing.T, in Instance) {
	wantMissing(t, in.Store, "nothing-here")
}

func testSetGetOverwrite(t *testing.T, in Instance) {
	s := in.Store
	mustSet(t, s, "greeting", "hello", 0)
	wantValue(t, s, "greeting", "hello")
	mustSet(t, s, "greeting", "bonjour", 0)
	wantValue(t, s, "greeting", "bonjour")
	mustSet(t, s, "empty", "", 0)
	wantValue(t, s, "empty", "")
	mustSet(t, s, "bytes", "a\x00b\xff\n", 0)
	wantValue(t, s, "bytes", "a\x00b\xff\n")
}

func testTTLExpiry(t *testing.T, in Instance) {
	s, ctx := in.Store, context.Background()
	mustSet(t, s, "session", "v", ttl)
	mustSet(t, s, "session-keep", "v", 0)
	mustSet(t, s, "gone-by-del", "v", ttl)
	wantValue(t, s, "session", "v")
	wantKeys(t, s, "session", 0, []string{"session", "session-keep"})
	in.Advance(step)
	wantMissing(t, s, "session")
	wantValue(t, s, "session-keep", "v")
	wantKeys(t, s, "session", 0, []string{"session-keep"})
	existed, err := s.Del(ctx, "gone-by-del")
	if err != nil || existed {
		t.Fatalf("Del of an expired key = %v, %v; want false, nil", existed, err)
	}
}

func testSetClearsTTL(t *testing.T, in Instance) {
	s := in.Store
	mustSet(t, s, "k", "first", ttl)
	mustSet(t, s, "k", "second", 0)
	in.Advance(step)
	wantValue(t, s, "k", "second")
}

func testDel(t *testing.T, in Instance) {
	s, ctx := in.Store, context.Background()
	mustSet(t, s, "k", "v", 0)
	existed, err := s.Del(ctx, "k")
	if err != nil || !existed {
		t.Fatalf("Del(k) = %v, %v; want true, nil", existed, err)
	}
	wantMissing(t, s, "k")
	existed, err = s.Del(ctx, "k")
	if err != nil || existed {
		t.Fatalf("second Del(k) = %v, %v; want false, nil", existed, err)
	}
}

func testKeysPrefixLimit(t *testing.T, in Instance) {
	s := in.Store
	for _, k := range []string{"user:3", "user:1", "user:2", "users", "other:1", "use"} {
		mustSet(t, s, k, "x", 0)
	}
	wantKeys(t, s, "user:", 0, []string{"user:1", "user:2", "user:3"})
	wantKeys(t, s, "user:", 2, []string{"user:1", "user:2"})
	wantKeys(t, s, "user", 0, []string{"user:1", "user:2", "user:3", "users"})
	wantKeys(t, s, "", 0, []string{"other:1", "use", "user:1", "user:2", "user:3", "users"})
	wantKeys(t, s, "", 1, []string{"other:1"})
	wantKeys(t, s, "nope", 0, nil)
}

func testKeysLiteralGlob(t *testing.T, in Instance) {
	s := in.Store
	for _, k := range []string{"a*b", "axb", "a?c", "a[1]", "a\\d", "aZ"} {
		mustSet(t, s, k, "x", 0)
	}
	wantKeys(t, s, "a*", 0, []string{"a*b"})
	wantKeys(t, s, "a?", 0, []string{"a?c"})
	wantKeys(t, s, "a[", 0, []string{"a[1]"})
	wantKeys(t, s, "a\\", 0, []string{"a\\d"})
}

func testIncr(t *testing.T, in Instance) {
	s, ctx := in.Store, context.Background()
	steps := []struct {
		by   int64
		want int64
	}{{1, 1}, {1, 2}, {10, 12}, {-20, -8}, {0, -8}}
	for _, st := range steps {
		got, err := s.Incr(ctx, "counter", st.by, 0)
		if err != nil || got != st.want {
			t.Fatalf("Incr(counter, %d) = %d, %v; want %d", st.by, got, err, st.want)
		}
	}
	wantValue(t, s, "counter", "-8")
	mustSet(t, s, "fromset", "41", 0)
	got, err := s.Incr(ctx, "fromset", 1, 0)
	if err != nil || got != 42 {
		t.Fatalf("Incr of a Set integer = %d, %v; want 42", got, err)
	}
}

func testIncrErrors(t *testing.T, in Instance) {
	s, ctx := in.Store, context.Background()
	for _, v := range []string{"abc", "", "1.5", "01", "+1", " 1", "-0", "99999999999999999999"} {
		mustSet(t, s, "bad", v, 0)
		_, err := s.Incr(ctx, "bad", 1, 0)
		wantErr(t, "Incr of "+v, err, kv.ErrNotInteger, "incr")
		wantValue(t, s, "bad", v)
	}
	mustSet(t, s, "max", "9223372036854775807", 0)
	_, err := s.Incr(ctx, "max", 1, 0)
	wantErr(t, "Incr past MaxInt64", err, kv.ErrOverflow, "incr")
	mustSet(t, s, "min", "-9223372036854775808", 0)
	_, err = s.Incr(ctx, "min", -1, 0)
	wantErr(t, "Incr past MinInt64", err, kv.ErrOverflow, "incr")
	wantValue(t, s, "min", "-9223372036854775808")
}

func testIncrTTLRule(t *testing.T, in Instance) {
	s, ctx := in.Store, context.Background()
	incr := func(key string, by int64, ttl time.Duration, want int64) {
		t.Helper()
		got, err := s.Incr(ctx, key, by, ttl)
		if err != nil || got != want {
			t.Fatalf("Incr(%q, %d, %v) = %d, %v; want %d", key, by, ttl, got, err, want)
		}
	}
	incr("created", 5, ttl, 5)       // creates with the TTL
	incr("created", 1, 0, 6)         // keeps the TTL
	incr("created", 1, time.Hour, 7) // existing key: ttl argument ignored
	mustSet(t, s, "no-ttl", "1", 0)
	incr("no-ttl", 1, ttl, 2) // existing key without expiry stays without
	in.Advance(step)
	wantMissing(t, s, "created")
	wantValue(t, s, "no-ttl", "2")
	incr("created", 3, 0, 3) // expired: recreated from by, no TTL now
	in.Advance(step)
	wantValue(t, s, "created", "3")
}

func testIncrConcurrent(t *testing.T, in Instance) {
	const goroutines, each = 100, 10
	s, ctx := in.Store, context.Background()
	results := make(chan int64, goroutines*each)
	errs := make(chan error, goroutines*each)
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				n, err := s.Incr(ctx, "hits", 1, 0)
				if err != nil {
					errs <- err
					return
				}
				results <- n
			}
		}()
	}
	wg.Wait()
	close(results)
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Incr: %v", err)
	}
	seen := make(map[int64]bool, goroutines*each)
	for n := range results {
		if n < 1 || n > goroutines*each || seen[n] {
			t.Fatalf("concurrent Incr returned %d twice or out of range", n)
		}
		seen[n] = true
	}
	if len(seen) != goroutines*each {
		t.Fatalf("got %d distinct results; want %d", len(seen), goroutines*each)
	}
	wantValue(t, s, "hits", "1000")
}

func testJSONRoundTrip(t *testing.T, in Instance) {
	s := in.Store
	obj := map[string]any{
		"name":   "Zoë \"the\" caller 📞",
		"digits": []any{1.0, 2.0, 3.5},
		"nested": map[string]any{"ok": true, "none": nil, "text": "line1\nline2\t\\"},
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "json:obj", string(raw), 0)
	got, ok, err := s.Get(context.Background(), "json:obj")
	if err != nil || !ok {
		t.Fatalf("Get(json:obj) = %v, %v", ok, err)
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(got), &back); err != nil {
		t.Fatalf("stored JSON does not parse: %v", err)
	}
	if !reflect.DeepEqual(back, obj) {
		t.Fatalf("JSON round trip = %v; want %v", back, obj)
	}
}

func testLimits(t *testing.T, in Instance) {
	s, ctx := in.Store, context.Background()
	maxKey := strings.Repeat("k", kv.MaxKeyBytes)
	maxValue := strings.Repeat("v", kv.MaxValueBytes)
	mustSet(t, s, maxKey, maxValue, 0)
	got, ok, err := s.Get(ctx, maxKey)
	if err != nil || !ok || len(got) != kv.MaxValueBytes {
		t.Fatalf("Get of the largest key/value = %d bytes, %v, %v", len(got), ok, err)
	}

	bad := []struct {
		what     string
		err      error
		sentinel error
		op       string
	}{
		{"empty key", s.Set(ctx, "", "v", 0), kv.ErrBadKey, "set"},
		{"long key", s.Set(ctx, maxKey+"k", "v", 0), kv.ErrBadKey, "set"},
		{"invalid UTF-8 key", s.Set(ctx, "a\xffb", "v", 0), kv.ErrBadKey, "set"},
		{"large value", s.Set(ctx, "k", maxValue+"v", 0), kv.ErrTooLarge, "set"},
		{"negative ttl", s.Set(ctx, "k", "v", -time.Second), kv.ErrBadTTL, "set"},
		{"get empty key", second(s.Get(ctx, "")), kv.ErrBadKey, "get"},
		{"incr empty key", second2(s.Incr(ctx, "", 1, 0)), kv.ErrBadKey, "incr"},
		{"incr negative ttl", second2(s.Incr(ctx, "k", 1, -time.Second)), kv.ErrBadTTL, "incr"},
		{"del long key", second2(s.Del(ctx, maxKey+"k")), kv.ErrBadKey, "del"},
		{"keys long prefix", second2(s.Keys(ctx, maxKey+"k", 0)), kv.ErrBadKey, "keys"},
	}
	for _, b := range bad {
		wantErr(t, b.what, b.err, b.sentinel, b.op)
	}
	wantMissing(t, s, "k")
}

func second(_ string, _ bool, err error) error { return err }

func second2[T any](_ T, err error) error { return err }

func newTables(t *testing.T, s kv.Store) *kv.Tables {
	t.Helper()
	tables, err := kv.NewTables(s)
	if err != nil {
		t.Fatalf("NewTables: %v", err)
	}
	return tables
}

func testTables(t *testing.T, in Instance) {
	ctx := context.Background()
	tb := newTables(t, in.Store)
	if err := tb.Create(ctx, "users", "bob", `{"n":1}`); err != nil {
		t.Fatalf("Create: %v", err)
	}
	wantErr(t, "second Create", tb.Create(ctx, "users", "bob", "x"), kv.ErrExists, "create")
	if v, ok, err := tb.Read(ctx, "users", "bob"); err != nil || !ok || v != `{"n":1}` {
		t.Fatalf("Read = %q, %v, %v", v, ok, err)
	}
	if _, ok, err := tb.Read(ctx, "users", "alice"); err != nil || ok {
		t.Fatalf("Read of a missing row = %v, %v; want false, nil", ok, err)
	}
	if err := tb.Update(ctx, "users", "bob", `{"n":2}`); err != nil {
		t.Fatalf("Update: %v", err)
	}
	wantErr(t, "Update of a missing row", tb.Update(ctx, "users", "alice", "x"), kv.ErrNotFound, "update")
	if _, ok, _ := tb.Read(ctx, "users", "alice"); ok {
		t.Fatal("Update of a missing row created it")
	}
	for _, k := range []string{"carol", "alice"} {
		if err := tb.Create(ctx, "users", k, k+"-v"); err != nil {
			t.Fatal(err)
		}
	}
	if err := tb.Create(ctx, "users2", "zed", "other table"); err != nil {
		t.Fatal(err)
	}
	rows, err := tb.List(ctx, "users")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := []kv.Row{{Key: "alice", Value: "alice-v"}, {Key: "bob", Value: `{"n":2}`}, {Key: "carol", Value: "carol-v"}}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("List = %v; want %v", rows, want)
	}
	existed, err := tb.Delete(ctx, "users", "bob")
	if err != nil || !existed {
		t.Fatalf("Delete = %v, %v", existed, err)
	}
	existed, err = tb.Delete(ctx, "users", "bob")
	if err != nil || existed {
		t.Fatalf("second Delete = %v, %v", existed, err)
	}
	if rows, err := tb.List(ctx, "empty"); err != nil || len(rows) != 0 {
		t.Fatalf("List of an empty table = %v, %v", rows, err)
	}
}

func testTablesValidation(t *testing.T, in Instance) {
	ctx := context.Background()
	tb := newTables(t, in.Store)
	long := strings.Repeat("t", kv.MaxTableNameBytes+1)
	for _, table := range []string{"", "a:b", "a b", "a/b", "é", long} {
		wantErr(t, "Create in table "+table, tb.Create(ctx, table, "k", "v"), kv.ErrBadKey, "create")
		_, err := tb.List(ctx, table)
		wantErr(t, "List of table "+table, err, kv.ErrBadKey, "list")
	}
	wantErr(t, "empty row key", tb.Create(ctx, "t", "", "v"), kv.ErrBadKey, "create")
	wantErr(t, "long row key", tb.Create(ctx, "t", strings.Repeat("k", kv.MaxRowKeyBytes+1), "v"), kv.ErrBadKey, "create")
	if err := tb.Create(ctx, "t", strings.Repeat("k", kv.MaxRowKeyBytes), "v"); err != nil {
		t.Fatalf("Create with the longest row key: %v", err)
	}
	wantErr(t, "large row", tb.Create(ctx, "t", "big", strings.Repeat("v", kv.MaxValueBytes+1)), kv.ErrTooLarge, "create")
	_, _, err := tb.Read(ctx, "t", "a\xff")
	wantErr(t, "Read invalid key", err, kv.ErrBadKey, "read")
}

func testTablesSeparateFromKV(t *testing.T, in Instance) {
	s, ctx := in.Store, context.Background()
	tb := newTables(t, s)
	if err := tb.Create(ctx, "users", "bob", "row"); err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "users:alice", "kv value", 0)
	mustSet(t, s, "tbl:users:carol", "kv value", 0)
	wantKeys(t, s, "", 0, []string{"tbl:users:carol", "users:alice"})
	rows, err := tb.List(ctx, "users")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows, []kv.Row{{Key: "bob", Value: "row"}}) {
		t.Fatalf("List sees kv keys: %v", rows)
	}
	if _, ok, _ := tb.Read(ctx, "users", "alice"); ok {
		t.Fatal("a kv key is readable as a table row")
	}
}

func testContextCanceled(t *testing.T, in Instance) {
	s := in.Store
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Set(ctx, "k", "v", 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("Set with a canceled context: %v; want context.Canceled", err)
	}
	if _, _, err := s.Get(ctx, "k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get with a canceled context: %v; want context.Canceled", err)
	}
	wantMissing(t, s, "k")
}

func testClosed(t *testing.T, in Instance) {
	s, ctx := in.Store, context.Background()
	mustSet(t, s, "k", "v", 0)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	_, _, err := s.Get(ctx, "k")
	wantErr(t, "Get after Close", err, kv.ErrClosed, "get")
	_, err = s.Incr(ctx, "n", 1, 0)
	wantErr(t, "Incr after Close", err, kv.ErrClosed, "incr")
}
