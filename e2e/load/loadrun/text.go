package loadrun

import (
	"fmt"
	"io"
	"sort"
)

// WriteText writes the report for humans.
func (r Report) WriteText(w io.Writer) error {
	mode := fmt.Sprintf("concurrency %d", r.Concurrency)
	if r.Rate > 0 {
		mode = fmt.Sprintf("rate %g/s (at most %d in flight)", r.Rate, r.Concurrency)
	}
	script := r.Script
	if script == "" {
		script = "(engine default)"
	}
	p := &printer{w: w}
	p.f("engine %s, script %s, %d calls, %s, media %gms\n", r.Addr, script, r.Calls, mode, r.MediaMS)
	p.f("calls:          %d ok, %d failed\n", r.OK, r.Failed)
	reasons := make([]string, 0, len(r.Failures))
	for k := range r.Failures {
		reasons = append(reasons, k)
	}
	sort.Strings(reasons)
	for _, k := range reasons {
		p.f("  %6d  %s\n", r.Failures[k], k)
	}
	p.f("wall time:      %.3f s\n", r.WallSeconds)
	p.f("calls/s:        %.1f\n", r.CallsPerSecond)
	p.f("commands/call:  %.2f (%d commands)\n", r.CommandsPerCall, r.Commands)
	l := r.EngineAdded
	p.f("engine-added time per command (%d samples): p50 %.0f µs, p90 %.0f µs, p99 %.0f µs, max %.0f µs, mean %.0f µs\n",
		l.Count, l.P50US, l.P90US, l.P99US, l.MaxUS, l.MeanUS)
	d := r.CallDuration
	p.f("call duration:  p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", d.P50US/1000, d.P99US/1000, d.MaxUS/1000)
	if u := r.Engine; u != nil {
		p.f("engine pid %d:  CPU %.2f s, %.3f ms/call, RSS %d KiB before, %d KiB after\n",
			u.PID, u.CPUSeconds, u.CPUMsPerCall, u.RSSBeforeKiB, u.RSSAfterKiB)
	}
	if u := r.LoadTool; u != nil {
		p.f("load tool:      CPU %.2f s, %.3f ms/call\n", u.CPUSeconds, u.CPUMsPerCall)
	}
	return p.err
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}
