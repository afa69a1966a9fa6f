package loadtest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// repoRoot is the module root, two levels up from this package.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	return root
}

func goTool(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no go tool on PATH nor in $GOROOT: %v", err)
	}
	return p
}

// buildAll compiles the packages (relative to the repo root, e.g.
// "./cmd/callforge") into dir, concurrently, and returns the binaries' paths in
// the same order.
func buildAll(t *testing.T, dir string, pkgs ...string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bins := make([]string, len(pkgs))
	errs := make([]error, len(pkgs))
	outs := make([][]byte, len(pkgs))
	gobin, root := goTool(t), repoRoot(t)
	var wg sync.WaitGroup
	for i, pkg := range pkgs {
		bins[i] = filepath.Join(dir, filepath.Base(pkg))
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.CommandContext(ctx, gobin, "build", "-o", bins[i], pkg)
			cmd.Dir = root
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", pkgs[i], err, outs[i])
		}
	}
	return bins
}

// freeAddr returns a loopback address nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// process is a started server, stopped by pid when the test ends.
type process struct {
	cmd  *exec.Cmd
	log  *os.File
	done chan error
}

// startServer runs bin with args in a temporary working directory (files the
// server writes relative to it stay there), waits until addr accepts connections, and
// registers its stop (SIGTERM, then SIGKILL after 5 s) with t.Cleanup.
func startServer(t *testing.T, bin, addr string, args ...string) *process {
	t.Helper()
	logf, err := os.Create(filepath.Join(t.TempDir(), filepath.Base(bin)+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, log: logf, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done
		}
		_ = logf.Close()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return p
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("%s exited before listening: %v\n%s", bin, err, p.logText())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not listening on %s after 15s\n%s", bin, addr, p.logText())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) logText() string {
	b, _ := os.ReadFile(p.log.Name())
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
