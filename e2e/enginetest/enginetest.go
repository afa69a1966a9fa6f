package enginetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ErrNotReady is returned when an engine does not become ready in time.
var ErrNotReady = errors.New("enginetest: engine not ready")

// RepoRoot returns the module's root directory (the one holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("enginetest: no go.mod above the test's directory")
		}
		dir = parent
	}
}

// Build builds ./cmd/callforge into the test's temporary directory (bounded to 2
// minutes) and returns the binary's path. $CALLFORGE_E2E_BIN, when set, is used instead.
func Build(t testing.TB) string {
	t.Helper()
	if bin := os.Getenv("CALLFORGE_E2E_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "callforge")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/callforge")
	cmd.Dir = RepoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/callforge: %v\n%s", err, out)
	}
	return bin
}

// FreeAddr returns a loopback address whose port was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// Engine is one running callforge process.
type Engine struct {
	Name      string
	Addr      string // --listen
	AdminAddr string // --admin-listen
	cmd       *exec.Cmd
	log       *syncBuffer
	done      chan struct{}
	exitCode  int
}

// Start runs bin serve with --listen addr, --admin-listen adminAddr and args, and
// stops it (SIGKILL, by pid) when the test ends if it still runs. It does not wait
// for readiness: see WaitReady.
func Start(t testing.TB, name, bin, addr, adminAddr string, args ...string) *Engine {
	t.Helper()
	// --api-listen off: several engines run at once in tests; the HTTP API's default
	// port would collide.
	full := append([]string{"serve", "--listen", addr, "--admin-listen", adminAddr, "--api-listen", "off", "--log-level", "info"}, args...)
	cmd := exec.Command(bin, full...)
	e := &Engine{Name: name, Addr: addr, AdminAddr: adminAddr, cmd: cmd, log: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout = e.log
	cmd.Stderr = e.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		_ = cmd.Wait() // the exit status is read from ProcessState
		e.exitCode = cmd.ProcessState.ExitCode()
		close(e.done)
	}()
	t.Cleanup(func() {
		select {
		case <-e.done:
		default:
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-e.done
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", name, e.log.String())
		}
	})
	return e
}

// Pid returns the process id.
func (e *Engine) Pid() int { return e.cmd.Process.Pid }

// Log returns what the engine wrote so far.
func (e *Engine) Log() string { return e.log.String() }

// Signal sends sig to the engine.
func (e *Engine) Signal(sig os.Signal) error { return e.cmd.Process.Signal(sig) }

// Done is closed when the process has exited.
func (e *Engine) Done() <-chan struct{} { return e.done }

// Wait waits for the process to exit, at most timeout, and returns its exit code.
func (e *Engine) Wait(timeout time.Duration) (int, error) {
	select {
	case <-e.done:
		return e.exitCode, nil
	case <-time.After(timeout):
		return -1, fmt.Errorf("enginetest: %s still running after %v", e.Name, timeout)
	}
}

var client = &http.Client{Timeout: time.Second}

// Readyz returns /readyz's status code (0 and the error when it cannot be reached).
func (e *Engine) Readyz() (int, error) {
	resp, err := client.Get("http://" + e.AdminAddr + "/readyz")
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// WaitReady polls /readyz until it answers 200, the process exits or timeout passes.
func (e *Engine) WaitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-e.done:
			return fmt.Errorf("%w: %s exited with %d", ErrNotReady, e.Name, e.exitCode)
		default:
		}
		if code, err := e.Readyz(); err == nil && code == http.StatusOK {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%w: %s after %v", ErrNotReady, e.Name, timeout)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
