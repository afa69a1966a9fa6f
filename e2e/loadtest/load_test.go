package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callforge/callforge/e2e/load/loadrun"
)

const (
	testCalls       = 200
	testConcurrency = 20
)

// benchConfig is the standard benchmark call, as the load tool's defaults.
func benchConfig(addr string, pid int) loadrun.Config {
	return loadrun.Config{
		Addr: addr, Calls: testCalls, Concurrency: testConcurrency,
		Script: "bench-call", Digits: "1234#",
		ExpectApps: loadrun.BenchCallApps, ExpectSet: "bench_digits=1234",
		CallTimeout: 20 * time.Second, Timeout: 45 * time.Second,
		EnginePID: pid,
	}
}

// TestLoad builds callforge, the eslgo baseline and the load tool, starts the
// servers on free loopback ports and runs the standard benchmark call against
// each: every call must end right, and the report must add up.
func TestLoad(t *testing.T) {
	t.Parallel()
	bins := buildAll(t, t.TempDir(), "./cmd/callforge", "./e2e/baseline", "./e2e/load")
	callforge, baseline, loadCLI := bins[0], bins[1], bins[2]

	scripts := filepath.Join(repoRoot(t), "e2e", "scripts")
	startCallforge := func(t *testing.T) (string, *process) {
		addr := freeAddr(t)
		return addr, startServer(t, callforge, addr, "serve", "--listen", addr, "--scripts", scripts,
			"--default-script", "hello", "--log-level", "warn", "--data-dir", t.TempDir(),
			"--admin-listen", freeAddr(t), "--api-listen", "off")
	}
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) (string, *process)
		// commands per call: connect, myevents, the six sendmsg, and callforge's linger and exit.
		commandsPerCall float64
	}{
		{"callforge", startCallforge, 10},
		{"eslgo-baseline", func(t *testing.T) (string, *process) {
			addr := freeAddr(t)
			return addr, startServer(t, baseline, addr, "-listen", addr)
		}, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr, p := tc.start(t)
			rep, err := loadrun.Run(context.Background(), benchConfig(addr, p.pid()))
			if err != nil {
				t.Fatalf("load run: %v\n%s", err, p.logText())
			}
			checkReport(t, rep, p.pid(), tc.commandsPerCall)
			if t.Failed() {
				t.Logf("server log:\n%s", p.logText())
			}
		})
	}

	// The command itself, with -json, as scripts and CI would run it.
	t.Run("cli-json", func(t *testing.T) {
		t.Parallel()
		addr, p := startCallforge(t)
		ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
		defer cancel()
		var stdout, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, loadCLI, "-addr", addr, "-calls", "50", "-concurrency", "10",
			"-engine-pid", itoa(p.pid()), "-json")
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("load: %v\nstderr: %s\nstdout: %s", err, stderr.String(), stdout.String())
		}
		var rep loadrun.Report
		dec := json.NewDecoder(&stdout)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rep); err != nil {
			t.Fatalf("report is not JSON of a Report: %v", err)
		}
		if rep.Calls != 50 || rep.OK != 50 || rep.Failed != 0 || rep.Concurrency != 10 || rep.Script != "bench-call" {
			t.Errorf("report %+v", rep)
		}
		checkSane(t, rep, p.pid())
	})

	// A script the engine does not have: every call must be counted failed.
	t.Run("failures-counted", func(t *testing.T) {
		t.Parallel()
		addr, p := startCallforge(t)
		cfg := benchConfig(addr, 0)
		cfg.Calls, cfg.Script = 20, "no-such-script"
		rep, err := loadrun.Run(context.Background(), cfg)
		if err != nil {
			t.Fatalf("load run: %v\n%s", err, p.logText())
		}
		if rep.OK != 0 || rep.Failed != 20 {
			t.Fatalf("ok %d failed %d, want 0/20 (failures %v)", rep.OK, rep.Failed, rep.Failures)
		}
		for reason := range rep.Failures {
			if !strings.Contains(reason, "hang-up cause") && !strings.Contains(reason, "unexpected applications") {
				t.Errorf("failure reason %q", reason)
			}
		}
	})
}

func checkReport(t *testing.T, rep loadrun.Report, pid int, commandsPerCall float64) {
	t.Helper()
	if rep.OK != testCalls || rep.Failed != 0 || len(rep.Failures) != 0 {
		t.Errorf("ok %d failed %d (%v), want %d ok", rep.OK, rep.Failed, rep.Failures, testCalls)
	}
	if rep.Calls != testCalls || rep.Concurrency != testConcurrency {
		t.Errorf("calls %d concurrency %d", rep.Calls, rep.Concurrency)
	}
	if rep.CommandsPerCall != commandsPerCall || rep.Commands != int(commandsPerCall)*testCalls {
		t.Errorf("commands %d (%.2f per call), want %.0f per call", rep.Commands, rep.CommandsPerCall, commandsPerCall)
	}
	checkSane(t, rep, pid)
}

// checkSane checks what every good report has, whatever the speed.
func checkSane(t *testing.T, rep loadrun.Report, pid int) {
	t.Helper()
	if rep.WallSeconds <= 0 || rep.CallsPerSecond <= 0 {
		t.Errorf("wall %.3fs, %.1f calls/s", rep.WallSeconds, rep.CallsPerSecond)
	}
	// Every call has engine-added samples (each command sent while the channel
	// was idle: at least the six of the benchmark call).
	l := rep.EngineAdded
	if l.Count < 6*rep.OK || l.P50US <= 0 || l.P50US > l.P90US || l.P90US > l.P99US || l.P99US > l.MaxUS || l.MeanUS <= 0 {
		t.Errorf("engine-added %+v", l)
	}
	d := rep.CallDuration
	if d.Count != rep.Calls || d.P50US <= 0 || d.P50US > d.MaxUS {
		t.Errorf("call duration %+v", d)
	}
	e := rep.Engine
	if e == nil {
		t.Fatal("no engine usage with an engine pid")
	}
	if e.PID != pid || e.CPUSeconds < 0 || e.CPUMsPerCall < 0 || e.RSSBeforeKiB <= 0 || e.RSSAfterKiB <= 0 {
		t.Errorf("engine usage %+v", e)
	}
	if rep.LoadTool == nil || rep.LoadTool.RSSAfterKiB <= 0 {
		t.Errorf("load tool usage %+v", rep.LoadTool)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
