package esl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// writeReader serves FreeSWITCH's writes as a socket does once they have all
// arrived separately: each Read returns at most what is left of one write.
type writeReader struct {
	writes [][]byte
	i, off int
	reads  int
}

func (w *writeReader) Read(p []byte) (int, error) {
	w.reads++
	for w.i < len(w.writes) && w.off == len(w.writes[w.i]) {
		w.i, w.off = w.i+1, 0
	}
	if w.i == len(w.writes) {
		return 0, errEndOfWrites
	}
	n := copy(p, w.writes[w.i][w.off:])
	w.off += n
	return n, nil
}

var errEndOfWrites = bytesError("end of the capture")

type bytesError string

func (e bytesError) Error() string { return string(e) }

// BenchmarkReadFrame reads the frames of a real call (capture 01: answer,
// playback, digits, a missing file, the caller's hang-up; events of 5–6.5 KB),
// one FreeSWITCH write per socket read. reads/frame is the number of read calls
// (system calls, on a socket) a frame costs.
func BenchmarkReadFrame(b *testing.B) {
	path, err := filepath.Glob(filepath.Join("..", "..", "testdata", "esl-traces", "01-*.jsonl"))
	if err != nil || len(path) != 1 {
		b.Fatalf("capture 01: %v %v", path, err)
	}
	raw, err := os.ReadFile(path[0])
	if err != nil {
		b.Fatal(err)
	}
	var writes [][]byte
	size := 0
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r traceRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			b.Fatal(err)
		}
		if r.Dir == "from_fs" {
			writes = append(writes, []byte(r.Data))
			size += len(r.Data)
		}
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	frames, reads := 0, 0
	for b.Loop() {
		src := &writeReader{writes: writes}
		r := NewReader(src)
		for {
			if _, err := r.ReadFrame(); err != nil {
				break
			}
			frames++
		}
		r.Release()
		reads += src.reads
	}
	b.ReportMetric(float64(reads)/float64(frames), "reads/frame")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(frames), "ns/frame")
}
