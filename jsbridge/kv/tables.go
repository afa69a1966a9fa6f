package kv

import (
	"context"
	"fmt"
)

// Limits of Tables names.
const (
	MaxTableNameBytes = 64
	// MaxRowKeyBytes leaves room for "<table>:" inside the store's key limit.
	MaxRowKeyBytes = MaxKeyBytes - MaxTableNameBytes - 1
)

// Tables serves cxUserspace: named tables of string rows on the same Store as the kv
// module, in their own keyspace ("<namespace>tbl:<table>:<key>"), never visible to
// the kv module's Keys. Rows have no expiry. Safe for concurrent use.
type Tables struct {
	b backend
}

// Row is one entry of a table.
type Row struct {
	Key   string
	Value string
}

// NewTables returns the tables kept in s, which must be a Store from OpenBolt,
// OpenRedis or Open (ErrUnsupported otherwise). Closing s ends the Tables too.
func NewTables(s Store) (*Tables, error) {
	b, ok := s.(backend)
	if !ok {
		return nil, opErr("tables", "", fmt.Errorf("%w: %T", ErrUnsupported, s))
	}
	return &Tables{b: b.scope(tableSpace)}, nil
}

// checkTableName accepts 1..64 of [A-Za-z0-9_-].
func checkTableName(table string) error {
	if table == "" || len(table) > MaxTableNameBytes {
		return fmt.Errorf("%w: table name must be 1..%d characters", ErrBadKey, MaxTableNameBytes)
	}
	for i := 0; i < len(table); i++ {
		c := table[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("%w: table name %q may hold only letters, digits, '_' and '-'", ErrBadKey, table)
		}
	}
	return nil
}

func checkRow(table, key string) error {
	if err := checkTableName(table); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	if len(key) > MaxRowKeyBytes {
		return fmt.Errorf("%w: row key of %d bytes, limit %d", ErrBadKey, len(key), MaxRowKeyBytes)
	}
	return nil
}

func rowKey(table, key string) string { return table + ":" + key }

func rowName(table, key string) string { return table + "/" + key }

// Create adds a row; ErrExists when the table already has key.
func (t *Tables) Create(ctx context.Context, table, key, value string) error {
	if err := checkRow(table, key); err != nil {
		return opErr("create", rowName(table, key), err)
	}
	done, err := t.b.setIf(ctx, rowKey(table, key), value, setIfAbsent)
	if err != nil {
		return opErr("create", rowName(table, key), err)
	}
	if !done {
		return opErr("create", rowName(table, key), ErrExists)
	}
	return nil
}

// Read returns a row's value; ok is false when the row is missing.
func (t *Tables) Read(ctx context.Context, table, key string) (string, bool, error) {
	if err := checkRow(table, key); err != nil {
		return "", false, opErr("read", rowName(table, key), err)
	}
	v, ok, err := t.b.Get(ctx, rowKey(table, key))
	if err != nil {
		return "", false, opErr("read", rowName(table, key), unwrapKV(err))
	}
	return v, ok, nil
}

// Update replaces a row's value; ErrNotFound when the row is missing.
func (t *Tables) Update(ctx context.Context, table, key, value string) error {
	if err := checkRow(table, key); err != nil {
		return opErr("update", rowName(table, key), err)
	}
	done, err := t.b.setIf(ctx, rowKey(table, key), value, setIfPresent)
	if err != nil {
		return opErr("update", rowName(table, key), err)
	}
	if !done {
		return opErr("update", rowName(table, key), ErrNotFound)
	}
	return nil
}

// Delete removes a row; existed tells whether it was there.
func (t *Tables) Delete(ctx context.Context, table, key string) (bool, error) {
	if err := checkRow(table, key); err != nil {
		return false, opErr("delete", rowName(table, key), err)
	}
	existed, err := t.b.Del(ctx, rowKey(table, key))
	if err != nil {
		return false, opErr("delete", rowName(table, key), unwrapKV(err))
	}
	return existed, nil
}

// List returns a table's rows sorted by key, at most MaxKeysLimit of them. A row
// deleted while List runs is left out.
func (t *Tables) List(ctx context.Context, table string) ([]Row, error) {
	if err := checkTableName(table); err != nil {
		return nil, opErr("list", table, err)
	}
	prefix := table + ":"
	keys, err := t.b.Keys(ctx, prefix, MaxKeysLimit)
	if err != nil {
		return nil, opErr("list", table, unwrapKV(err))
	}
	rows := make([]Row, 0, len(keys))
	for _, k := range keys {
		v, ok, err := t.b.Get(ctx, k)
		if err != nil {
			return nil, opErr("list", table, unwrapKV(err))
		}
		if ok {
			rows = append(rows, Row{Key: k[len(prefix):], Value: v})
		}
	}
	return rows, nil
}

// unwrapKV drops the inner *Error's op and internal key so that the outer error names
// the row the caller used.
func unwrapKV(err error) error {
	if e, ok := err.(*Error); ok {
		return e.Err
	}
	return err
}
