package esl

import (
	"errors"
	"io"
	"net"
	"reflect"
	"testing"
	"time"
)

// Wait, then ReadFrame, over a real socket (where Wait reads through the
// descriptor and holds no buffer while it waits) and over a pipe (no descriptor)
// read exactly the frames that ReadFrame alone reads from the same bytes, however
// the bytes are cut into writes, and end with io.EOF.
func TestWaitThenReadFrame(t *testing.T) {
	t.Parallel()
	fromFS, _ := traceStreams(t)
	stream := fromFS["01-answer-playback-digits-missingfile-caller-hangup.jsonl"]
	if stream == "" {
		t.Fatal("trace 01 missing")
	}
	want, err := readAll([]byte(stream))
	if !errors.Is(err, io.EOF) || len(want) == 0 {
		t.Fatalf("reference read: %d frames, %v", len(want), err)
	}
	tests := []struct {
		name  string
		conn  func(t *testing.T) (client, server net.Conn)
		chunk int
	}{
		{"tcp, 1-byte writes", tcpPair, 1},
		{"tcp, 100-byte writes", tcpPair, 100},
		{"tcp, writes larger than the read buffer", tcpPair, 3000},
		{"tcp, one write", tcpPair, len(stream)},
		{"pipe, 700-byte writes", func(*testing.T) (net.Conn, net.Conn) { return net.Pipe() }, 700},
	}
	for _, tc := range tests {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			client, server := tc.conn(t)
			defer server.Close()
			go func() {
				defer client.Close()
				for i := 0; i < len(stream); i += tc.chunk {
					if _, err := client.Write([]byte(stream[i:min(i+tc.chunk, len(stream))])); err != nil {
						return
					}
					if tc.chunk >= 100 {
						time.Sleep(time.Millisecond) // let the reader catch up and wait, idle
					}
				}
			}()
			r := NewReader(server)
			var got []*Frame
			for {
				err := r.Wait()
				var f *Frame
				if err == nil {
					f, err = r.ReadFrame()
				}
				if err != nil {
					if !errors.Is(err, io.EOF) {
						t.Fatalf("after %d frames: %v", len(got), err)
					}
					break
				}
				got = append(got, f)
			}
			if len(got) != len(want) {
				t.Fatalf("read %d frames, want %d", len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("frame %d differs:\n got %+v\nwant %+v", i, got[i], want[i])
				}
			}
		})
	}
}

func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client, err = net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	return client, server
}
