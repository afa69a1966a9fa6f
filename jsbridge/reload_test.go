package jsbridge_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/voice/fstest"
)

func versionScript(v string) string {
	return `async function main(data, ctx) {
	await ctx.answer();
	await ctx.set('v_start', '` + v + `');
	await ctx.play('user/prompt.wav');
	await ctx.set('v_end', '` + v + `');
}
`
}

// A script edited under a running engine in the middle of a load: no call fails,
// every call runs one version from start to end, calls placed before the edit run
// the old version and calls placed after the reload the new one.
func TestEditUnderLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "live.js")
	if err := os.WriteFile(path, []byte(versionScript("1")), 0o644); err != nil {
		t.Fatal(err)
	}
	var store *script.Store
	e := startEngineDir(t, dir, func(c *jsbridge.Config) { store = c.Scripts })
	ctx, cancel := context.WithCancel(context.Background())
	watched := make(chan error, 1)
	go func() { watched <- store.Watch(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-watched; err != nil {
			t.Errorf("watcher: %v", err)
		}
	})
	before, err := store.Get("live")
	if err != nil {
		t.Fatal(err)
	}

	type result struct {
		placed      time.Time
		start, end  string
		cause       string
		err         error
		afterEdit   bool
		afterReload bool
	}
	var (
		mu       sync.Mutex
		results  []result
		edited   time.Time
		reloaded time.Time
	)
	place := func() {
		mu.Lock()
		r := result{placed: time.Now(), afterEdit: !edited.IsZero(), afterReload: !reloaded.IsZero()}
		mu.Unlock()
		c, err := fstest.Dial(context.Background(), e.addr, fstest.CallConfig{Vars: map[string]string{"voice_script": "live"},
			Media: func(app, _ string) time.Duration {
				if app == "playback" {
					return 40 * time.Millisecond
				}
				return 0
			}})
		if err == nil {
			wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
			var res fstest.Result
			res, err = c.Wait(wctx)
			wcancel()
			r.cause = res.HangupCause
			r.start, _ = c.Var("v_start")
			r.end, _ = c.Var("v_end")
		}
		r.err = err
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
	}

	var wg sync.WaitGroup
	sem := make(chan struct{}, 20)
	for i := 0; i < 300; i++ {
		if i == 100 {
			if err := os.WriteFile(path, []byte(versionScript("2")), 0o644); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			edited = time.Now()
			mu.Unlock()
		}
		if i > 100 && reloaded.IsZero() {
			if s, err := store.Get("live"); err == nil && s.Version != before.Version {
				mu.Lock()
				reloaded = time.Now()
				mu.Unlock()
			}
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			place()
		}()
		time.Sleep(5 * time.Millisecond)
	}
	wg.Wait()
	if reloaded.IsZero() {
		t.Fatal("the edit was never picked up")
	}
	var old, fresh int
	for _, r := range results {
		if r.err != nil || r.cause != "NORMAL_CLEARING" || r.start == "" {
			t.Errorf("a call failed: err %v cause %q vars %q/%q", r.err, r.cause, r.start, r.end)
			continue
		}
		if r.start != r.end {
			t.Errorf("a call mixed versions: started on %s, ended on %s", r.start, r.end)
		}
		switch {
		case !r.afterEdit && r.start != "1":
			t.Errorf("a call placed before the edit ran version %s", r.start)
		case r.afterReload && r.start != "2":
			t.Errorf("a call placed after the reload ran version %s", r.start)
		}
		if r.start == "1" {
			old++
		} else {
			fresh++
		}
	}
	if old < 100 || fresh == 0 {
		t.Errorf("old version ran %d calls, new version %d", old, fresh)
	}
	// Each call's log names the version it ran.
	versions := map[string]bool{}
	for _, l := range e.logs.lines("") {
		if v, ok := l["version"].(string); ok && l["script"] == "live" {
			versions[v] = true
		}
	}
	if len(versions) != 2 || !versions[before.Version] {
		t.Errorf("call logs name versions %v, want the old %s and one new one", versions, before.Version)
	}
	t.Logf("%d calls: %d on the old version, %d on the new; reload %v after the edit",
		len(results), old, fresh, reloaded.Sub(edited).Round(time.Millisecond))
}
