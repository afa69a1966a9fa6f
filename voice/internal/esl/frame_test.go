package esl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// traceRow is one line of a capture in voice/testdata/esl-traces.
type traceRow struct {
	Dir  string `json:"dir"`
	Data string `json:"data"`
}

// traceStreams returns, per capture, the bytes FreeSWITCH sent (its from_fs frames
// in order), and the engine's frames (to_fs).
func traceStreams(t testing.TB) (fromFS map[string]string, toFS map[string][]string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "esl-traces", "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no traces: %v", err)
	}
	fromFS, toFS = map[string]string{}, map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var in strings.Builder
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var r traceRow
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if r.Dir == "from_fs" {
				in.WriteString(r.Data)
			} else {
				toFS[filepath.Base(f)] = append(toFS[filepath.Base(f)], r.Data)
			}
		}
		fromFS[filepath.Base(f)] = in.String()
	}
	return fromFS, toFS
}

// readAll reads frames until an error and returns them with that error.
func readAll(data []byte) ([]*Frame, error) {
	r := NewReader(bytes.NewReader(data))
	var frames []*Frame
	for {
		f, err := r.ReadFrame()
		if err != nil {
			return frames, err
		}
		frames = append(frames, f)
	}
}

// Every real capture reads to its end: each frame parses, events carry a name.
func TestReadFrameTraces(t *testing.T) {
	t.Parallel()
	fromFS, _ := traceStreams(t)
	for name, stream := range fromFS {
		frames, err := readAll([]byte(stream))
		if !errors.Is(err, io.EOF) {
			t.Errorf("%s: stopped after %d frames: %v", name, len(frames), err)
			continue
		}
		if len(frames) == 0 {
			t.Errorf("%s: no frames", name)
		}
		for i, f := range frames {
			ct := f.ContentType()
			if (ct == TypeEventPlain || ct == TypeEventJSON) && (f.Event == nil || f.Event.Get("Event-Name") == "") {
				t.Errorf("%s frame %d: %s without an event name", name, i, ct)
			}
		}
	}
}

// Broken streams give an error wrapping ErrMalformed (or io.EOF between frames),
// never a panic or an oversized allocation.
func TestReadFrameMalformed(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 40<<10)
	tests := []struct {
		name, in string
		want     error
	}{
		{"empty", "", io.EOF},
		{"only blank lines", "\n\n\n", io.EOF},
		{"header without colon", "Content-Type command/reply\n\n", ErrMalformed},
		{"header with empty name", ": x\n\n", ErrMalformed},
		{"negative length", "Content-Length: -1\n\n", ErrMalformed},
		{"length not a number", "Content-Length: 12x\n\n", ErrMalformed},
		{"length over the limit", "Content-Length: 999999999999\n\n", ErrMalformed},
		{"body cut short", "Content-Length: 10\n\nabc", ErrMalformed},
		{"closed inside headers", "Content-Type: command/reply\nReply-Text: +OK", ErrMalformed},
		{"header line too long", "X: " + long + long + "\n\n", ErrMalformed},
		{"too many headers", strings.Repeat("A: b\n", MaxHeaders+1) + "\n", ErrMalformed},
		{"plain event with bad header", "Content-Length: 6\nContent-Type: text/event-plain\n\nnoco\n\n", ErrMalformed},
		{"plain event body length too big", "Content-Length: 33\nContent-Type: text/event-plain\n\nEvent-Name: X\nContent-Length: 9\n\n", ErrMalformed},
		{"json event not json", "Content-Length: 3\nContent-Type: text/event-json\n\n{x}", ErrMalformed},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewReader(strings.NewReader(tc.in)).ReadFrame()
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzReadFrame feeds the reader the real captures and garbled versions of them:
// it must never panic, never allocate past its limits, and end every stream with
// io.EOF, an I/O error or an error wrapping ErrMalformed.
func FuzzReadFrame(f *testing.F) {
	fromFS, _ := traceStreams(f)
	for _, stream := range fromFS {
		f.Add([]byte(stream))
		// Truncated at a few places, with CRLF line ends, with a garbled length.
		for _, cut := range []int{1, len(stream) / 3, len(stream) / 2, len(stream) - 1} {
			if cut > 0 && cut < len(stream) {
				f.Add([]byte(stream[:cut]))
			}
		}
		f.Add([]byte(strings.ReplaceAll(stream[:min(len(stream), 4096)], "\n", "\r\n")))
		f.Add([]byte(strings.Replace(stream, "Content-Length: ", "Content-Length: 9", 1)))
	}
	f.Add([]byte("Content-Type: text/event-json\nContent-Length: 2\n\n{}"))
	f.Add([]byte("Content-Type: text/event-plain\nContent-Length: 16\n\nContent-Length:"))
	f.Fuzz(func(t *testing.T, data []byte) {
		frames, err := readAll(data)
		if err == nil {
			t.Fatal("readAll returned no error")
		}
		if !errors.Is(err, io.EOF) && !errors.Is(err, ErrMalformed) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("error %v wraps neither io.EOF nor ErrMalformed", err)
		}
		total := 0
		for _, fr := range frames {
			hs := fr.Headers.List()
			if len(hs) > MaxHeaders || len(fr.Body) > MaxContentSize {
				t.Fatalf("frame past the limits: %d headers, %d body bytes", len(hs), len(fr.Body))
			}
			for _, h := range hs {
				if h.Name == "" || strings.ContainsAny(h.Name, "\n") || len(h.Name)+len(h.Value) > MaxHeaderLine {
					t.Fatalf("bad header %q", h.Name)
				}
			}
			if fr.Event != nil {
				_ = fr.Event.Get("Event-Name")
			}
			total += len(fr.Body)
		}
		if total > len(data) {
			t.Fatalf("frames hold %d body bytes from %d input bytes", total, len(data))
		}
	})
}

// Frames bigger than the reader's buffer are read whole: a header line longer than
// the read buffer (a channel variable with a long value in the connect reply), and
// bodies below and above 64 KiB (the most a body is first given).
func TestReadFrameLargerThanBuffers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		headerLen int // length of one header value
		bodyLen   int
	}{
		{"header line of 20 KiB", 20 << 10, 0},
		{"header line just under the limit", MaxHeaderLine - 100, 0},
		{"body of 60 KiB", 10, 60 << 10},
		{"body of 300 KiB", 10, 300 << 10},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			value := strings.Repeat("v", tc.headerLen)
			body := strings.Repeat("b", tc.bodyLen)
			in := "Content-Type: api/response\nX-Long: " + value + "\n"
			if tc.bodyLen > 0 {
				in += "Content-Length: " + strconv.Itoa(tc.bodyLen) + "\n"
			}
			in += "\n" + body + "Content-Type: command/reply\nReply-Text: +OK\n\n"
			r := NewReader(strings.NewReader(in))
			f, err := r.ReadFrame()
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := f.Headers.Raw("X-Long"); got != value || f.Body != body {
				t.Fatalf("header %d bytes, body %d bytes; want %d and %d", len(got), len(f.Body), len(value), len(body))
			}
			next, err := r.ReadFrame()
			if err != nil || next.ContentType() != TypeReply {
				t.Fatalf("the following frame: %v %v", next, err)
			}
		})
	}
}
