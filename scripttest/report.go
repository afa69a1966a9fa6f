package scripttest

import (
	"fmt"
	"strings"
	"time"
)

// print writes one test's verdict line, and for a failure its explanation:
// each failed assertion (with its diff) and the verbs of each call it placed.
func (rn *runner) print(res TestResult) {
	var b strings.Builder
	name := res.File + " > " + res.Name
	switch res.Status {
	case Skipped, Todo:
		fmt.Fprintf(&b, "%-4s %s\n", res.Status, name)
	case Failed:
		if res.Took == 0 { // never started: a file that does not load, a cancelled run
			fmt.Fprintf(&b, "%-4s %s\n", res.Status, name)
			break
		}
		fmt.Fprintf(&b, "%-4s %s (%s%s)\n", res.Status, name, fmtTook(res.Took), simulated(res.Simulated))
	default:
		fmt.Fprintf(&b, "%-4s %s (%s%s)\n", res.Status, name, fmtTook(res.Took), simulated(res.Simulated))
	}
	if res.Status == Failed || rn.opts.Verbose {
		for _, l := range res.Logs {
			fmt.Fprintf(&b, "    log: %s\n", l)
		}
	}
	if res.Status == Failed {
		for _, f := range res.Failures {
			b.WriteString(indent(strings.Split(f, "\n"), "    ") + "\n")
		}
	}
	if res.Status == Failed || rn.opts.Verbose {
		for i, c := range res.Calls {
			writeCall(&b, i+1, c)
		}
	}
	rn.outMu.Lock()
	defer rn.outMu.Unlock()
	fmt.Fprint(rn.opts.Out, b.String())
}

// writeCall lists what one call did: verbs with their virtual time, script log
// lines and engine errors.
func writeCall(b *strings.Builder, n int, c *CallResult) {
	cause := c.HangupCause
	if cause == "" {
		cause = "not hung up"
	}
	fmt.Fprintf(b, "    call %d to %s: %s, outcome %s, %s simulated\n", n, c.Script, cause, orDash(c.Outcome), fmtAt(c.Duration))
	for _, v := range c.Verbs {
		fmt.Fprintf(b, "      %9s  %s\n", fmtAt(v.At), strings.Join(v.Slice(), " "))
	}
	for _, l := range c.Logs {
		if l.Script {
			fmt.Fprintf(b, "      log %s: %s\n", l.Level, l.Message)
		}
	}
	for _, e := range c.Errors() {
		fmt.Fprintf(b, "      engine error: %s\n", e)
	}
}

func fmtTook(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

func simulated(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return ", " + fmtAt(d) + " simulated"
}

// summary writes the closing line: "N passed, N failed[, N skipped][, N todo] (took)".
func (rn *runner) summary(rep *Report) {
	s := fmt.Sprintf("\n%d passed, %d failed", rep.Passed, rep.Failed)
	if rep.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", rep.Skipped)
	}
	if rep.Todo > 0 {
		s += fmt.Sprintf(", %d todo", rep.Todo)
	}
	s += fmt.Sprintf(" (%d files, %s)\n", rep.Files, fmtTook(rep.Took))
	rn.outMu.Lock()
	defer rn.outMu.Unlock()
	fmt.Fprint(rn.opts.Out, s)
}
