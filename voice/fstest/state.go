package fstest

import (
	"strconv"
	"time"
)

// chanState is the channel as FreeSWITCH would report it. Guarded by Call.mu.
type chanState struct {
	vars      []varEntry
	chanState string // CS_EXECUTE, CS_HANGUP, CS_REPORTING, CS_ROUTING
	callState string // RINGING, EARLY, ACTIVE, HANGUP
	stateNum  int
	answer    string // ringing, early, answered, hangup

	down        bool
	hangupCause string

	eventsOn bool
	format   int
	bgJobs   bool
	linger   int // lingerOff, lingerForever, or seconds
	blocked  bool
	answered bool
	detached bool   // the socket app has completed (transfer)
	running  string // the application running now, "" when idle

	createdAt, answeredAt, progressMediaAt, bridgedAt, hangupAt int64
	lastResponse                                                string
	dates                                                       dateCache
}

const (
	lingerOff     = -2
	lingerForever = -1
)

type varEntry struct {
	name, value string
	enc         [2][]byte
}

func (s *chanState) init(vars []kv, now time.Time) {
	s.vars = make([]varEntry, 0, len(vars)+48)
	for _, v := range vars {
		s.vars = append(s.vars, varEntry{name: v.name, value: v.value})
	}
	s.chanState, s.callState, s.stateNum, s.answer = "CS_EXECUTE", "RINGING", 4, "ringing"
	s.linger = lingerOff
	s.createdAt = now.UnixMicro()
	s.lastResponse = "_none_"
}

func (s *chanState) getVar(name string) (string, bool) {
	for i := range s.vars {
		if s.vars[i].name == name {
			return s.vars[i].value, true
		}
	}
	return "", false
}

// setVar sets a variable in place, or appends it (FreeSWITCH keeps insertion order).
func (s *chanState) setVar(name, value string) {
	for i := range s.vars {
		if s.vars[i].name == name {
			if s.vars[i].value != value {
				s.vars[i].value = value
				s.vars[i].enc = [2][]byte{}
			}
			return
		}
	}
	s.vars = append(s.vars, varEntry{name: name, value: value})
}

func (s *chanState) unsetVar(name string) {
	for i := range s.vars {
		if s.vars[i].name == name {
			s.vars = append(s.vars[:i], s.vars[i+1:]...)
			return
		}
	}
}

// eventOpts says what goes into one event beyond the channel headers.
type eventOpts struct {
	vars  bool // carries the variable_* headers
	extra []kv // headers after the variables (Application, DTMF-Digit ...)
	body  string
}

// appendEventBody appends an event's body (what follows the outer headers) in
// format f. Must run with Call.mu held.
func (c *Call) appendEventBody(dst []byte, f int, name string, now time.Time, o *eventOpts) []byte {
	s := &c.st
	if f == fmtJSON {
		dst = append(dst, '{')
	}
	dst = appendHeader(dst, f, "Event-Name", name)
	dst = append(dst, coreSegment.enc[f]...)
	dst = s.dates.appendDates(dst, f, now)
	if seg, ok := callingSegments[name]; ok {
		dst = append(dst, seg.enc[f]...)
	}
	dst = appendHeaderInt(dst, f, "Event-Sequence", eventSeq.Add(1))
	if name == "BACKGROUND_JOB" {
		return c.finishEvent(dst, f, o)
	}
	if name == "CHANNEL_HANGUP_COMPLETE" {
		dst = appendHeader(dst, f, "Hangup-Cause", s.hangupCause)
	}
	dst = c.appendChannel(dst, f)
	if o.vars {
		for i := range s.vars {
			v := &s.vars[i]
			if v.enc[f] == nil {
				v.enc[f] = appendHeader(nil, f, "variable_"+v.name, v.value)
			}
			dst = append(dst, v.enc[f]...)
		}
	}
	return c.finishEvent(dst, f, o)
}

func (c *Call) finishEvent(dst []byte, f int, o *eventOpts) []byte {
	for _, x := range o.extra {
		dst = appendHeader(dst, f, x.name, x.value)
	}
	if f == fmtJSON {
		if o.body != "" {
			dst = appendHeaderInt(dst, f, "Content-Length", int64(len(o.body)))
			dst = appendHeader(dst, f, "_body", o.body)
		}
		dst[len(dst)-1] = '}'
		return dst
	}
	if o.body != "" {
		dst = appendHeaderInt(dst, f, "Content-Length", int64(len(o.body)))
		dst = append(dst, '\n')
		return append(dst, o.body...)
	}
	return append(dst, '\n')
}

// appendChannel appends the Channel-* state headers and the Caller-* profile.
func (c *Call) appendChannel(dst []byte, f int) []byte {
	s := &c.st
	t := c.tmpl
	dst = appendHeader(dst, f, "Channel-State", s.chanState)
	dst = appendHeader(dst, f, "Channel-Call-State", s.callState)
	dst = appendHeaderInt(dst, f, "Channel-State-Number", int64(s.stateNum))
	dst = append(dst, t.chanID.enc[f]...)
	dst = appendHeader(dst, f, "Answer-State", s.answer)
	if s.down {
		dst = appendHeader(dst, f, "Hangup-Cause", s.hangupCause)
	}
	dst = append(dst, t.codecs.enc[f]...)
	dst = append(dst, t.callerHead.enc[f]...)
	dst = c.appendTimes(dst, f, "Caller-")
	return append(dst, t.callerTail.enc[f]...)
}

func (c *Call) appendTimes(dst []byte, f int, prefix string) []byte {
	s := &c.st
	for _, x := range [...]struct {
		name string
		v    int64
	}{
		{"Channel-Answered-Time", s.answeredAt},
		{"Channel-Progress-Time", 0},
		{"Channel-Progress-Media-Time", s.progressMediaAt},
		{"Channel-Hangup-Time", s.hangupAt},
		{"Channel-Transfer-Time", 0},
		{"Channel-Resurrect-Time", 0},
		{"Channel-Bridged-Time", s.bridgedAt},
		{"Channel-Last-Hold", 0},
		{"Channel-Hold-Accum", 0},
	} {
		if f == fmtJSON {
			dst = append(dst, '"')
			dst = append(dst, prefix...)
			dst = append(dst, x.name...)
			dst = append(dst, '"', ':', '"')
			dst = strconv.AppendInt(dst, x.v, 10)
			dst = append(dst, '"', ',')
			continue
		}
		dst = append(dst, prefix...)
		dst = append(dst, x.name...)
		dst = append(dst, ": "...)
		dst = strconv.AppendInt(dst, x.v, 10)
		dst = append(dst, '\n')
	}
	return dst
}

// appendChannelData appends the connect reply (fact 1): one command/reply frame,
// everything in URL-encoded headers, Content-Type and Reply-Text near the end.
func (c *Call) appendChannelData(dst []byte, now time.Time) []byte {
	s := &c.st
	t := c.tmpl
	f := fmtPlain
	dst = appendHeader(dst, f, "Event-Name", "CHANNEL_DATA")
	dst = append(dst, coreSegment.enc[f]...)
	dst = s.dates.appendDates(dst, f, now)
	dst = append(dst, callingSegments["CHANNEL_DATA"].enc[f]...)
	dst = appendHeaderInt(dst, f, "Event-Sequence", eventSeq.Add(1))
	dst = append(dst, t.chanDataDup.enc[f]...)
	dst = c.appendTimes(dst, f, "Channel-")
	dst = append(dst, "Channel-Screen-Bit: true\nChannel-Privacy-Hide-Name: false\nChannel-Privacy-Hide-Number: false\n"...)
	dst = c.appendChannel(dst, f)
	for i := range s.vars {
		dst = appendHeader(dst, f, "variable_"+s.vars[i].name, s.vars[i].value)
	}
	return append(dst, "Content-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full\n\n"...)
}
