package drain

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/callforge/callforge/e2e/enginetest"
	"github.com/callforge/callforge/voice/fstest"
)

const (
	drainTimeout = 5 * time.Second
	callMedia    = 2 * time.Second // the two-seconds script's prompt
	loadBefore   = 1500 * time.Millisecond
	loadAfter    = 1 * time.Second
	callEvery    = 40 * time.Millisecond
	// handshakeSlack: a connection dialled this long before SIGTERM may still be
	// in its handshake when the listener closes.
	handshakeSlack = 10 * time.Millisecond
)

// callOutcome is one simulated call of the load.
type callOutcome struct {
	script  string
	dialAt  time.Time
	dialErr error
	res     fstest.Result
	waitErr error
}

func media(app, arg string) time.Duration {
	if app != "playback" {
		return 0
	}
	if strings.Contains(arg, "long") {
		return time.Minute
	}
	return callMedia
}

func TestDrainOnSIGTERM(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bin := enginetest.Build(t)
	scripts, err := filepath.Abs("testdata/scripts")
	if err != nil {
		t.Fatal(err)
	}
	e := enginetest.Start(t, "callforge", bin, enginetest.FreeAddr(t), enginetest.FreeAddr(t),
		"--scripts", scripts, "--data-dir", t.TempDir(), "--drain-timeout", drainTimeout.String(), "--watch=false")
	if err := e.WaitReady(20 * time.Second); err != nil {
		t.Fatal(err)
	}

	var (
		mu       sync.Mutex
		outcomes []*callOutcome
		calls    sync.WaitGroup
	)
	place := func(script string) {
		o := &callOutcome{script: script, dialAt: time.Now()}
		mu.Lock()
		outcomes = append(outcomes, o)
		mu.Unlock()
		calls.Add(1)
		go func() {
			defer calls.Done()
			sim, err := fstest.Dial(ctx, e.Addr, fstest.CallConfig{Vars: map[string]string{"voice_script": script}, Media: media})
			if err != nil {
				o.dialErr = err
				return
			}
			o.res, o.waitErr = sim.Wait(ctx)
		}()
	}

	// Two calls that cannot finish within the deadline, then a steady load of
	// 2-second calls; SIGTERM comes in the middle of it.
	place("long")
	place("long")
	var sigAt time.Time
	tick := time.NewTicker(callEvery)
	began := time.Now()
	for time.Since(began) < loadBefore {
		<-tick.C
		place("two-seconds")
	}

	// From the signal on, /readyz is polled until the process is gone.
	type poll struct {
		at   time.Time
		code int
		err  error
	}
	var polls []poll
	pollDone := make(chan struct{})
	sigAt = time.Now()
	if err := e.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(pollDone)
		for {
			at := time.Now()
			code, err := e.Readyz()
			polls = append(polls, poll{at, code, err})
			select {
			case <-e.Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	for time.Since(sigAt) < loadAfter {
		<-tick.C
		place("two-seconds")
	}
	tick.Stop()

	code, err := e.Wait(drainTimeout + 10*time.Second)
	exitAt := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	calls.Wait()
	<-pollDone
	if code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if took := exitAt.Sub(sigAt); took < drainTimeout || took > drainTimeout+5*time.Second {
		t.Errorf("exited %v after SIGTERM, want the drain deadline (%v) and a little", took, drainTimeout)
	}

	// /readyz: 503 at once, never 200 again.
	var first503 time.Time
	for _, p := range polls {
		switch {
		case p.err == nil && p.code == http.StatusServiceUnavailable:
			if first503.IsZero() {
				first503 = p.at
			}
		case p.err == nil && p.code == http.StatusOK:
			if !first503.IsZero() || p.at.Sub(sigAt) > 50*time.Millisecond {
				t.Errorf("/readyz 200 %v after SIGTERM", p.at.Sub(sigAt))
			}
		case p.err == nil:
			t.Errorf("/readyz %d %v after SIGTERM", p.code, p.at.Sub(sigAt))
		}
	}
	if first503.IsZero() {
		t.Fatal("/readyz never answered 503 after SIGTERM")
	}
	t.Logf("/readyz 503 from %v after SIGTERM; %d polls", first503.Sub(sigAt), len(polls))

	var finished, refused, endedAtDeadline int
	for _, o := range outcomes {
		rel := o.dialAt.Sub(sigAt)
		switch {
		case o.dialErr != nil:
			// Never taken: FreeSWITCH's socket application sees its connect fail
			// and tries the fallback address. A handshake under way when the
			// listener closed is reset rather than refused.
			if !errors.Is(o.dialErr, syscall.ECONNREFUSED) && !errors.Is(o.dialErr, syscall.ECONNRESET) {
				t.Errorf("call dialled %v after SIGTERM failed with %v, want connection refused", rel, o.dialErr)
			}
			if o.dialAt.Before(sigAt.Add(-handshakeSlack)) {
				t.Errorf("call dialled %v before SIGTERM refused", -rel)
			}
			refused++
		case !first503.IsZero() && o.dialAt.After(first503):
			t.Errorf("call dialled %v after SIGTERM (after /readyz said 503) was taken", rel)
		case o.waitErr != nil:
			t.Errorf("%s call dialled at %v: %v", o.script, rel, o.waitErr)
		case o.script == "long":
			if o.res.HangupCause != "NORMAL_TEMPORARY_FAILURE" {
				t.Errorf("long call ended with %q, want the error cause NORMAL_TEMPORARY_FAILURE", o.res.HangupCause)
			}
			endedAtDeadline++
		default:
			if o.res.HangupCause != "NORMAL_CLEARING" || !ranApps(o.res, "answer", "playback") || !o.res.Closed {
				t.Errorf("call dialled at %v cut short: cause %q, commands %v", rel, o.res.HangupCause, appNames(o.res))
				continue
			}
			finished++
		}
	}
	t.Logf("calls: %d finished during the drain, %d refused after SIGTERM, %d ended at the deadline; exit %d after %v",
		finished, refused, endedAtDeadline, code, exitAt.Sub(sigAt))
	if finished < int(loadBefore/callEvery)-2 || refused < int(loadAfter/callEvery)/2 || endedAtDeadline != 2 {
		t.Errorf("load too small to show anything: finished %d, refused %d, ended at the deadline %d", finished, refused, endedAtDeadline)
	}
}

func ranApps(r fstest.Result, apps ...string) bool {
	got := appNames(r)
	i := 0
	for _, a := range got {
		if i < len(apps) && a == apps[i] {
			i++
		}
	}
	return i == len(apps)
}

func appNames(r fstest.Result) []string {
	var out []string
	for _, c := range r.Commands {
		if c.App != "" {
			out = append(out, c.App)
		}
	}
	return out
}

// A second signal during the drain exits at once, non-zero, closing the calls left.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	bin := enginetest.Build(t)
	scripts, err := filepath.Abs("testdata/scripts")
	if err != nil {
		t.Fatal(err)
	}
	e := enginetest.Start(t, "callforge", bin, enginetest.FreeAddr(t), enginetest.FreeAddr(t),
		"--scripts", scripts, "--data-dir", t.TempDir(), "--drain-timeout", "1m", "--watch=false")
	if err := e.WaitReady(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	sim, err := fstest.Dial(ctx, e.Addr, fstest.CallConfig{Vars: map[string]string{"voice_script": "long"}, Media: media})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.WaitApp(ctx, "playback"); err != nil {
		t.Fatal(err)
	}
	if err := e.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for {
		code, err := e.Readyz()
		if err == nil && code == http.StatusServiceUnavailable {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	second := time.Now()
	if err := e.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code, err := e.Wait(3 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if code == 0 {
		t.Errorf("exit code 0 after a second signal, want non-zero")
	}
	if err := sim.WaitClosed(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("exit %d %v after the second signal", code, time.Since(second).Round(time.Millisecond))
}
