package jsbridge_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/voice"
	"github.com/callforge/callforge/voice/fstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction(jsbridge.RegexClockGoroutine))
}

// logBuffer collects the engine's JSON log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the parsed log lines, optionally only those of one call.
func (b *logBuffer) lines(call string) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) != nil {
			continue
		}
		if call != "" && m["call"] != call {
			continue
		}
		out = append(out, m)
	}
	return out
}

// find returns the first log line of call whose message contains msg.
func (b *logBuffer) find(call, msg string) map[string]any {
	for _, l := range b.lines(call) {
		if s, _ := l["message"].(string); strings.Contains(s, msg) {
			return l
		}
	}
	return nil
}

// messages returns the messages of call's script log lines (console.log, ctx.log).
func (b *logBuffer) scriptMessages(call string) []string {
	var out []string
	for _, l := range b.lines(call) {
		if l["source"] == "script" {
			out = append(out, l["message"].(string))
		}
	}
	return out
}

// engine is a running callforge (voice server + jsbridge) on a loopback port.
type engine struct {
	addr string
	logs *logBuffer
	srv  *voice.Server
	dir  string
}

type engineOpt func(*jsbridge.Config)

// startEngine writes scripts (name -> source) into a temp dir and serves them.
func startEngine(t testing.TB, scripts map[string]string, opts ...engineOpt) *engine {
	t.Helper()
	dir := t.TempDir()
	for name, src := range scripts {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return startEngineDir(t, dir, opts...)
}

func startEngineDir(t testing.TB, dir string, opts ...engineOpt) *engine {
	t.Helper()
	logs := &logBuffer{}
	log := zerolog.New(logs).Level(zerolog.DebugLevel)
	store, err := script.Open(dir, script.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	cfg := jsbridge.Config{
		Scripts:          store,
		Logger:           log,
		UserSounds:       "/snd/user",
		RecordingsDir:    "/rec",
		DialTemplate:     "sofia/gateway/gw/{dest}",
		AfterHangupGrace: 2 * time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
	e, err := jsbridge.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return serveEngine(t, e, log, logs, dir)
}

// serveEngine serves e on a loopback port until the test ends, then drains it.
func serveEngine(t testing.TB, e *jsbridge.Engine, log zerolog.Logger, logs *logBuffer, dir string) *engine {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &voice.Server{Handler: e, Logger: log, HangupGrace: 500 * time.Millisecond, ExitTimeout: 2 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("engine did not drain: %v", err)
			_ = srv.Close()
		}
		if err := <-done; err != voice.ErrServerClosed {
			t.Errorf("Serve returned %v", err)
		}
	})
	return &engine{addr: l.Addr().String(), logs: logs, srv: srv, dir: dir}
}

// dial places a simulated call running script (voice_script) and returns it.
func (e *engine) dial(t testing.TB, scriptName string, cfg fstest.CallConfig) *fstest.Call {
	t.Helper()
	if cfg.Vars == nil {
		cfg.Vars = map[string]string{}
	}
	if scriptName != "" {
		cfg.Vars["voice_script"] = scriptName
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	c, err := fstest.Dial(ctx, e.addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wait waits for the simulated call to end, and for the engine to be done with it
// (the script may still run its cleanup after the socket closed).
func (e *engine) wait(t testing.TB, c *fstest.Call) fstest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := c.Wait(ctx)
	if err != nil {
		c.Close()
		t.Fatalf("call did not end: %v", err)
	}
	for e.active(res.UUID) {
		if ctx.Err() != nil {
			t.Fatalf("engine still serving call %s", res.UUID)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return res
}

// active reports whether the engine is still serving the call uuid.
func (e *engine) active(uuid string) bool {
	for _, c := range e.srv.ActiveCalls() {
		if c.UUID() == uuid {
			return true
		}
	}
	return false
}

// apps returns "app arg" of every sendmsg execute the engine sent.
func apps(res fstest.Result) []string {
	var out []string
	for _, c := range res.Commands {
		if c.Name == "sendmsg" && c.CallCommand == "execute" {
			out = append(out, strings.TrimSpace(c.App+" "+c.Arg))
		}
		if c.Name == "sendmsg" && c.CallCommand == "hangup" {
			out = append(out, "HANGUP "+c.HangupCause)
		}
		if c.Name == "api" {
			out = append(out, "API "+strings.TrimPrefix(c.Line, "api "))
		}
	}
	return out
}

// appNames returns only the application names.
func appNames(res fstest.Result) []string {
	var out []string
	for _, a := range apps(res) {
		out = append(out, strings.Fields(a)[0])
	}
	return out
}

func writeFile(path, src string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(src), 0o644)
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}
