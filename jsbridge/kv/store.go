package kv

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits shared by both backends.
const (
	MaxKeyBytes   = 1 << 10 // 1 KiB, without the namespace
	MaxValueBytes = 1 << 20 // 1 MiB
	MaxKeysLimit  = 10000   // most keys one Keys call returns
	// DefaultNamespace prefixes every stored key.
	DefaultNamespace = "cf:"
	// BoltFileName is the file Open uses inside the data directory.
	BoltFileName = "kv.db"
)

// The sub-namespaces below the operator's namespace.
const (
	kvSpace    = "kv:"
	tableSpace = "tbl:"
)

// Store is the string key/value store the scripts' kv modules use. Every method is
// safe for concurrent use; the semantics (see the package doc) are the same on every
// backend.
type Store interface {
	// Get returns the value of key; ok is false when it is missing or expired.
	Get(ctx context.Context, key string) (value string, ok bool, err error)
	// Set stores value under key; ttl 0 = no expiry.
	Set(ctx context.Context, key, value string, ttl time.Duration) error
	// Incr adds by to the integer in key and returns the result. A missing or expired
	// key is created with value by and the given ttl; an existing key keeps its expiry.
	Incr(ctx context.Context, key string, by int64, ttl time.Duration) (int64, error)
	// Del removes key; existed tells whether it was there (and not expired).
	Del(ctx context.Context, key string) (existed bool, err error)
	// Keys lists the live keys starting with prefix, sorted, at most limit of them.
	Keys(ctx context.Context, prefix string, limit int) ([]string, error)
	// Close releases the store; later calls fail with ErrClosed.
	Close() error
}

// backend is what both of this package's stores implement beyond Store: a view of the
// same storage under another sub-namespace, and conditional writes for Tables.
type backend interface {
	Store
	// scope returns a view sharing the connection, with keys under sub instead of
	// "kv:"; closing the view does not close the store.
	scope(sub string) backend
	// setIf writes value when the key's presence matches: mode setIfAbsent or
	// setIfPresent. done tells whether it wrote.
	setIf(ctx context.Context, key, value string, mode setMode) (done bool, err error)
}

type setMode int

const (
	setIfAbsent setMode = iota + 1
	setIfPresent
)

// Open opens the store the operator configured with --kv: "" or "bolt" is the bolt
// file <dataDir>/kv.db with default options; "redis://..." or "rediss://..." is Redis
// with default options.
func Open(spec string, dataDir string) (Store, error) {
	switch {
	case spec == "" || spec == "bolt":
		if dataDir == "" {
			return nil, opErr("open", "", fmt.Errorf("%w: bolt store needs a data directory", ErrBadSpec))
		}
		return OpenBolt(filepath.Join(dataDir, BoltFileName), BoltOptions{})
	case strings.HasPrefix(spec, "redis://") || strings.HasPrefix(spec, "rediss://"):
		return OpenRedis(spec, RedisOptions{})
	default:
		return nil, opErr("open", "", fmt.Errorf("%w: %q (want \"bolt\" or redis://host:port/db)", ErrBadSpec, spec))
	}
}

func checkKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty", ErrBadKey)
	case len(key) > MaxKeyBytes:
		return fmt.Errorf("%w: %d bytes, limit %d", ErrBadKey, len(key), MaxKeyBytes)
	case !utf8.ValidString(key):
		return fmt.Errorf("%w: not valid UTF-8", ErrBadKey)
	}
	return nil
}

func checkPrefix(prefix string) error {
	if len(prefix) > MaxKeyBytes {
		return fmt.Errorf("%w: prefix of %d bytes, limit %d", ErrBadKey, len(prefix), MaxKeyBytes)
	}
	if !utf8.ValidString(prefix) {
		return fmt.Errorf("%w: prefix not valid UTF-8", ErrBadKey)
	}
	return nil
}

func checkValue(value string) error {
	if len(value) > MaxValueBytes {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(value), MaxValueBytes)
	}
	return nil
}

func checkTTL(ttl time.Duration) error {
	if ttl < 0 {
		return fmt.Errorf("%w: %v is negative", ErrBadTTL, ttl)
	}
	return nil
}

// ttlMillis rounds a positive TTL up to whole milliseconds (the resolution of both
// backends).
func ttlMillis(ttl time.Duration) int64 {
	if ttl <= 0 {
		return 0
	}
	return int64((ttl + time.Millisecond - 1) / time.Millisecond)
}

func clampLimit(limit int) int {
	if limit <= 0 || limit > MaxKeysLimit {
		return MaxKeysLimit
	}
	return limit
}

func checkNamespace(ns string) error {
	if len(ns) > 256 || !utf8.ValidString(ns) {
		return fmt.Errorf("%w: namespace must be valid UTF-8 of at most 256 bytes", ErrBadSpec)
	}
	return nil
}
