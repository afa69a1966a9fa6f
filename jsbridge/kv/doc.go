// Package kv owns the key/value store behind the scripts' `require('kv')`, `cxKV` and
// `cxUserspace`: the Store interface, its two backends (an embedded bbolt file, the
// default, and Redis when the operator passes `--kv redis://...`) and the Tables helper
// that serves cxUserspace's named tables on the same store.
//
// Both backends have the same semantics, checked by one conformance suite (package
// kvtest) run against each:
//
//   - Keys and values are strings. A key is 1..MaxKeyBytes bytes of valid UTF-8; a
//     value is at most MaxValueBytes bytes. Objects are JSON-encoded by the JS layer.
//   - A TTL of 0 means no expiry; a negative TTL is an error (ErrBadTTL). TTLs have
//     millisecond resolution (a positive TTL below 1 ms counts as 1 ms).
//   - An expired key is gone: Get, Keys, Incr and Del do not see it.
//   - Set replaces the value and the expiry (Set with ttl 0 clears an earlier TTL).
//   - Incr is atomic. When it creates the key (missing or expired) the key gets the
//     value `by` and the given TTL; when the key exists its TTL is left as it is and
//     the ttl argument is ignored. Incr of a value that is not a base-10 int64 fails
//     with ErrNotInteger, and an increment past the int64 range with ErrOverflow.
//   - Keys returns the keys with a prefix, sorted bytewise, at most limit of them
//     (limit <= 0 or above MaxKeysLimit means MaxKeysLimit).
//
// Every key is stored under a namespace (option Namespace, default "cf:") so that the
// engine's keys never collide with other users of a shared Redis: the kv keyspace is
// "<namespace>kv:<key>" and cxUserspace tables are "<namespace>tbl:<table>:<key>", so a
// script's kv keys can never alias table rows.
//
// The bolt backend stores each value with its expiry time, checks it on every read and
// deletes expired keys in one background sweeper goroutine that Close stops. Its clock
// is injectable (BoltOptions.Now) so tests can expire keys without sleeping. Its writes
// are group-committed (groupcommit.go): a write that finds a commit under way joins the
// next one, so calls writing at once share fsyncs while a lone write commits at once.
package kv
