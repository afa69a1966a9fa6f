package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Precedence: flag > environment > config file > default, per flag.
func TestServeConfigPrecedence(t *testing.T) {
	t.Parallel()
	file := `listen = "10.0.0.1:1"
admin-listen = "127.0.0.1:7000"
drain-timeout = "1m"
max-timers = 7
admin-public = true
allow-app = ["conference", "echo"]
http-allow = "file.example"
`
	tests := []struct {
		name        string
		args        []string
		env         map[string]string
		file        string
		wantListen  string
		wantAdmin   string
		wantDrain   time.Duration
		wantTimers  int
		wantPublic  bool
		wantApps    []string
		wantHTTP    string
		wantSources map[string]string
	}{
		{
			name:       "defaults",
			wantListen: "127.0.0.1:8084", wantAdmin: "127.0.0.1:9090", wantDrain: 5 * time.Minute, wantTimers: 100,
			wantSources: map[string]string{"listen": sourceDefault, "drain-timeout": sourceDefault},
		},
		{
			name: "file over default", file: file,
			wantListen: "10.0.0.1:1", wantAdmin: "127.0.0.1:7000", wantDrain: time.Minute, wantTimers: 7, wantPublic: true,
			wantApps: []string{"conference", "echo"}, wantHTTP: "file.example",
			wantSources: map[string]string{"listen": sourceFile, "allow-app": sourceFile, "watch": sourceDefault},
		},
		{
			name: "env over file", file: file,
			env: map[string]string{"CALLFORGE_LISTEN": "10.0.0.2:2", "CALLFORGE_DRAIN_TIMEOUT": "30s",
				"CALLFORGE_ALLOW_APP": "valet_park", "CALLFORGE_ADMIN_PUBLIC": "false"},
			wantListen: "10.0.0.2:2", wantAdmin: "127.0.0.1:7000", wantDrain: 30 * time.Second, wantTimers: 7,
			wantApps: []string{"valet_park"}, wantHTTP: "file.example",
			wantSources: map[string]string{"listen": sourceEnv, "admin-listen": sourceFile, "allow-app": sourceEnv},
		},
		{
			name: "flag over env and file", file: file,
			args:       []string{"--listen", "10.0.0.3:3", "--allow-app", "a", "--allow-app", "b", "--max-timers=9"},
			env:        map[string]string{"CALLFORGE_LISTEN": "10.0.0.2:2", "CALLFORGE_MAX_TIMERS": "8", "CALLFORGE_HTTP_ALLOW": "env.example"},
			wantListen: "10.0.0.3:3", wantAdmin: "127.0.0.1:7000", wantDrain: time.Minute, wantTimers: 9, wantPublic: true,
			wantApps: []string{"a", "b"}, wantHTTP: "env.example",
			wantSources: map[string]string{"listen": sourceFlag, "max-timers": sourceFlag, "http-allow": sourceEnv, "drain-timeout": sourceFile},
		},
		{
			name: "config file named by the environment", env: map[string]string{"CALLFORGE_CONFIG": "@file"}, file: file,
			wantListen: "10.0.0.1:1", wantAdmin: "127.0.0.1:7000", wantDrain: time.Minute, wantTimers: 7, wantPublic: true,
			wantApps: []string{"conference", "echo"}, wantHTTP: "file.example",
			wantSources: map[string]string{"config": sourceEnv, "listen": sourceFile},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args, env := tt.args, map[string]string{}
			for k, v := range tt.env {
				env[k] = v
			}
			if tt.file != "" {
				path := filepath.Join(t.TempDir(), "callforge.toml")
				if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
				if env["CALLFORGE_CONFIG"] == "@file" {
					env["CALLFORGE_CONFIG"] = path
				} else {
					args = append([]string{"--config", path}, args...)
				}
			}
			cfg, sources, err := loadServeConfig(args, lookup(env), &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			got := []any{cfg.listen, cfg.adminListen, cfg.drainTimeout, cfg.limits.Timers, cfg.adminPublic, []string(cfg.allowApps), cfg.httpAllow}
			want := []any{tt.wantListen, tt.wantAdmin, tt.wantDrain, tt.wantTimers, tt.wantPublic, tt.wantApps, tt.wantHTTP}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("config = %v, want %v", got, want)
			}
			for k, v := range tt.wantSources {
				if sources[k] != v {
					t.Errorf("source of %s = %q, want %q", k, sources[k], v)
				}
			}
		})
	}
}

// Bad values name where they came from; unknown file keys are refused.
func TestServeConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		file    string
		wantErr string // substring
	}{
		{name: "bad env duration", env: map[string]string{"CALLFORGE_DRAIN_TIMEOUT": "soon"}, wantErr: "env CALLFORGE_DRAIN_TIMEOUT"},
		{name: "bad env bool", env: map[string]string{"CALLFORGE_ADMIN_PUBLIC": "perhaps"}, wantErr: "env CALLFORGE_ADMIN_PUBLIC"},
		{name: "unknown file key", file: "listn = \"x:1\"\n", wantErr: "listn: "},
		{name: "array for a single flag", file: "listen = [\"a:1\", \"b:2\"]\n", wantErr: "an array for a flag that takes one value"},
		{name: "table in file", file: "[listen]\nx = 1\n", wantErr: "unsupported value"},
		{name: "duration without unit", file: "drain-timeout = 300\n", wantErr: "file drain-timeout"},
		{name: "file names a config", file: "config = \"other.toml\"\n", wantErr: "cannot name another"},
		{name: "not TOML", file: "listen = \n", wantErr: "file "},
		{name: "missing file", args: []string{"--config", "/nonexistent/callforge.toml"}, wantErr: "/nonexistent/callforge.toml"},
		{name: "stray argument", args: []string{"extra"}, wantErr: "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := tt.args
			if tt.file != "" {
				path := filepath.Join(t.TempDir(), "callforge.toml")
				if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append([]string{"--config", path}, args...)
			}
			_, _, err := loadServeConfig(args, lookup(tt.env), &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if tt.name != "stray argument" && !errors.Is(err, errConfig) {
				t.Errorf("err = %v, want it to wrap errConfig", err)
			}
		})
	}
}

// `serve --help` lists every flag with its default and environment variable.
func TestServeHelpListsEveryFlag(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	_, _, err := loadServeConfig([]string{"--help"}, lookup(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	help := out.String()
	var cfg serveConfig
	n := 0
	serveFlags(&cfg, &bytes.Buffer{}).VisitAll(func(f *flag.Flag) {
		n++
		i := strings.Index(help, "  --"+f.Name+" ")
		if i < 0 {
			i = strings.Index(help, "  --"+f.Name+"\n")
		}
		if i < 0 {
			t.Errorf("help does not list --%s", f.Name)
			return
		}
		entry := help[i:]
		if j := strings.Index(entry[4:], "\n  --"); j >= 0 {
			entry = entry[:j+4]
		}
		if !strings.Contains(entry, "env "+envName(f.Name)) {
			t.Errorf("help of --%s lacks env %s:\n%s", f.Name, envName(f.Name), entry)
		}
		def := f.DefValue
		if def == "" || isList(f) {
			def = `""`
		}
		if !strings.Contains(entry, "default "+def) {
			t.Errorf("help of --%s lacks default %s:\n%s", f.Name, def, entry)
		}
	})
	if n < 25 {
		t.Fatalf("only %d flags", n)
	}
	for _, want := range []string{"CALLFORGE_LISTEN", "CALLFORGE_HTTP_ALLOW", "CALLFORGE_ADMIN_LISTEN", "flag > environment > config file > default"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

func TestGCPercentFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		live uint64
		want int
	}{
		{0, smallHeapGCPercent},
		{64 << 20, smallHeapGCPercent},
		{largeHeap - 1, smallHeapGCPercent},
		{largeHeap, largeHeapGCPercent},
		{4 << 30, largeHeapGCPercent},
	}
	for _, tc := range tests {
		if got := gcPercentFor(tc.live); got != tc.want {
			t.Errorf("gcPercentFor(%d) = %d, want %d", tc.live, got, tc.want)
		}
	}
}
