package scaleout

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/callforge/callforge/e2e/enginetest"
	"github.com/callforge/callforge/jsbridge/kv"
	"github.com/callforge/callforge/jsbridge/kv/kvtest"
	"github.com/callforge/callforge/voice/fstest"
)

const (
	engines   = 3
	callMedia = time.Second             // the count script's prompt
	callEvery = 40 * time.Millisecond   // 25 calls/s, about 25 in flight
	settle    = 1500 * time.Millisecond // load before the first and after the last restart
	bound     = 85 * time.Second        // the whole test
	drainMax  = 20 * time.Second        // --drain-timeout: far above a call's length
)

// haproxyConfig is the configuration docs/scale-out.md shows, on test ports.
const haproxyConfig = `global
    maxconn 4096
    nbthread 1

defaults
    mode tcp
    timeout connect 1s
    timeout client 5m
    timeout server 5m
    # A refused connection (an engine that began draining before its health check
    # failed) is retried on another engine.
    retries 3
    option redispatch 1

frontend callforge_esl
    bind {{FRONTEND}}
    default_backend callforge_engines

backend callforge_engines
    balance leastconn
    option httpchk
    http-check send meth GET uri /readyz
    http-check expect status 200
    default-server inter 200ms fall 1 rise 1
{{SERVERS}}
`

func haproxyBin(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"haproxy", "/usr/sbin/haproxy"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	setup := filepath.Join(enginetest.RepoRoot(t), "e2e", "setup", "haproxy.sh")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "bash", setup).CombinedOutput(); err != nil {
		t.Fatalf("haproxy missing and %s failed: %v\n%s", setup, err, out)
	}
	path, err := exec.LookPath("/usr/sbin/haproxy")
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// startHAProxy runs haproxy in the foreground with cfg; it is stopped by pid when
// the test ends.
func startHAProxy(t *testing.T, bin, cfg string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-c", "-q", "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c: %v\n%s\n%s", err, out, cfg)
	}
	cmd := exec.Command(bin, "-db", "-f", path)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &lockedWriter{w: &out}, &lockedWriter{w: &out}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
		}
	})
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// waitListening waits until addr accepts TCP connections.
func waitListening(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			_ = c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s not listening after %v", addr, timeout)
}

type callOutcome struct {
	dialAt time.Time
	err    error
	res    fstest.Result
}

func TestRollingRestartBehindHAProxy(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	hap := haproxyBin(t)
	redis, err := kvtest.StartRedisServer(bound)
	if err != nil {
		t.Fatalf("redis: %v (e2e/setup/redis.sh installs it)", err)
	}
	t.Cleanup(redis.Stop)
	bin := enginetest.Build(t)
	scripts, err := filepath.Abs("testdata/scripts")
	if err != nil {
		t.Fatal(err)
	}

	type slot struct{ addr, admin string }
	slots := make([]slot, engines)
	var servers strings.Builder
	for i := range slots {
		slots[i] = slot{enginetest.FreeAddr(t), enginetest.FreeAddr(t)}
		_, adminPort, _ := net.SplitHostPort(slots[i].admin)
		fmt.Fprintf(&servers, "    server engine%d %s check port %s\n", i+1, slots[i].addr, adminPort)
	}
	start := func(i int) *enginetest.Engine {
		e := enginetest.Start(t, fmt.Sprintf("engine%d", i+1), bin, slots[i].addr, slots[i].admin,
			"--scripts", scripts, "--kv", redis.URL(), "--drain-timeout", drainMax.String(), "--watch=false",
			"--default-script", "count", "--data-dir", t.TempDir())
		if err := e.WaitReady(20 * time.Second); err != nil {
			t.Fatal(err)
		}
		return e
	}
	running := make([]*enginetest.Engine, engines)
	for i := range running {
		running[i] = start(i)
	}
	frontend := enginetest.FreeAddr(t)
	startHAProxy(t, hap, strings.NewReplacer("{{FRONTEND}}", frontend, "{{SERVERS}}", servers.String()).Replace(haproxyConfig))
	if err := waitListening(frontend, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // first health checks

	// The steady load, until stop is closed.
	var (
		mu       sync.Mutex
		outcomes []*callOutcome
		calls    sync.WaitGroup
	)
	stop := make(chan struct{})
	loadDone := make(chan struct{})
	go func() {
		defer close(loadDone)
		tick := time.NewTicker(callEvery)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			o := &callOutcome{dialAt: time.Now()}
			mu.Lock()
			outcomes = append(outcomes, o)
			mu.Unlock()
			calls.Add(1)
			go func() {
				defer calls.Done()
				sim, err := fstest.Dial(ctx, frontend, fstest.CallConfig{
					Media: func(app, _ string) time.Duration {
						if app == "playback" {
							return callMedia
						}
						return 0
					},
				})
				if err != nil {
					o.err = err
					return
				}
				o.res, o.err = sim.Wait(ctx)
			}()
		}
	}()

	// Rolling restart: each engine in turn drains (SIGTERM), exits 0 and comes back.
	time.Sleep(settle)
	for i := range running {
		old := running[i]
		sigAt := time.Now()
		if err := old.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		code, err := old.Wait(drainMax + 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if code != 0 {
			t.Errorf("engine%d exited %d after SIGTERM, want 0", i+1, code)
		}
		drained := time.Since(sigAt)
		running[i] = start(i)
		t.Logf("engine%d: drained and exited 0 in %v, back and ready %v after SIGTERM", i+1, drained.Round(time.Millisecond),
			time.Since(sigAt).Round(time.Millisecond))
		time.Sleep(500 * time.Millisecond) // HAProxy sees it up again
	}
	time.Sleep(settle)
	close(stop)
	<-loadDone
	calls.Wait()

	failed := 0
	for _, o := range outcomes {
		var why string
		switch {
		case o.err != nil:
			why = o.err.Error()
		case o.res.HangupCause != "NORMAL_CLEARING":
			why = "hang-up cause " + strconv.Quote(o.res.HangupCause)
		case !o.res.Closed || len(o.res.Commands) == 0:
			why = "not served"
		default:
			apps := 0
			for _, c := range o.res.Commands {
				if c.App == "answer" || c.App == "playback" {
					apps++
				}
			}
			if apps != 2 {
				why = fmt.Sprintf("ran %d of answer and playback", apps)
			}
		}
		if why != "" {
			failed++
			if failed <= 10 {
				t.Errorf("call dialled at %s failed: %s", o.dialAt.Format("15:04:05.000"), why)
			}
		}
	}

	store, err := kv.Open(redis.URL(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	v, ok, err := store.Get(ctx, "calls")
	if err != nil || !ok {
		t.Fatalf("kv calls: %q %v %v", v, ok, err)
	}
	counted, _ := strconv.Atoi(v)
	t.Logf("calls placed %d, failed %d, kv counter %d; calls per restarted engine: %s", len(outcomes), failed, counted, perEngine(running))
	if failed != 0 {
		t.Errorf("%d of %d calls failed", failed, len(outcomes))
	}
	if counted != len(outcomes) {
		t.Errorf("kv counter = %d, want the %d calls placed", counted, len(outcomes))
	}
	if len(outcomes) < int(2*settle/callEvery) {
		t.Errorf("only %d calls placed", len(outcomes))
	}
}

// perEngine reads callforge_esl_connections_total from each engine's /metrics.
func perEngine(es []*enginetest.Engine) string {
	var parts []string
	for _, e := range es {
		n := "?"
		if resp, err := http.Get("http://" + e.AdminAddr + "/metrics"); err == nil {
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			for _, line := range strings.Split(string(body), "\n") {
				if strings.HasPrefix(line, "callforge_esl_connections_total ") {
					n = strings.TrimPrefix(line, "callforge_esl_connections_total ")
				}
			}
		}
		parts = append(parts, e.Name+"="+n)
	}
	return strings.Join(parts, " ")
}
