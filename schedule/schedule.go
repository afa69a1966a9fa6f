package schedule

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/script"
)

// ErrBadEntry is wrapped by a schedule entry that cannot be used.
var ErrBadEntry = errors.New("bad schedule entry")

// Sources of an Entry.
const (
	SourceHeader = "header" // the script's // @cron comment
	SourceConfig = "config" // --cron NAME=SPEC
)

// Entry is one scheduled App.
type Entry struct {
	Script string // script name as the store knows it
	Spec   string // standard 5-field cron expression or a descriptor (@hourly, @every 1m)
	Source string
}

// Runner runs a script outside a call (*jsbridge.Engine).
type Runner interface {
	RunJob(ctx context.Context, j jsbridge.Job) (jsbridge.JobResult, error)
}

// Scripts is the part of *script.Store the scheduler uses.
type Scripts interface {
	Files() []script.FileStatus
	Get(name string) (*script.Script, error)
}

// Options configures a Scheduler.
type Options struct {
	Runner  Runner
	Scripts Scripts
	// Config entries win over a header entry of the same script.
	Config   []Entry
	Budget   time.Duration  // time budget of one run (default jsbridge.DefaultJobBudget)
	Rescan   time.Duration  // how often script headers are re-read (default 30s)
	Location *time.Location // time zone of the cron expressions (default Local)
	Logger   zerolog.Logger
}

// ParseConfigEntry parses "NAME=SPEC" (the --cron flag).
func ParseConfigEntry(s string) (Entry, error) {
	name, spec, ok := strings.Cut(s, "=")
	name, spec = strings.TrimSpace(name), strings.TrimSpace(spec)
	if !ok || name == "" || spec == "" {
		return Entry{}, fmt.Errorf("%w: %q: want NAME=CRON-SPEC", ErrBadEntry, s)
	}
	if _, err := cron.ParseStandard(spec); err != nil {
		return Entry{}, fmt.Errorf("%w: %s: %w", ErrBadEntry, name, err)
	}
	return Entry{Script: name, Spec: spec, Source: SourceConfig}, nil
}

// HeaderSpec returns the cron expression of a script's leading comment block
// (a line holding "@cron SPEC"), if it has one.
func HeaderSpec(src io.Reader) (string, bool) {
	sc := bufio.NewScanner(io.LimitReader(src, 16<<10))
	inBlock := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		isComment := inBlock || strings.HasPrefix(line, "//") || strings.HasPrefix(line, "/*")
		switch {
		case line == "" || strings.HasPrefix(line, "#!") || line == `'use strict';` || line == `"use strict";`:
			continue
		case !isComment:
			return "", false
		}
		if strings.HasPrefix(line, "/*") {
			inBlock = true
		}
		if i := strings.Index(line, "@cron"); i >= 0 {
			spec := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line[i+len("@cron"):]), "*/"))
			return spec, spec != ""
		}
		if inBlock && strings.HasSuffix(line, "*/") {
			inBlock = false
		}
	}
	return "", false
}

// Scheduler runs scheduled Apps. Create it with New, then Start and Stop.
type Scheduler struct {
	opts Options
	log  zerolog.Logger
	cron *cron.Cron

	runCtx    context.Context
	cancelRun context.CancelFunc

	mu      sync.Mutex
	entries map[string]*scheduled // by script name

	stopRescan chan struct{}
	rescanDone chan struct{}
	started    bool

	ran, skipped atomic.Int64
}

type scheduled struct {
	Entry
	id      cron.EntryID
	running atomic.Bool
}

// New returns a Scheduler for opts; call Sync (or Start) to read the entries.
func New(opts Options) (*Scheduler, error) {
	if opts.Runner == nil || opts.Scripts == nil {
		return nil, fmt.Errorf("%w: a runner and a script store are required", ErrBadEntry)
	}
	if opts.Budget <= 0 {
		opts.Budget = jsbridge.DefaultJobBudget
	}
	if opts.Rescan <= 0 {
		opts.Rescan = 30 * time.Second
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	for _, e := range opts.Config {
		if _, err := cron.ParseStandard(e.Spec); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrBadEntry, e.Script, err)
		}
	}
	log := opts.Logger.With().Str("component", "schedule").Logger()
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		opts: opts, log: log, runCtx: ctx, cancelRun: cancel, entries: map[string]*scheduled{},
		cron:       cron.New(cron.WithLocation(opts.Location), cron.WithLogger(cronLogger{log})),
		stopRescan: make(chan struct{}), rescanDone: make(chan struct{}),
	}, nil
}

// Entries returns the entries in force, sorted by script.
func (s *Scheduler) Entries() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Entry, 0, len(s.entries))
	for _, e := range s.entries {
		out = append(out, e.Entry)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Script < out[j].Script })
	return out
}

// Counts returns how many scheduled runs ran and how many were skipped because
// the previous run of the same App was still going.
func (s *Scheduler) Counts() (ran, skipped int64) { return s.ran.Load(), s.skipped.Load() }

// Sync re-reads the scripts' headers and brings the schedule in line with them
// and the config entries.
func (s *Scheduler) Sync() {
	want := map[string]Entry{}
	for _, f := range s.opts.Scripts.Files() {
		if f.Script == nil {
			continue
		}
		spec, ok := headerOf(f.Script.Path)
		if !ok {
			continue
		}
		if _, err := cron.ParseStandard(spec); err != nil {
			s.log.Error().Err(err).Str("script", f.Name).Str("spec", spec).Msg("@cron header is not a cron expression: not scheduled")
			continue
		}
		want[f.Name] = Entry{Script: f.Name, Spec: spec, Source: SourceHeader}
	}
	for _, e := range s.opts.Config {
		if sc, err := s.opts.Scripts.Get(e.Script); err == nil {
			delete(want, sc.Name) // the config entry replaces the header's
		}
		want[e.Script] = e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, cur := range s.entries {
		if w, ok := want[name]; !ok || w.Spec != cur.Spec {
			s.cron.Remove(cur.id)
			delete(s.entries, name)
			s.log.Info().Str("script", name).Str("spec", cur.Spec).Msg("schedule removed")
		}
	}
	for name, w := range want {
		if _, ok := s.entries[name]; ok {
			continue
		}
		e := &scheduled{Entry: w}
		id, err := s.cron.AddFunc(w.Spec, func() { s.fire(e) })
		if err != nil {
			s.log.Error().Err(err).Str("script", name).Msg("cannot schedule")
			continue
		}
		e.id = id
		s.entries[name] = e
		s.log.Info().Str("script", name).Str("spec", w.Spec).Str("source", w.Source).Msg("app scheduled")
	}
}

// headerOf reads the @cron spec of the script file at path.
func headerOf(path string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	return HeaderSpec(f)
}

// fire runs e once, unless its previous run is still going.
func (s *Scheduler) fire(e *scheduled) {
	log := s.log.With().Str("script", e.Script).Str("spec", e.Spec).Logger()
	if !e.running.CompareAndSwap(false, true) {
		s.skipped.Add(1)
		log.Warn().Msg("scheduled run skipped: the previous run is still going")
		return
	}
	defer e.running.Store(false)
	s.ran.Add(1)
	sc, err := s.opts.Scripts.Get(e.Script)
	if err != nil {
		log.Error().Err(err).Msg("scheduled app cannot run")
		return
	}
	now := time.Now()
	arg, _ := json.Marshal(map[string]any{"scheduled": true, "schedule": e.Spec, "time": now.UTC().Format(time.RFC3339)})
	res, err := s.opts.Runner.RunJob(s.runCtx, jsbridge.Job{Script: sc, Arg: json.RawMessage(arg), Budget: s.opts.Budget,
		Kind: "app", Logger: &log})
	if err != nil {
		ev := log.Error().Err(err)
		var se *jsbridge.ScriptError
		if errors.As(err, &se) {
			ev = ev.Str("at", jsbridge.ScriptErrorPos(se))
		}
		ev.Msg("scheduled app failed")
		return
	}
	log.Info().Dur("took", res.Took).RawJSON("result", clipJSON(res.Value)).Msg("scheduled app ran")
}

func clipJSON(b []byte) []byte {
	if len(b) <= 512 {
		return b
	}
	out, _ := json.Marshal(string(b[:512]) + "...")
	return out
}

// Start reads the entries and starts the schedule, and a goroutine that re-reads
// the script headers every Options.Rescan.
func (s *Scheduler) Start() {
	s.Sync()
	s.mu.Lock()
	s.started = true
	s.mu.Unlock()
	s.cron.Start()
	go func() {
		defer close(s.rescanDone)
		t := time.NewTicker(s.opts.Rescan)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				s.Sync()
			case <-s.stopRescan:
				return
			}
		}
	}()
}

// Stop stops scheduling and waits for the runs in flight; when ctx ends first
// they are cancelled (and still waited for: their budget bounds them).
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	started := s.started
	s.started = false
	s.mu.Unlock()
	if !started {
		s.cancelRun()
		return nil
	}
	close(s.stopRescan)
	<-s.rescanDone
	done := s.cron.Stop()
	var err error
	select {
	case <-done.Done():
	case <-ctx.Done():
		err = ctx.Err()
		s.cancelRun()
		<-done.Done()
	}
	s.cancelRun()
	return err
}

// cronLogger sends robfig/cron's log lines to zerolog.
type cronLogger struct{ log zerolog.Logger }

func (l cronLogger) Info(msg string, kv ...any) {
	l.log.Debug().Fields(kvFields(kv)).Msg("cron: " + msg)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error().Err(err).Fields(kvFields(kv)).Msg("cron: " + msg)
}

func kvFields(kv []any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return m
}
