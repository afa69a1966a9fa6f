package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callforge/callforge/voice/fstest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8084", "engine's ESL address")
	admin := flag.String("admin", "http://127.0.0.1:9090", "engine's admin listener (for go_goroutines and heap)")
	pid := flag.Int("engine-pid", 0, "engine's pid (for RSS)")
	calls := flag.Int("calls", 20000, "calls to park")
	dialers := flag.Int("dialers", 200, "calls being set up at once")
	script := flag.String("script", "park", "voice_script of the calls")
	timeout := flag.Duration("timeout", 5*time.Minute, "bound of the whole run")
	heapProfile := flag.String("heap-profile", "", "write the engine's heap profile (inuse_space) taken while the calls are parked to this file")
	flag.Parse()
	if err := run(*addr, *admin, *pid, *calls, *dialers, *script, *timeout, *heapProfile); err != nil {
		fmt.Fprintln(os.Stderr, "park:", err)
		os.Exit(1)
	}
}

type sample struct {
	rssKiB     int64
	goroutines int64
	heapBytes  int64
	stackBytes int64
}

func (s sample) String() string {
	return fmt.Sprintf("RSS %d KiB, heap in use %d KiB, stacks %d KiB, goroutines %d", s.rssKiB, s.heapBytes>>10,
		s.stackBytes>>10, s.goroutines)
}

// collect makes the engine run garbage collections (its admin listener's
// /debug/pprof/heap?gc=1) and waits for the runtime to hand freed pages back, so
// that RSS shows what the calls hold rather than garbage nobody has collected yet.
func collect(admin string) error {
	// A few cycles: each GC also halves goroutine stacks that use under a quarter
	// of their size, as a long-running engine's periodic GCs would.
	for i := 0; i < 4; i++ {
		resp, err := http.Get(admin + "/debug/pprof/heap?gc=1")
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	time.Sleep(3 * time.Second)
	return nil
}

func measure(admin string, pid int) (sample, error) {
	if err := collect(admin); err != nil {
		return sample{}, err
	}
	var s sample
	if pid > 0 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return s, err
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				s.rssKiB, _ = strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			}
		}
	}
	resp, err := http.Get(admin + "/metrics")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 16<<20))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "go_goroutines":
			s.goroutines = int64(v)
		case "go_memstats_heap_inuse_bytes":
			s.heapBytes = int64(v)
		case "go_memstats_stack_inuse_bytes":
			s.stackBytes = int64(v)
		}
	}
	return s, sc.Err()
}

func run(addr, admin string, pid, n, dialers int, script string, timeout time.Duration, heapProfile string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	base, err := measure(admin, pid)
	if err != nil {
		return err
	}
	fmt.Printf("before:  %v\n", base)

	cfg := fstest.CallConfig{Vars: map[string]string{"voice_script": script},
		Media: func(app, _ string) time.Duration {
			if app == "sleep" {
				return time.Hour // parked until hung up
			}
			return 0
		}}
	parked := make([]*fstest.Call, 0, n)
	var mu sync.Mutex
	var failed atomic.Int64
	sem := make(chan struct{}, dialers)
	var wg sync.WaitGroup
	began := time.Now()
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := fstest.Dial(ctx, addr, cfg)
			if err == nil {
				err = c.WaitApp(ctx, "sleep")
			}
			if err != nil {
				failed.Add(1)
				return
			}
			mu.Lock()
			parked = append(parked, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		return fmt.Errorf("%d calls could not be parked", failed.Load())
	}
	time.Sleep(2 * time.Second) // let the engine settle
	full, err := measure(admin, pid)
	if err != nil {
		return err
	}
	fmt.Printf("parked:  %v (%d calls parked in %v)\n", full, len(parked), time.Since(began).Round(time.Millisecond))
	fmt.Printf("per call: RSS %.1f KiB, heap %.1f KiB, stacks %.1f KiB, goroutines %.2f\n",
		float64(full.rssKiB-base.rssKiB)/float64(n), float64(full.heapBytes-base.heapBytes)/1024/float64(n),
		float64(full.stackBytes-base.stackBytes)/1024/float64(n), float64(full.goroutines-base.goroutines)/float64(n))
	if heapProfile != "" {
		if err := saveHeapProfile(admin, heapProfile); err != nil {
			return err
		}
	}

	for _, c := range parked {
		c.HangupNow("NORMAL_CLEARING")
	}
	var bad atomic.Int64
	for _, c := range parked {
		wg.Add(1)
		go func(c *fstest.Call) {
			defer wg.Done()
			if res, err := c.Wait(ctx); err != nil || !res.ExitReceived {
				bad.Add(1)
			}
		}(c)
	}
	wg.Wait()
	if bad.Load() > 0 {
		return fmt.Errorf("%d calls did not end cleanly", bad.Load())
	}
	// The engine lets go of a call a moment after its socket closes.
	var after sample
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		if after, err = measure(admin, pid); err != nil {
			return err
		}
		if after.goroutines <= base.goroutines+2 {
			break
		}
	}
	if after.goroutines > base.goroutines+2 {
		fmt.Printf("after:   %v\n", after)
		return fmt.Errorf("goroutines did not come back: %d before, %d after", base.goroutines, after.goroutines)
	}
	fmt.Printf("after:   %v (at once)\n", after)
	// Go's scavenger hands the freed pages back to the system over the next seconds:
	// wait until the resident memory stops falling (at most a minute).
	for deadline := time.Now().Add(60 * time.Second); pid > 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Second)
		next, err := measure(admin, pid)
		if err != nil {
			return err
		}
		settled := next.rssKiB >= after.rssKiB-after.rssKiB/100
		after = next
		if settled {
			break
		}
	}
	fmt.Printf("after:   %v (settled)\n", after)
	fmt.Printf("left:    RSS %+d KiB, heap %+d KiB, goroutines %+d\n", after.rssKiB-base.rssKiB,
		(after.heapBytes-base.heapBytes)>>10, after.goroutines-base.goroutines)
	return nil
}

// saveHeapProfile writes the engine's current heap profile to path; read it with
// `go tool pprof -sample_index=inuse_space`.
func saveHeapProfile(admin, path string) error {
	resp, err := http.Get(admin + "/debug/pprof/heap?gc=1")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("heap profile: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
