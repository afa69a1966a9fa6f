package kv

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// BoltOptions tunes OpenBolt. The zero value is the production default.
type BoltOptions struct {
	// Namespace prefixes every stored key; default DefaultNamespace ("cf:").
	Namespace string
	// Now is the store's clock for expiry; default time.Now. Tests inject a fake.
	Now func() time.Time
	// SweepInterval is how often the sweeper deletes expired keys; default 1 minute.
	SweepInterval time.Duration
	// OpenTimeout bounds the wait for the file lock (another process holding the
	// file); default 2 s.
	OpenTimeout time.Duration
	// NoSync skips fsync on commit: faster, loses recent writes on a crash.
	NoSync bool
	// Logger receives the sweeper's errors; default no logging.
	Logger *zerolog.Logger
}

const (
	boltBucket     = "kv"
	boltHeaderSize = 8 // big-endian expiry in Unix nanoseconds, 0 = never
	sweepBatch     = 1000
)

// boltDB is what all views of one bolt file share.
type boltDB struct {
	db       *bolt.DB
	writes   groupCommit // every write goes through it
	path     string
	now      func() time.Time
	log      zerolog.Logger
	closed   atomic.Bool
	stop     chan struct{}
	done     chan struct{}
	closeErr error
	once     sync.Once
}

// boltStore is one namespace view of a boltDB.
type boltStore struct {
	shared *boltDB
	prefix string // namespace + sub-namespace
	root   string // namespace
	owner  bool   // Close closes the file
}

// OpenBolt opens (creating when missing) the bolt file at path and starts its expiry
// sweeper.
func OpenBolt(path string, opts BoltOptions) (Store, error) {
	return openBolt(path, opts)
}

func openBolt(path string, opts BoltOptions) (*boltStore, error) {
	if path == "" {
		return nil, opErr("open", "", fmt.Errorf("%w: empty bolt path", ErrBadSpec))
	}
	ns := opts.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	if err := checkNamespace(ns); err != nil {
		return nil, opErr("open", "", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SweepInterval <= 0 {
		opts.SweepInterval = time.Minute
	}
	if opts.OpenTimeout <= 0 {
		opts.OpenTimeout = 2 * time.Second
	}
	log := zerolog.Nop()
	if opts.Logger != nil {
		log = *opts.Logger
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, opErr("open", "", fmt.Errorf("%w: %w", ErrUnavailable, err))
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.OpenTimeout, NoSync: opts.NoSync})
	if err != nil {
		return nil, opErr("open", "", fmt.Errorf("%w: bolt file %s: %w", ErrUnavailable, path, err))
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte(boltBucket))
		return err
	}); err != nil {
		_ = db.Close()
		return nil, opErr("open", "", fmt.Errorf("%w: bolt file %s: %w", ErrUnavailable, path, err))
	}
	shared := &boltDB{
		db:   db,
		path: path,
		now:  opts.Now,
		log:  log.With().Str("component", "kv-bolt").Str("path", path).Logger(),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	shared.writes.db = db
	go shared.sweepLoop(opts.SweepInterval)
	return &boltStore{shared: shared, prefix: ns + kvSpace, root: ns, owner: true}, nil
}

func (s *boltStore) scope(sub string) backend {
	return &boltStore{shared: s.shared, prefix: s.root + sub, root: s.root}
}

func (s *boltStore) fullKey(key string) []byte { return []byte(s.prefix + key) }

func encodeEntry(expiry int64, value []byte) []byte {
	b := make([]byte, boltHeaderSize+len(value))
	binary.BigEndian.PutUint64(b, uint64(expiry))
	copy(b[boltHeaderSize:], value)
	return b
}

// decodeEntry splits a stored entry; the value aliases the bolt page (copy it before
// the transaction ends).
func decodeEntry(b []byte) (expiry int64, value []byte, err error) {
	if len(b) < boltHeaderSize {
		return 0, nil, fmt.Errorf("kv: corrupt entry of %d bytes", len(b))
	}
	return int64(binary.BigEndian.Uint64(b)), b[boltHeaderSize:], nil
}

func live(expiry int64, now int64) bool { return expiry == 0 || now < expiry }

func (s *boltStore) expiryFor(ttl time.Duration, now int64) int64 {
	if ttl <= 0 {
		return 0
	}
	return now + ttlMillis(ttl)*int64(time.Millisecond)
}

// begin checks what every operation checks first.
func (s *boltStore) begin(ctx context.Context) error {
	if s.shared.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}

// mapErr turns bolt's closed-database error into ErrClosed.
func mapErr(err error) error {
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

func (s *boltStore) Get(ctx context.Context, key string) (string, bool, error) {
	if err := checkKey(key); err != nil {
		return "", false, opErr("get", key, err)
	}
	if err := s.begin(ctx); err != nil {
		return "", false, opErr("get", key, err)
	}
	var (
		value string
		ok    bool
	)
	now := s.shared.now().UnixNano()
	err := s.shared.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket([]byte(boltBucket)).Get(s.fullKey(key))
		if raw == nil {
			return nil
		}
		exp, v, err := decodeEntry(raw)
		if err != nil {
			return err
		}
		if live(exp, now) {
			value, ok = string(v), true
		}
		return nil
	})
	if err != nil {
		return "", false, opErr("get", key, mapErr(err))
	}
	return value, ok, nil
}

func (s *boltStore) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if err := checkWrite(key, value, ttl); err != nil {
		return opErr("set", key, err)
	}
	if err := s.begin(ctx); err != nil {
		return opErr("set", key, err)
	}
	exp := s.expiryFor(ttl, s.shared.now().UnixNano())
	err := s.shared.writes.write(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(boltBucket)).Put(s.fullKey(key), encodeEntry(exp, []byte(value)))
	})
	return opErr("set", key, mapErr(err))
}

func checkWrite(key, value string, ttl time.Duration) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := checkValue(value); err != nil {
		return err
	}
	return checkTTL(ttl)
}

// parseInteger accepts exactly the canonical base-10 form of an int64 ("0", "-12",
// "345"), which is what Redis's INCRBY accepts too: no sign "+", no leading zeros, no
// spaces.
func parseInteger(v []byte) (int64, error) {
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != string(v) {
		return 0, ErrNotInteger
	}
	return n, nil
}

func addChecked(n, by int64) (int64, error) {
	if (by > 0 && n > (1<<63-1)-by) || (by < 0 && n < (-1<<63)-by) {
		return 0, ErrOverflow
	}
	return n + by, nil
}

func (s *boltStore) Incr(ctx context.Context, key string, by int64, ttl time.Duration) (int64, error) {
	if err := checkKey(key); err != nil {
		return 0, opErr("incr", key, err)
	}
	if err := checkTTL(ttl); err != nil {
		return 0, opErr("incr", key, err)
	}
	if err := s.begin(ctx); err != nil {
		return 0, opErr("incr", key, err)
	}
	var result int64
	err := s.shared.writes.write(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(boltBucket))
		k := s.fullKey(key)
		now := s.shared.now().UnixNano()
		raw := b.Get(k)
		if raw != nil {
			exp, v, err := decodeEntry(raw)
			if err != nil {
				return err
			}
			if live(exp, now) {
				n, err := parseInteger(v)
				if err != nil {
					return err
				}
				if n, err = addChecked(n, by); err != nil {
					return err
				}
				result = n
				return b.Put(k, encodeEntry(exp, strconv.AppendInt(nil, n, 10)))
			}
		}
		result = by
		return b.Put(k, encodeEntry(s.expiryFor(ttl, now), strconv.AppendInt(nil, by, 10)))
	})
	if err != nil {
		return 0, opErr("incr", key, mapErr(err))
	}
	return result, nil
}

func (s *boltStore) Del(ctx context.Context, key string) (bool, error) {
	if err := checkKey(key); err != nil {
		return false, opErr("del", key, err)
	}
	if err := s.begin(ctx); err != nil {
		return false, opErr("del", key, err)
	}
	var existed bool
	err := s.shared.writes.write(func(tx *bolt.Tx) error {
		existed = false
		b := tx.Bucket([]byte(boltBucket))
		k := s.fullKey(key)
		raw := b.Get(k)
		if raw == nil {
			return nil
		}
		exp, _, err := decodeEntry(raw)
		if err != nil {
			return err
		}
		existed = live(exp, s.shared.now().UnixNano())
		return b.Delete(k)
	})
	if err != nil {
		return false, opErr("del", key, mapErr(err))
	}
	return existed, nil
}

func (s *boltStore) Keys(ctx context.Context, prefix string, limit int) ([]string, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, opErr("keys", prefix, err)
	}
	if err := s.begin(ctx); err != nil {
		return nil, opErr("keys", prefix, err)
	}
	limit = clampLimit(limit)
	full := s.fullKey(prefix)
	now := s.shared.now().UnixNano()
	keys := []string{}
	err := s.shared.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte(boltBucket)).Cursor()
		for k, v := c.Seek(full); k != nil && bytes.HasPrefix(k, full); k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			exp, _, err := decodeEntry(v)
			if err != nil {
				return err
			}
			if !live(exp, now) {
				continue
			}
			keys = append(keys, string(k[len(s.prefix):]))
			if len(keys) == limit {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return nil, opErr("keys", prefix, mapErr(err))
	}
	return keys, nil
}

func (s *boltStore) setIf(ctx context.Context, key, value string, mode setMode) (bool, error) {
	if err := checkWrite(key, value, 0); err != nil {
		return false, err
	}
	if err := s.begin(ctx); err != nil {
		return false, err
	}
	var done bool
	err := s.shared.writes.write(func(tx *bolt.Tx) error {
		done = false
		b := tx.Bucket([]byte(boltBucket))
		k := s.fullKey(key)
		present := false
		if raw := b.Get(k); raw != nil {
			exp, _, err := decodeEntry(raw)
			if err != nil {
				return err
			}
			present = live(exp, s.shared.now().UnixNano())
		}
		if present != (mode == setIfPresent) {
			return nil
		}
		done = true
		return b.Put(k, encodeEntry(0, []byte(value)))
	})
	if err != nil {
		return false, mapErr(err)
	}
	return done, nil
}

// Close stops the sweeper and closes the file; only the store OpenBolt returned owns
// the file (views made for Tables do not).
func (s *boltStore) Close() error {
	if !s.owner {
		return nil
	}
	sh := s.shared
	sh.once.Do(func() {
		sh.closed.Store(true)
		close(sh.stop)
		<-sh.done
		if err := sh.db.Close(); err != nil {
			sh.closeErr = opErr("close", "", err)
		}
	})
	return sh.closeErr
}

func (sh *boltDB) sweepLoop(every time.Duration) {
	defer close(sh.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-sh.stop:
			return
		case <-t.C:
			n, err := sh.sweep(sh.stop)
			if err != nil {
				sh.log.Error().Err(err).Msg("kv sweep of expired keys failed")
				continue
			}
			if n > 0 {
				sh.log.Debug().Int("deleted", n).Msg("kv sweep deleted expired keys")
			}
		}
	}
}

// sweep deletes every expired key, at most sweepBatch keys per write transaction so
// that it never holds the write lock for long. It stops early when stop closes.
func (sh *boltDB) sweep(stop <-chan struct{}) (int, error) {
	total := 0
	var from []byte // resume point: keys before it were already swept
	for {
		select {
		case <-stop:
			return total, nil
		default:
		}
		now := sh.now().UnixNano()
		var expired [][]byte
		more := false
		err := sh.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte(boltBucket))
			c := b.Cursor()
			k, v := c.First()
			if from != nil {
				k, v = c.Seek(from)
			}
			for ; k != nil; k, v = c.Next() {
				if exp, _, err := decodeEntry(v); err == nil && live(exp, now) {
					continue
				}
				if len(expired) == sweepBatch {
					more = true
					from = append(from[:0:0], k...)
					break
				}
				expired = append(expired, append([]byte(nil), k...))
			}
			for _, k := range expired {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return total, mapErr(err)
		}
		total += len(expired)
		if !more {
			return total, nil
		}
	}
}
