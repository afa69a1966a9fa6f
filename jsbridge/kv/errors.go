package kv

import (
	"errors"
	"strconv"
)

var (
	// ErrBadKey: a key (or a prefix, table or row name) that is empty, too long or not
	// valid UTF-8.
	ErrBadKey = errors.New("kv: bad key")
	// ErrTooLarge: a value larger than MaxValueBytes.
	ErrTooLarge = errors.New("kv: value too large")
	// ErrBadTTL: a negative TTL.
	ErrBadTTL = errors.New("kv: bad ttl")
	// ErrNotInteger: Incr of a value that is not a base-10 int64.
	ErrNotInteger = errors.New("kv: value is not an integer")
	// ErrOverflow: Incr whose result does not fit in an int64.
	ErrOverflow = errors.New("kv: increment would overflow")
	// ErrClosed: an operation on a closed store.
	ErrClosed = errors.New("kv: store closed")
	// ErrBadSpec: a store spec that is neither "", "bolt" nor a redis:// URL.
	ErrBadSpec = errors.New("kv: bad store spec")
	// ErrUnavailable: the backend could not be opened or reached.
	ErrUnavailable = errors.New("kv: store unavailable")
	// ErrExists: Tables.Create of a row that is already there.
	ErrExists = errors.New("kv: row already exists")
	// ErrNotFound: Tables.Update of a row that is not there.
	ErrNotFound = errors.New("kv: row not found")
	// ErrUnsupported: Tables over a Store that is not one of this package's backends.
	ErrUnsupported = errors.New("kv: store does not support tables")
)

// Error is the typed error every Store method returns: which operation, on which key
// (without the namespace), and why. errors.Is reaches the sentinel through Unwrap.
type Error struct {
	Op  string // "get", "set", "incr", "del", "keys", "open", "create", ...
	Key string
	Err error
}

func (e *Error) Error() string {
	if e.Key == "" {
		return "kv " + e.Op + ": " + e.Err.Error()
	}
	return "kv " + e.Op + " " + quoteKey(e.Key) + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// quoteKey keeps error messages short and printable whatever the key holds.
func quoteKey(k string) string {
	const max = 64
	if len(k) > max {
		k = k[:max] + "..."
	}
	return strconv.Quote(k)
}

func opErr(op, key string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Op: op, Key: key, Err: err}
}
