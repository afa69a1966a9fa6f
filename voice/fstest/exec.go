package fstest

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// wake reasons of wait.
type reason int

const (
	rTimeout reason = iota
	rHangup         // the channel must hang up (caller, sendmsg hangup, HangupOn)
	rBreak          // uuid_break
	rDTMF           // digits are waiting
	rStop           // StopApp
	rEnd            // the socket is gone (exit, engine closed, ctx): stop at once
)

const (
	wDTMF  = 1 << iota // wake on digits (else they are emitted as DTMF events and the wait goes on)
	wBreak             // wake on uuid_break
	wStop              // wake on StopApp
	wHold              // leave pressed digits for the app (play_and_get_digits' invalid prompt)
)

// runner is the channel goroutine's state.
type runner struct {
	c        *Call
	eb       eventBuf
	xs       []kv
	hangupAt time.Time // from HangupOn, zero if none
	hangupBy string
}

// run is the channel goroutine: it waits for connect, then runs the queued
// applications one at a time, and the hangup sequence, until the call ends.
func (c *Call) run() {
	r := &runner{c: c}
	defer func() {
		_ = c.nc.Close()
		<-c.readerDone
		c.mu.Lock()
		c.closed = true
		c.closedAt = c.clock.Now()
		c.notifyLocked()
		c.mu.Unlock()
		c.cancel()
		close(c.done)
	}()
	if !r.waitConnect() {
		return
	}
	for {
		c.mu.Lock()
		switch {
		case c.peerClosed || c.exitReq || c.ctx.Err() != nil:
			c.mu.Unlock()
			return
		case c.hangupSet && !c.st.down:
			cause := c.hangupReq
			c.mu.Unlock()
			if r.hangup(cause, nil) {
				r.afterHangup()
			}
			return
		case len(c.dtmf) > 0:
			c.mu.Unlock()
			r.flushDTMF()
			continue
		case len(c.queue) > 0 && !c.st.down:
			req := c.queue[0]
			c.queue = c.queue[1:]
			unknown := c.unknown[req.app]
			c.mu.Unlock()
			if unknown {
				// fact 8: +OK was sent, no EXECUTE/COMPLETE, the channel is hung up.
				c.mu.Lock()
				c.hangupSet, c.hangupReq = true, "DESTINATION_OUT_OF_ORDER"
				c.mu.Unlock()
				continue
			}
			if !r.runApp(req) {
				return
			}
			continue
		}
		c.breakReq, c.stopReq = false, false // nothing to interrupt
		c.mu.Unlock()
		select {
		case <-c.wake:
		case <-c.ctx.Done():
		}
	}
}

// waitConnect waits for the engine's connect; after ConnectTimeout it behaves like
// FreeSWITCH (trace 10): disconnect notice, close.
func (r *runner) waitConnect() bool {
	c := r.c
	t := c.clock.NewTimer(c.cfg.ConnectTimeout)
	defer t.Stop()
	for {
		c.mu.Lock()
		ok, gone := c.connected, c.peerClosed
		c.mu.Unlock()
		if ok {
			return true
		}
		if gone {
			return false
		}
		select {
		case <-c.wake:
		case <-c.ctx.Done():
			return false
		case <-t.C():
			c.mu.Lock()
			c.timedOut = true
			c.mu.Unlock()
			c.disconnectNotice()
			return false
		}
	}
}

// wait waits until d passes (d < 0: forever) or something in mask (hangup and the
// end of the socket always) happens. Digits that arrive while mask lacks wDTMF are
// sent as DTMF events at once.
func (r *runner) wait(d time.Duration, mask int) reason {
	c := r.c
	var deadline time.Time
	if d >= 0 {
		deadline = c.clock.Now().Add(d)
	}
	for {
		now := c.clock.Now()
		if !r.hangupAt.IsZero() && !now.Before(r.hangupAt) {
			c.mu.Lock()
			if !c.hangupSet {
				c.hangupSet, c.hangupReq = true, r.hangupBy
			}
			c.mu.Unlock()
			r.hangupAt = time.Time{}
		}
		c.mu.Lock()
		var why reason = -1
		switch {
		case c.peerClosed || c.exitReq || c.ctx.Err() != nil:
			why = rEnd
		case c.hangupSet:
			why = rHangup
		case mask&wBreak != 0 && c.breakReq:
			c.breakReq = false
			why = rBreak
		case mask&wStop != 0 && c.stopReq:
			c.stopReq = false
			why = rStop
		case len(c.dtmf) > 0 && mask&wDTMF != 0:
			why = rDTMF
		}
		pendingDigits := len(c.dtmf) > 0
		c.mu.Unlock()
		if why >= 0 {
			return why
		}
		if pendingDigits && mask&(wDTMF|wHold) == 0 {
			r.flushDTMF()
			continue
		}
		if d >= 0 && !now.Before(deadline) {
			return rTimeout
		}
		next := deadline
		if !r.hangupAt.IsZero() && (next.IsZero() || r.hangupAt.Before(next)) {
			next = r.hangupAt
		}
		var tc <-chan time.Time
		var t Timer
		if !next.IsZero() {
			t = c.clock.NewTimer(next.Sub(now))
			tc = t.C()
		}
		select {
		case <-c.wake:
		case <-tc:
		case <-c.ctx.Done():
		}
		if t != nil {
			t.Stop()
		}
	}
}

// takeDigit removes the next pressed digit, if any.
func (r *runner) takeDigit() (byte, bool) {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.dtmf) == 0 {
		return 0, false
	}
	d := c.dtmf[0]
	c.dtmf = c.dtmf[1:]
	if c.st.blocked {
		return 0, false
	}
	return d, true
}

// flushDTMF sends every pressed digit as a DTMF event (digits blocked by block_dtmf
// are dropped).
func (r *runner) flushDTMF() {
	for {
		c := r.c
		c.mu.Lock()
		n := len(c.dtmf)
		c.mu.Unlock()
		if n == 0 {
			return
		}
		if d, ok := r.takeDigit(); ok {
			r.dtmfEvent(d)
		}
	}
}

func (r *runner) dtmfEvent(d byte) {
	r.emit("DTMF", false, false, kv{"DTMF-Digit", string(d)}, kv{"DTMF-Duration", "2000"}, kv{"DTMF-Source", "RTP"})
}

// emit sends a channel event carrying extra headers after the channel's.
func (r *runner) emit(name string, vars, completes bool, extra ...kv) {
	r.xs = append(r.xs[:0], extra...)
	r.c.emitWith(&r.eb, name, &eventOpts{vars: vars, extra: r.xs}, completes, false)
}

func (r *runner) media(app, arg string) time.Duration {
	if r.c.cfg.Media == nil {
		return 0
	}
	return r.c.cfg.Media(app, arg)
}

func (r *runner) setVar(name, value string) {
	r.c.mu.Lock()
	r.c.st.setVar(name, value)
	r.c.mu.Unlock()
}

func (r *runner) unsetVar(name string) {
	r.c.mu.Lock()
	r.c.st.unsetVar(name)
	r.c.mu.Unlock()
}

// appRun is an application in progress.
type appRun struct {
	app, arg, uuid string
	response       string
}

func (a *appRun) headers(withResponse bool) []kv {
	h := make([]kv, 0, 4)
	h = append(h, kv{"Application", a.app})
	if a.arg != "" {
		h = append(h, kv{"Application-Data", a.arg})
	}
	if withResponse {
		h = append(h, kv{"Application-Response", a.response})
	}
	return append(h, kv{"Application-UUID", a.uuid})
}

// runApp runs one sendmsg execute (all its loops). It returns false when the call
// is over.
func (r *runner) runApp(req *appReq) bool {
	c := r.c
	for loop := 1; loop <= req.loops; loop++ {
		a := &appRun{app: req.app, arg: req.arg, uuid: req.uuid, response: "_none_"}
		c.mu.Lock()
		c.breakReq, c.stopReq = false, false
		c.st.running = a.app
		for i, p := range c.pressOn {
			if p.app == a.app {
				c.dtmf = append(c.dtmf, p.digits...)
				c.pressOn = append(c.pressOn[:i:i], c.pressOn[i+1:]...)
				break
			}
		}
		for i, h := range c.hangupOn {
			if h.app == a.app {
				r.hangupAt, r.hangupBy = c.clock.Now().Add(h.after), h.cause
				c.hangupOn = append(c.hangupOn[:i:i], c.hangupOn[i+1:]...)
				break
			}
		}
		c.st.unsetVar("current_application_response")
		c.st.setVar("current_loop", strconv.Itoa(loop))
		c.st.setVar("total_loops", strconv.Itoa(req.loops))
		if a.arg != "" {
			c.st.setVar("current_application_data", a.arg)
		} else {
			c.st.unsetVar("current_application_data")
		}
		c.st.setVar("current_application", a.app)
		c.started[a.app]++
		c.notifyLocked()
		c.mu.Unlock()

		r.emit("CHANNEL_EXECUTE", true, false, a.headers(false)...)
		why := r.body(a)
		r.hangupAt = time.Time{}
		c.mu.Lock()
		c.st.running = ""
		c.st.lastResponse = a.response
		c.mu.Unlock()
		switch why {
		case rEnd:
			return false
		case rHangup:
			c.mu.Lock()
			cause := c.hangupReq
			c.mu.Unlock()
			if r.hangup(cause, a) {
				r.afterHangup()
			}
			return false
		}
		if a.response != "_none_" {
			r.setVar("current_application_response", a.response)
		}
		r.emit("CHANNEL_EXECUTE_COMPLETE", true, loop == req.loops, a.headers(true)...)
		if a.app == "transfer" {
			r.transferred()
		}
	}
	return true
}

// body runs what an application does between CHANNEL_EXECUTE and its completion.
// It returns rHangup when the channel must hang up with the app still running,
// rEnd when the socket is gone, else rTimeout (normal completion).
func (r *runner) body(a *appRun) reason {
	c := r.c
	switch a.app {
	case "answer":
		if !r.answered() {
			r.markAnswered()
		}
		return rTimeout
	case "pre_answer":
		c.mu.Lock()
		already := c.st.answer != "ringing"
		if !already {
			c.st.answer, c.st.callState = "early", "EARLY"
			c.st.progressMediaAt = c.clock.Now().UnixMicro()
		}
		c.mu.Unlock()
		if !already {
			r.emit("CHANNEL_PROGRESS_MEDIA", true, false)
		}
		return rTimeout
	case "playback":
		c.mu.Lock()
		missing := c.missing[a.arg]
		c.mu.Unlock()
		if missing {
			a.response = "FILE NOT FOUND"
			return rTimeout
		}
		start := c.clock.Now()
		why := r.wait(r.media(a.app, a.arg), wBreak)
		ms := c.clock.Now().Sub(start).Milliseconds()
		r.setVar("playback_seconds", strconv.FormatInt(ms/1000, 10))
		r.setVar("playback_ms", strconv.FormatInt(ms, 10))
		switch why {
		case rHangup:
			a.response = "PLAYBACK ERROR"
			return why
		case rEnd:
			return why
		}
		a.response = "FILE PLAYED" // also when broken by uuid_break (fact 11)
		return rTimeout
	case "speak", "say", "sleep", "gentones", "playback_terminators":
		return r.finish(r.wait(r.media(a.app, a.arg), wBreak))
	case "set", "export":
		name, value, _ := strings.Cut(a.arg, "=")
		if value == "" {
			r.unsetVar(name)
		} else {
			r.setVar(name, value)
		}
		return rTimeout
	case "unset":
		r.unsetVar(a.arg)
		return rTimeout
	case "play_and_get_digits":
		return r.playAndGetDigits(a)
	case "bridge":
		return r.bridge(a)
	case "transfer":
		return rTimeout // completes; run() sends the socket app's end (fact 9)
	case "echo", "delay_echo", "conference", "park":
		d := r.media(a.app, a.arg)
		if d == 0 {
			d = -1 // until hangup or StopApp
		}
		return r.finish(r.wait(d, wStop))
	case "record_session", "stop_record_session":
		return rTimeout
	case "record":
		return r.record(a)
	case "block_dtmf", "unblock_dtmf":
		c.mu.Lock()
		c.st.blocked = a.app == "block_dtmf"
		c.mu.Unlock()
		return rTimeout
	case "hangup":
		cause := strings.TrimSpace(a.arg)
		c.mu.Lock()
		if !c.hangupSet {
			c.hangupSet, c.hangupReq = true, orStr(cause, "NORMAL_CLEARING")
		}
		c.mu.Unlock()
		return rHangup
	}
	return r.finish(r.wait(r.media(a.app, a.arg), wBreak))
}

func (r *runner) finish(why reason) reason {
	if why == rHangup || why == rEnd {
		return why
	}
	return rTimeout
}

func (r *runner) answered() bool {
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	return r.c.st.answered
}

// markAnswered sends CHANNEL_ANSWER (Call-State still RINGING in it, as FreeSWITCH).
func (r *runner) markAnswered() {
	c := r.c
	c.mu.Lock()
	c.st.answered = true
	c.st.answer = "answered"
	c.st.answeredAt = c.clock.Now().UnixMicro()
	c.st.setVar("endpoint_disposition", "ANSWER")
	c.mu.Unlock()
	r.emit("CHANNEL_ANSWER", true, false)
	c.mu.Lock()
	c.st.callState = "ACTIVE"
	c.mu.Unlock()
}

// playAndGetDigits: min max tries timeout_ms terminators file invalid_file var
// regexp [digit_timeout] [transfer_on_failure] (fact 4).
func (r *runner) playAndGetDigits(a *appRun) reason {
	f := strings.Fields(a.arg)
	arg := func(i int, def string) string {
		if i < len(f) {
			return f[i]
		}
		return def
	}
	minD, _ := strconv.Atoi(arg(0, "1"))
	maxD, _ := strconv.Atoi(arg(1, "1"))
	tries, _ := strconv.Atoi(arg(2, "1"))
	terms := arg(4, "#")
	file, invalidFile := arg(5, ""), arg(6, "")
	varName := arg(7, "")
	re, err := regexp.Compile(arg(8, ".*"))
	if err != nil {
		re = regexp.MustCompile(".*")
	}
	if maxD < 1 {
		maxD = 1
	}
	tries = max(tries, 1)
	if varName != "" {
		r.unsetVar(varName)
	}
	r.unsetVar(varName + "_invalid")
	c := r.c
	for try := 1; try <= tries; try++ {
		if why := r.prompt(file, true); why != rTimeout {
			return why
		}
		var digits []byte
		term := ""
		waitFor := r.media(a.app, a.arg)
	collect:
		for {
			for {
				d, ok := r.takeDigit()
				if !ok {
					break
				}
				r.dtmfEvent(d)
				if strings.IndexByte(terms, d) >= 0 {
					term = string(d)
					break collect
				}
				digits = append(digits, d)
				if len(digits) >= maxD {
					break collect
				}
			}
			switch why := r.wait(waitFor, wDTMF); why {
			case rHangup, rEnd:
				return why
			case rTimeout:
				break collect
			}
		}
		if term != "" {
			r.setVar("read_terminator_used", term)
		}
		if len(digits) >= minD && len(digits) > 0 && re.Match(digits) {
			if varName != "" {
				r.setVar(varName, string(digits))
			}
			r.setVar("read_result", "success")
			return rTimeout
		}
		if len(digits) > 0 && varName != "" {
			r.setVar(varName+"_invalid", string(digits))
		}
		if try < tries || len(digits) > 0 {
			if why := r.prompt(invalidFile, false); why != rTimeout {
				return why
			}
		}
		_ = c
	}
	r.setVar("read_result", "failure")
	return rTimeout
}

// prompt plays a file inside an app; pressed digits stop it when stopOnDigit.
func (r *runner) prompt(file string, stopOnDigit bool) reason {
	if file == "" {
		return rTimeout
	}
	r.c.mu.Lock()
	missing := r.c.missing[file]
	r.c.mu.Unlock()
	if missing {
		return rTimeout
	}
	mask := wBreak | wHold
	if stopOnDigit {
		mask |= wDTMF
	}
	return r.finish(r.wait(r.media("playback", file), mask))
}

// bridge: EXECUTE -> CHANNEL_BRIDGE -> CHANNEL_UNBRIDGE -> COMPLETE on success (fact 9,
// trace 03). On a failure set by FailBridge: the originate variables, and then, as the
// real switch does (switch_channel_handle_cause; seen in the real-switch suite), the
// channel is hung up with the failure's cause unless continue_on_fail is true or
// lists that cause.
func (r *runner) bridge(a *appRun) reason {
	c := r.c
	fail := c.bridgeFailure(a.arg)
	ring := r.media(a.app+":ring", a.arg)
	if why := r.wait(ring, 0); why == rHangup || why == rEnd {
		return why
	}
	if fail != "" {
		r.setVar("originate_disposition", fail)
		r.setVar("originate_failed_cause", fail)
		r.setVar("DIALSTATUS", dialStatus(fail))
		r.setVar("originate_causes", "NONE;"+fail)
		c.mu.Lock()
		defer c.mu.Unlock()
		if cof, _ := c.st.getVar("continue_on_fail"); continuesOnFail(cof, fail) {
			return rTimeout
		}
		if !c.hangupSet {
			c.hangupSet, c.hangupReq = true, fail
		}
		return rHangup
	}
	if !r.answered() {
		r.markAnswered()
	}
	bleg := uuid.NewString()
	c.mu.Lock()
	c.st.bridgedAt = c.clock.Now().UnixMicro()
	c.st.setVar("originate_disposition", "SUCCESS")
	c.st.setVar("DIALSTATUS", "SUCCESS")
	c.st.setVar("originate_causes", bleg+";NONE")
	c.st.setVar("signal_bond", bleg)
	c.mu.Unlock()
	other := []kv{
		{"Bridge-A-Unique-ID", c.uuid}, {"Bridge-B-Unique-ID", bleg},
		{"Other-Type", "originatee"}, {"Other-Leg-Unique-ID", bleg},
		{"Other-Leg-Destination-Number", a.arg}, {"Other-Leg-Channel-Name", a.arg},
	}
	r.emit("CHANNEL_BRIDGE", true, false, other...)
	why := r.wait(r.media(a.app, a.arg), wStop)
	cause := "NORMAL_CLEARING"
	if why == rEnd {
		return why
	}
	c.mu.Lock()
	c.st.setVar("last_bridge_to", bleg)
	c.st.setVar("bridge_channel", a.arg)
	c.st.setVar("bridge_uuid", bleg)
	c.st.setVar("last_bridge_hangup_cause", cause)
	c.st.setVar("bridge_hangup_cause", cause)
	c.mu.Unlock()
	if why == rHangup {
		return why
	}
	r.emit("CHANNEL_UNBRIDGE", true, false, other...)
	return rTimeout
}

func dialStatus(cause string) string {
	switch cause {
	case "USER_BUSY":
		return "BUSY"
	case "NO_ANSWER", "NO_USER_RESPONSE":
		return "NOANSWER"
	case "CALL_REJECTED":
		return "CALL_REJECTED"
	}
	return cause
}

// record: blocking record; ends after the media time, on hangup, or on a
// terminator digit (playback_terminator_used).
func (r *runner) record(a *appRun) reason {
	c := r.c
	terms := "*#"
	if v, ok := c.Var("playback_terminators"); ok && v != "" {
		terms = v
	}
	start := c.clock.Now()
	d := r.media(a.app, a.arg)
	deadline := start.Add(d)
	for {
		left := deadline.Sub(c.clock.Now())
		if left < 0 {
			left = 0
		}
		why := r.wait(left, wDTMF|wStop)
		if why == rDTMF {
			dg, ok := r.takeDigit()
			if !ok {
				continue
			}
			r.dtmfEvent(dg)
			if strings.IndexByte(terms, dg) < 0 {
				continue
			}
			r.setVar("playback_terminator_used", string(dg))
		} else if why == rEnd {
			return why
		}
		ms := c.clock.Now().Sub(start).Milliseconds()
		r.setVar("record_ms", strconv.FormatInt(ms, 10))
		r.setVar("record_seconds", strconv.FormatInt(ms/1000, 10))
		if why == rHangup {
			return why
		}
		return rTimeout
	}
}

// hangup sends the hangup sequence of fact 6: CHANNEL_HANGUP, the running app's
// completion, CHANNEL_UNPARK and the socket app's completion (unless transferred),
// CS_HANGUP, CS_REPORTING, CHANNEL_HANGUP_COMPLETE. It returns false if the socket
// is gone.
func (r *runner) hangup(cause string, running *appRun) bool {
	c := r.c
	c.mu.Lock()
	linger := c.st.linger
	c.queue = nil
	c.mu.Unlock()
	if linger != lingerOff && c.cfg.LingerNoticeFirst {
		c.lingerNotice(linger)
	}
	c.mu.Lock()
	c.st.down = true
	c.st.hangupCause = cause
	c.st.answer = "hangup"
	c.st.stateNum = 10
	c.st.setVar("hangup_cause", cause)
	c.notifyLocked()
	c.mu.Unlock()
	r.emit("CHANNEL_HANGUP", true, false)
	if running != nil {
		if running.response != "_none_" {
			r.setVar("current_application_response", running.response)
		}
		r.emit("CHANNEL_EXECUTE_COMPLETE", true, true, running.headers(true)...)
	}
	c.mu.Lock()
	detached := c.st.detached
	last := c.st.lastResponse
	c.mu.Unlock()
	if !detached {
		r.socketDone(last)
	}
	c.mu.Lock()
	c.st.chanState = "CS_HANGUP"
	c.mu.Unlock()
	r.emit("CHANNEL_STATE", false, false)
	now := c.clock.Now()
	c.mu.Lock()
	c.st.chanState, c.st.callState, c.st.stateNum = "CS_REPORTING", "HANGUP", 11
	c.st.hangupAt = now.UnixMicro()
	s := &c.st
	dur := (s.hangupAt - s.createdAt) / 1e6
	bill := int64(0)
	if s.answeredAt > 0 {
		bill = (s.hangupAt - s.answeredAt) / 1e6
	}
	s.setVar("hangup_cause_q850", q850(cause))
	s.setVar("start_epoch", strconv.FormatInt(s.createdAt/1e6, 10))
	s.setVar("answer_epoch", strconv.FormatInt(s.answeredAt/1e6, 10))
	s.setVar("end_epoch", strconv.FormatInt(s.hangupAt/1e6, 10))
	s.setVar("duration", strconv.FormatInt(dur, 10))
	s.setVar("billsec", strconv.FormatInt(bill, 10))
	c.mu.Unlock()
	r.emit("CHANNEL_STATE", false, false)
	r.emit("CHANNEL_HANGUP_COMPLETE", true, false)
	c.mu.Lock()
	gone := c.peerClosed || c.exitReq
	c.mu.Unlock()
	return !gone
}

// transferred: the socket app completes, the channel goes through the dialplan
// again, and the connection stays attached (fact 9, trace 05).
func (r *runner) transferred() {
	c := r.c
	c.mu.Lock()
	detached, last := c.st.detached, c.st.lastResponse
	c.mu.Unlock()
	if detached {
		return
	}
	r.socketDone(last)
	for _, st := range []string{"CS_ROUTING", "CS_EXECUTE"} {
		c.mu.Lock()
		c.st.chanState = st
		c.mu.Unlock()
		r.emit("CHANNEL_STATE", false, false)
	}
}

// socketDone sends CHANNEL_UNPARK and the socket application's completion.
func (r *runner) socketDone(lastResponse string) {
	c := r.c
	c.mu.Lock()
	c.st.detached = true
	c.st.unsetVar("current_loop")
	c.st.unsetVar("total_loops")
	c.mu.Unlock()
	r.emit("CHANNEL_UNPARK", true, false)
	r.emit("CHANNEL_EXECUTE_COMPLETE", true, false,
		kv{"Application", "socket"}, kv{"Application-Data", c.engineAddr + " async full"},
		kv{"Application-Response", lastResponse}, kv{"Application-UUID", c.socketUUID})
}

// afterHangup handles linger: plain linger waits for exit; linger N closes N
// seconds later; no linger closes now. Each ends with the disconnect notice.
func (r *runner) afterHangup() {
	c := r.c
	c.mu.Lock()
	linger := c.st.linger
	c.mu.Unlock()
	if linger == lingerOff {
		c.disconnectNotice()
		return
	}
	if !c.cfg.LingerNoticeFirst {
		c.lingerNotice(linger)
	}
	d := time.Duration(-1)
	if linger >= 0 {
		d = time.Duration(linger) * time.Second
	}
	for {
		if why := r.wait(d, 0); why == rEnd {
			return
		} else if why == rTimeout {
			c.disconnectNotice()
			return
		}
		// rHangup again (already down): keep waiting for exit
		c.mu.Lock()
		c.hangupSet = false
		c.mu.Unlock()
	}
}

func q850(cause string) string {
	switch cause {
	case "NORMAL_CLEARING":
		return "16"
	case "USER_BUSY":
		return "17"
	case "NO_USER_RESPONSE":
		return "18"
	case "NO_ANSWER":
		return "19"
	case "CALL_REJECTED":
		return "21"
	case "DESTINATION_OUT_OF_ORDER":
		return "27"
	case "NORMAL_TEMPORARY_FAILURE":
		return "41"
	case "ORIGINATOR_CANCEL":
		return "487"
	}
	return "0"
}

// continuesOnFail reports whether a channel whose continue_on_fail variable is v stays
// up after a bridge that failed with cause: v is true, or a comma-separated list that
// names the cause or its Q.850 code.
func continuesOnFail(v, cause string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "on", "1", "enabled", "active", "allow":
		return true
	}
	for _, c := range strings.Split(v, ",") {
		c = strings.TrimSpace(c)
		if c != "" && (strings.EqualFold(c, cause) || c == q850(cause)) {
			return true
		}
	}
	return false
}
