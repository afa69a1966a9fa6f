package kv

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// RedisOptions tunes OpenRedis. The zero value is the production default; timeouts
// given as query parameters of the URL (dial_timeout=...) win over these defaults.
type RedisOptions struct {
	// Namespace prefixes every stored key; default DefaultNamespace ("cf:").
	Namespace string
	// DialTimeout, ReadTimeout and WriteTimeout default to 2 s each.
	DialTimeout  time.Duration
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// PoolSize is the connection pool size; default go-redis's (10 per CPU).
	PoolSize int
	// Logger receives go-redis's own messages (reconnects, pool errors). go-redis's
	// logger is process-wide: the first OpenRedis installs it. Default: discarded.
	Logger *zerolog.Logger
}

var installLogger sync.Once

// redisLogger forwards go-redis's printf-style messages to zerolog.
type redisLogger struct{ log zerolog.Logger }

func (l redisLogger) Printf(_ context.Context, format string, v ...any) {
	l.log.Warn().Str("component", "kv-redis").Msgf(format, v...)
}

// incrScript is INCRBY that applies the TTL only when it creates the key, atomically.
// KEYS[1] key; ARGV[1] increment; ARGV[2] TTL in ms (0 = none).
var incrScript = redis.NewScript(`
local existed = redis.call('EXISTS', KEYS[1])
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 and tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return v
`)

type redisShared struct {
	client *redis.Client
	closed atomic.Bool
	once   sync.Once
	err    error
}

type redisStore struct {
	shared *redisShared
	prefix string
	root   string
	owner  bool
}

// OpenRedis connects to the Redis at redisURL ("redis://[user:pass@]host:port/db" or
// rediss:// for TLS) and checks it answers PING.
func OpenRedis(redisURL string, opts RedisOptions) (Store, error) {
	return openRedis(redisURL, opts)
}

func openRedis(redisURL string, opts RedisOptions) (*redisStore, error) {
	ns := opts.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	if err := checkNamespace(ns); err != nil {
		return nil, opErr("open", "", err)
	}
	installLogger.Do(func() {
		l := zerolog.Nop()
		if opts.Logger != nil {
			l = *opts.Logger
		}
		redis.SetLogger(redisLogger{log: l})
	})
	ropts, err := redis.ParseURL(redisURL)
	if err != nil {
		// go-redis's message may quote the URL: never let a password through.
		msg := strings.ReplaceAll(err.Error(), redisURL, redactURL(redisURL))
		return nil, opErr("open", "", fmt.Errorf("%w: redis URL %s: %s", ErrBadSpec, redactURL(redisURL), msg))
	}
	ropts.DialTimeout = orDefault(ropts.DialTimeout, opts.DialTimeout, 2*time.Second)
	ropts.ReadTimeout = orDefault(ropts.ReadTimeout, opts.ReadTimeout, 2*time.Second)
	ropts.WriteTimeout = orDefault(ropts.WriteTimeout, opts.WriteTimeout, 2*time.Second)
	if opts.PoolSize > 0 {
		ropts.PoolSize = opts.PoolSize
	}
	ropts.DisableIdentity = true
	client := redis.NewClient(ropts)
	ctx, cancel := context.WithTimeout(context.Background(), ropts.DialTimeout+ropts.ReadTimeout)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, opErr("open", "", fmt.Errorf("%w: redis at %s: %w", ErrUnavailable, redactURL(redisURL), err))
	}
	return &redisStore{shared: &redisShared{client: client}, prefix: ns + kvSpace, root: ns, owner: true}, nil
}

func orDefault(fromURL, fromOpts, def time.Duration) time.Duration {
	switch {
	case fromURL > 0:
		return fromURL
	case fromOpts > 0:
		return fromOpts
	default:
		return def
	}
}

// redactURL hides a password in error messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func (s *redisStore) scope(sub string) backend {
	return &redisStore{shared: s.shared, prefix: s.root + sub, root: s.root}
}

func (s *redisStore) fullKey(key string) string { return s.prefix + key }

func (s *redisStore) begin(ctx context.Context) error {
	if s.shared.closed.Load() {
		return ErrClosed
	}
	return ctx.Err()
}

// mapRedisErr turns Redis's own errors into this package's sentinels.
func mapRedisErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, redis.ErrClosed) {
		return ErrClosed
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "not an integer"):
		return fmt.Errorf("%w (%s)", ErrNotInteger, msg)
	case strings.Contains(msg, "overflow"):
		return fmt.Errorf("%w (%s)", ErrOverflow, msg)
	}
	return err
}

func (s *redisStore) Get(ctx context.Context, key string) (string, bool, error) {
	if err := checkKey(key); err != nil {
		return "", false, opErr("get", key, err)
	}
	if err := s.begin(ctx); err != nil {
		return "", false, opErr("get", key, err)
	}
	v, err := s.shared.client.Get(ctx, s.fullKey(key)).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, opErr("get", key, mapRedisErr(err))
	}
	return v, true, nil
}

func (s *redisStore) Set(ctx context.Context, key, value string, ttl time.Duration) error {
	if err := checkWrite(key, value, ttl); err != nil {
		return opErr("set", key, err)
	}
	if err := s.begin(ctx); err != nil {
		return opErr("set", key, err)
	}
	exp := time.Duration(ttlMillis(ttl)) * time.Millisecond
	return opErr("set", key, mapRedisErr(s.shared.client.Set(ctx, s.fullKey(key), value, exp).Err()))
}

func (s *redisStore) Incr(ctx context.Context, key string, by int64, ttl time.Duration) (int64, error) {
	if err := checkKey(key); err != nil {
		return 0, opErr("incr", key, err)
	}
	if err := checkTTL(ttl); err != nil {
		return 0, opErr("incr", key, err)
	}
	if err := s.begin(ctx); err != nil {
		return 0, opErr("incr", key, err)
	}
	n, err := incrScript.Run(ctx, s.shared.client, []string{s.fullKey(key)}, by, ttlMillis(ttl)).Int64()
	if err != nil {
		return 0, opErr("incr", key, mapRedisErr(err))
	}
	return n, nil
}

func (s *redisStore) Del(ctx context.Context, key string) (bool, error) {
	if err := checkKey(key); err != nil {
		return false, opErr("del", key, err)
	}
	if err := s.begin(ctx); err != nil {
		return false, opErr("del", key, err)
	}
	n, err := s.shared.client.Del(ctx, s.fullKey(key)).Result()
	if err != nil {
		return false, opErr("del", key, mapRedisErr(err))
	}
	return n > 0, nil
}

// globEscape makes s match literally in a Redis MATCH pattern.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Keys walks the namespace with SCAN (never KEYS, which blocks the server), then sorts
// and caps the result.
func (s *redisStore) Keys(ctx context.Context, prefix string, limit int) ([]string, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, opErr("keys", prefix, err)
	}
	if err := s.begin(ctx); err != nil {
		return nil, opErr("keys", prefix, err)
	}
	limit = clampLimit(limit)
	pattern := globEscape(s.fullKey(prefix)) + "*"
	seen := map[string]struct{}{}
	var cursor uint64
	for {
		batch, next, err := s.shared.client.Scan(ctx, cursor, pattern, 1000).Result()
		if err != nil {
			return nil, opErr("keys", prefix, mapRedisErr(err))
		}
		for _, k := range batch {
			seen[k[len(s.prefix):]] = struct{}{} // SCAN may repeat a key
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > limit {
		keys = keys[:limit]
	}
	return keys, nil
}

func (s *redisStore) setIf(ctx context.Context, key, value string, mode setMode) (bool, error) {
	if err := checkWrite(key, value, 0); err != nil {
		return false, err
	}
	if err := s.begin(ctx); err != nil {
		return false, err
	}
	var cmd *redis.BoolCmd
	if mode == setIfAbsent {
		cmd = s.shared.client.SetNX(ctx, s.fullKey(key), value, 0)
	} else {
		cmd = s.shared.client.SetXX(ctx, s.fullKey(key), value, 0)
	}
	done, err := cmd.Result()
	if err != nil {
		return false, mapRedisErr(err)
	}
	return done, nil
}

// Close closes the connection pool; only the store OpenRedis returned owns it.
func (s *redisStore) Close() error {
	if !s.owner {
		return nil
	}
	sh := s.shared
	sh.once.Do(func() {
		sh.closed.Store(true)
		if err := sh.client.Close(); err != nil {
			sh.err = opErr("close", "", err)
		}
	})
	return sh.err
}
