package scripttest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// WriteTimeline prints the call as a readable timeline: virtual time, what the
// engine asked FreeSWITCH for, what came back (application results, digits, the
// hangup), and the script's log lines where they were written.
func (r *CallResult) WriteTimeline(w io.Writer) error {
	start := time.Time{}
	if len(r.Frames) > 0 {
		start = r.Frames[0].At
	}
	var b strings.Builder
	logs := r.Logs
	flushLogs := func(upto int) {
		for len(logs) > 0 && logs[0].frame <= upto {
			l := logs[0]
			logs = logs[1:]
			if !l.Script && l.Level != "error" && l.Level != "warn" {
				continue
			}
			who := "engine"
			if l.Script {
				who = "log"
			}
			line := fmt.Sprintf("%9s  %s %s: %s", fmtAt(l.At), who, l.Level, l.Message)
			if e, ok := l.Fields["error"].(string); ok && e != "" {
				line += ": " + e
			}
			if l.Pos != "" {
				line += "  (" + l.Pos + ")"
			}
			b.WriteString(line + "\n")
		}
	}
	for i, f := range r.Frames {
		flushLogs(i)
		at := fmtAt(f.At.Sub(start))
		if f.FromEngine {
			if line := engineLine(f.Data); line != "" {
				fmt.Fprintf(&b, "%9s  %s\n", at, line)
			}
			continue
		}
		if line := switchLine(f.Data); line != "" {
			fmt.Fprintf(&b, "%9s    %s\n", at, line)
		}
	}
	flushLogs(int(^uint(0) >> 1))
	cause := r.HangupCause
	if cause == "" {
		cause = "(channel not hung up)"
	}
	fmt.Fprintf(&b, "call %s ended after %s (simulated): %s, script outcome %s\n", r.Script, fmtAt(r.Duration), cause, orDash(r.Outcome))
	_, err := io.WriteString(w, b.String())
	return err
}

func fmtAt(d time.Duration) string { return fmt.Sprintf("%.3fs", d.Seconds()) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// engineLine describes a command from the engine ("" for the session's
// bookkeeping: connect, myevents, linger, exit).
func engineLine(data string) string {
	head, body, _ := strings.Cut(data, "\n\n")
	lines := strings.Split(head, "\n")
	first := lines[0]
	hdr := map[string]string{}
	for _, l := range lines[1:] {
		if k, v, ok := strings.Cut(l, ": "); ok {
			hdr[strings.ToLower(k)] = v
		}
	}
	switch {
	case first == "sendmsg" || strings.HasPrefix(first, "sendmsg "):
		switch hdr["call-command"] {
		case "execute":
			arg := hdr["execute-app-arg"]
			if arg == "" {
				arg = strings.TrimSpace(body)
			}
			return strings.TrimSpace("▶ " + hdr["execute-app-name"] + " " + arg)
		case "hangup":
			return "▶ hangup " + hdr["hangup-cause"]
		}
		return "▶ " + hdr["call-command"]
	case strings.HasPrefix(first, "api ") || strings.HasPrefix(first, "bgapi "):
		return "▶ " + first
	}
	return ""
}

// switchLine describes what FreeSWITCH (the simulator) told the engine that
// matters to a reader ("" for the rest).
func switchLine(data string) string {
	head, body, _ := strings.Cut(data, "\n\n")
	ct := ""
	for _, l := range strings.Split(head, "\n") {
		if k, v, ok := strings.Cut(l, ": "); ok && strings.EqualFold(k, "Content-Type") {
			ct = v
		}
	}
	switch ct {
	case "api/response":
		return "← " + strings.TrimSpace(body)
	case "text/event-json", "text/event-plain":
	default:
		return ""
	}
	ev := map[string]string{}
	if ct == "text/event-json" {
		var m map[string]any
		if json.Unmarshal([]byte(body), &m) != nil {
			return ""
		}
		for k, v := range m {
			if s, ok := v.(string); ok {
				ev[k] = s
			}
		}
	} else {
		for _, l := range strings.Split(body, "\n") {
			if k, v, ok := strings.Cut(l, ": "); ok {
				if u, err := url.QueryUnescape(v); err == nil {
					v = u
				}
				ev[k] = v
			}
		}
	}
	switch ev["Event-Name"] {
	case "CHANNEL_EXECUTE_COMPLETE":
		if ev["Application"] == "socket" {
			return ""
		}
		res := ev["Application-Response"]
		if res == "" || res == "_none_" {
			res = "done"
		}
		return "← " + ev["Application"] + ": " + res
	case "DTMF":
		return "← caller pressed " + ev["DTMF-Digit"]
	case "CHANNEL_ANSWER":
		return "← answered"
	case "CHANNEL_BRIDGE":
		return "← bridged to " + ev["Other-Leg-Destination-Number"]
	case "CHANNEL_UNBRIDGE":
		return "← bridge ended"
	case "CHANNEL_HANGUP":
		return "← channel hung up: " + ev["Hangup-Cause"]
	}
	return ""
}
