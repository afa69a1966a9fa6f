package main

import (
	"context"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/script"
)

func TestAPIFlags(t *testing.T) {
	t.Parallel()
	var cfg apiConfig
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	apiFlags(fs, &cfg)
	err := fs.Parse([]string{"--api-listen", "127.0.0.1:0", "--cron", "dnc-sync=0 6 * * 1,3,5;report=@hourly", "--cron", "x=*/5 * * * *"})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.cron.String(); got != "dnc-sync=0 6 * * 1,3,5;report=@hourly;x=*/5 * * * *" {
		t.Fatalf("cron entries %q", got)
	}
	if err := fs.Parse([]string{"--cron", "x=every day"}); err == nil {
		t.Fatal("a bad cron spec was taken")
	}
}

// startAPI serves the API on its listener with the tokens file, and stops cleanly.
func TestStartAPI(t *testing.T) {
	t.Parallel()
	store, err := script.Open("../../examples/kinds", script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := jsbridge.New(jsbridge.Config{Scripts: store})
	if err != nil {
		t.Fatal(err)
	}
	// Pick a free port for the listener.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	tokens := filepath.Join(t.TempDir(), "tokens")
	if err := os.WriteFile(tokens, []byte("start-api-token-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := apiConfig{listen: addr, tokensFile: tokens, maxBody: 1 << 20, concurrency: 4}
	stop, err := startAPI(context.Background(), cfg, eng, store, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/drivers/did-driver/search", strings.NewReader(`{"number":"1"}`))
	req.Header.Set("Authorization", "Bearer start-api-token-0123456789")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(b), `[{"did":"10001"}`) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	http.DefaultClient.CloseIdleConnections()
	if err := stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := startAPI(context.Background(), apiConfig{listen: "0.0.0.0:0"}, eng, store, zerolog.Nop()); err == nil {
		t.Fatal("no tokens off loopback was accepted")
	}
}
