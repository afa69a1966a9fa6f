package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callforge/callforge/e2e/enginetest"
)

// The park tool against a real engine binary, on a small scale: every call parks,
// every call then ends cleanly (exit received) and the engine's goroutines come
// back to where they started. It asserts no memory figure: those are measured by
// running the tool (docs/performance.md).
func TestParkCallsAndHangThemUp(t *testing.T) {
	t.Parallel()
	bin := enginetest.Build(t)
	scripts, err := filepath.Abs(filepath.Join(enginetest.RepoRoot(t), "e2e", "scripts"))
	if err != nil {
		t.Fatal(err)
	}
	e := enginetest.Start(t, "callforge", bin, enginetest.FreeAddr(t), enginetest.FreeAddr(t),
		"--scripts", scripts, "--default-script", "park", "--data-dir", t.TempDir(), "--watch=false")
	if err := e.WaitReady(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(t.TempDir(), "heap.pb.gz")
	if err := run(e.Addr, "http://"+e.AdminAddr, e.Pid(), 300, 50, "park", 2*time.Minute, profile); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(profile); err != nil || st.Size() == 0 {
		t.Fatalf("heap profile of the parked engine: %v", err)
	}
}
