package fstest

import (
	"strconv"
	"time"
)

// formats an event can be written in: plain (URL-encoded "Name: value" lines) or json.
const (
	fmtPlain = 0
	fmtJSON  = 1
)

// unsafe marks the bytes FreeSWITCH's switch_url_encode escapes (as the traces show:
// space, ':', '@', ';', '=', '"', '<', '>', '#', '\', '+', '|', CR, LF ...).
var unsafe [256]bool

func init() {
	for _, c := range []byte("\r\n \"#%&+:;<=>?@[\\]^`{|}") {
		unsafe[c] = true
	}
	for c := 0; c < 0x20; c++ {
		unsafe[c] = true
	}
	for c := 0x7f; c < 256; c++ {
		unsafe[c] = true
	}
}

const hexDigits = "0123456789ABCDEF"

// appendURLEncoded appends s encoded the way FreeSWITCH encodes header values.
func appendURLEncoded(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unsafe[c] {
			dst = append(dst, '%', hexDigits[c>>4], hexDigits[c&15])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// appendJSONString appends s as a JSON string (cJSON style: '/' is not escaped).
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// appendHeader appends one header in format f: "Name: enc(value)\n" or "\"Name\":\"value\",".
func appendHeader(dst []byte, f int, name, value string) []byte {
	if f == fmtJSON {
		dst = appendJSONString(dst, name)
		dst = append(dst, ':')
		dst = appendJSONString(dst, value)
		return append(dst, ',')
	}
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = appendURLEncoded(dst, value)
	return append(dst, '\n')
}

// appendHeaderInt is appendHeader for an integer value.
func appendHeaderInt(dst []byte, f int, name string, v int64) []byte {
	if f == fmtJSON {
		dst = appendJSONString(dst, name)
		dst = append(dst, ':', '"')
		dst = strconv.AppendInt(dst, v, 10)
		return append(dst, '"', ',')
	}
	dst = append(dst, name...)
	dst = append(dst, ": "...)
	dst = strconv.AppendInt(dst, v, 10)
	return append(dst, '\n')
}

// kv is one header of a template.
type kv struct{ name, value string }

// segment is a run of headers that does not change during a call, kept encoded in
// both formats so each event copies it instead of re-encoding it.
type segment struct {
	enc [2][]byte
}

func newSegment(h []kv) segment {
	var s segment
	for f := range s.enc {
		var b []byte
		for _, x := range h {
			b = appendHeader(b, f, x.name, x.value)
		}
		s.enc[f] = b
	}
	return s
}

// dateCache keeps the Event-Date-Local/GMT headers of the current second.
type dateCache struct {
	sec int64
	enc [2][]byte
}

func (d *dateCache) appendDates(dst []byte, f int, now time.Time) []byte {
	if s := now.Unix(); s != d.sec || d.enc[f] == nil {
		if s != d.sec {
			d.enc = [2][]byte{}
			d.sec = s
		}
		u := now.UTC()
		var b []byte
		b = appendHeader(b, f, "Event-Date-Local", u.Format("2006-01-02 15:04:05"))
		b = appendHeader(b, f, "Event-Date-GMT", u.Format("Mon, 02 Jan 2006 15:04:05 GMT"))
		d.enc[f] = b
	}
	dst = append(dst, d.enc[f]...)
	return appendHeaderInt(dst, f, "Event-Date-Timestamp", now.UnixMicro())
}
