package kv_test

import (
	"os"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/callforge/callforge/jsbridge/kv/kvtest"
)

// One redis-server for the whole package, started on first use and stopped by
// TestMain.
var (
	redisOnce sync.Once
	redisSrv  *kvtest.RedisServer
	redisErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if redisSrv != nil {
		redisSrv.Stop()
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			os.Stderr.WriteString("goroutine leak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

// redisURL returns the test server's URL. Without redis-server the test is skipped
// with a loud log line, except under CI=true, where it fails.
func redisURL(tb testing.TB) string {
	tb.Helper()
	redisOnce.Do(func() { redisSrv, redisErr = kvtest.StartRedisServer(15 * time.Minute) })
	if redisErr != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("Redis half of the kv suite cannot run under CI: %v (run e2e/setup/redis.sh)", redisErr)
		}
		tb.Logf("!!! SKIPPING the Redis half of the kv suite: %v (run e2e/setup/redis.sh) !!!", redisErr)
		tb.SkipNow()
	}
	return redisSrv.URL()
}
