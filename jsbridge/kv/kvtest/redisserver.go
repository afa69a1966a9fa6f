package kvtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ErrNoRedisServer: redis-server is not on PATH (e2e/setup/redis.sh installs it).
var ErrNoRedisServer = errors.New("kvtest: redis-server not found on PATH")

// RedisServer is a throwaway redis-server on 127.0.0.1 with persistence off. It is
// killed after its maximum lifetime even if nobody calls Stop, and (on Linux) when the
// test process dies.
type RedisServer struct {
	cmd    *exec.Cmd
	url    string
	dir    string
	output *lockedBuffer
	exited chan struct{}
	timer  *time.Timer
	once   sync.Once
}

// StartRedisServer starts redis-server on a free loopback port and waits until it
// answers PING. maxLife bounds how long the server may live.
func StartRedisServer(maxLife time.Duration) (*RedisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNoRedisServer
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // the free port may be taken meanwhile
		srv, err := startRedisOnce(bin, maxLife)
		if err == nil {
			return srv, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func startRedisOnce(bin string, maxLife time.Duration) (*RedisServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("kvtest: free port: %w", err)
	}
	dir, err := os.MkdirTemp("", "kvtest-redis-")
	if err != nil {
		return nil, fmt.Errorf("kvtest: temp dir: %w", err)
	}
	out := &lockedBuffer{}
	cmd := exec.Command(bin,
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--protected-mode", "yes",
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--dir", dir,
		"--loglevel", "warning",
	)
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.SysProcAttr = dieWithParent()
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("kvtest: start redis-server: %w", err)
	}
	srv := &RedisServer{
		cmd:    cmd,
		url:    fmt.Sprintf("redis://127.0.0.1:%d/0", port),
		dir:    dir,
		output: out,
		exited: make(chan struct{}),
	}
	go func() {
		_ = cmd.Wait()
		close(srv.exited)
	}()
	srv.timer = time.AfterFunc(maxLife, func() { _ = cmd.Process.Kill() })

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		if pingRedis(addr) == nil {
			return srv, nil
		}
		select {
		case <-srv.exited:
			srv.Stop()
			return nil, fmt.Errorf("kvtest: redis-server exited early: %s", out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			srv.Stop()
			return nil, fmt.Errorf("kvtest: redis-server did not answer PING within 10s: %s", out.String())
		}
	}
}

// URL is the server's redis:// URL (database 0).
func (s *RedisServer) URL() string { return s.url }

// Stop terminates the server (SIGTERM, then SIGKILL after 5 s) and removes its
// directory. Safe to call more than once.
func (s *RedisServer) Stop() {
	s.once.Do(func() {
		s.timer.Stop()
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		_ = os.RemoveAll(s.dir)
	})
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func pingRedis(addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("unexpected PING reply %q", line)
	}
	return nil
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
