package script

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/dop251/goja/file"
	"github.com/dop251/goja/parser"
	"github.com/evanw/esbuild/pkg/api"
)

func TestCompileErrorPositions(t *testing.T) {
	t.Parallel()
	s := openTestdata(t)
	tests := []struct {
		name       string
		file       string
		line, col  int
		msgContain string
	}{
		// goja rejects it, esbuild confirms and locates it.
		{"syntax_error", "syntax_error.js", 3, 13, `Unexpected ";"`},
		// TypeScript: esbuild's own error.
		{"syntax_error.ts", "syntax_error.ts", 5, 18, `Unexpected "*"`},
		// esbuild accepts it, goja rejects the output: mapped back.
		{"esm_bad_regexp", "esm_bad_regexp.js", 2, 9, "Invalid flags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc, err := s.Get(tt.name)
			var ce *CompileError
			if !errors.As(err, &ce) || sc != nil {
				t.Fatalf("Get = (%v, %v), want a *CompileError", sc, err)
			}
			if ce.File != tt.file || ce.Line != tt.line || ce.Column != tt.col {
				t.Errorf("error at %s:%d:%d, want %s:%d:%d (%v)", ce.File, ce.Line, ce.Column, tt.file, tt.line, tt.col, ce)
			}
			if !strings.Contains(ce.Message, tt.msgContain) {
				t.Errorf("message %q does not contain %q", ce.Message, tt.msgContain)
			}
			prefix := tt.file + ":" + strconv.Itoa(tt.line) + ":" + strconv.Itoa(tt.col) + ": "
			if !strings.HasPrefix(ce.Error(), prefix) {
				t.Errorf("Error() = %q, want prefix %q", ce.Error(), prefix)
			}
		})
	}
}

// Plain scripts are compiled by goja as written; ES module syntax and
// TypeScript go through esbuild.
func TestCompileSourceRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src  string
		wantMapped bool
		wantErr    bool
	}{
		{"plain.js", "function main() { return 1 }", false, false},
		{"bom.js", "\uFEFFfunction main() { return 1 }", false, false},
		{"esm.js", "export function main() { return 1 }", true, false},
		{"types.ts", "function main(): number { return 1 }", true, false},
		{"hashbang.js", "#!/usr/bin/env node\nfunction main() {}", true, false},
		{"tla.js", "await null;\nfunction main() {}", true, true},
		{"dup.js", "let a = 1;\nlet a = 2;", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prg, mapped, err := compileSource(tt.name, tt.src)
			if (err != nil) != tt.wantErr {
				t.Fatalf("compileSource err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				var ce *CompileError
				if !errors.As(err, &ce) || ce.File != tt.name || ce.Line == 0 {
					t.Errorf("error %v: want a located *CompileError", err)
				}
				return
			}
			if prg == nil || mapped != tt.wantMapped {
				t.Errorf("compileSource = (%v, mapped %v), want mapped %v", prg, mapped, tt.wantMapped)
			}
		})
	}
}

// A goja parser error in esbuild's output is mapped back to the original
// line and (1-based) column through the source map.
func TestParseErrorMapsThroughSourceMap(t *testing.T) {
	t.Parallel()
	src := "import kv from 'kv';\ninterface X { a: number }\n\nexport const marker: number = kv.n;\n"
	res := api.Transform(src, transformOptions("sub/m.ts", api.LoaderTS))
	if len(res.Errors) > 0 {
		t.Fatalf("transform: %v", res.Errors)
	}
	lines := strings.Split(string(res.Code), "\n")
	genLine, genCol := 0, 0
	for i, l := range lines {
		if c := strings.Index(l, "marker = "); c >= 0 {
			genLine, genCol = i+1, c+1
			break
		}
	}
	if genLine == 0 {
		t.Fatalf("marker not found in output:\n%s", res.Code)
	}
	if genLine == 4 {
		t.Fatalf("generated line equals the original one: the test would prove nothing")
	}
	list := parser.ErrorList{{Position: file.Position{Filename: "sub/m.ts", Line: genLine, Column: genCol}, Message: "Unexpected token"}}
	ce := parseError("sub/m.ts", list, res.Map, 0)
	if ce.Line != 4 || ce.Column != 14 || ce.Message != "Unexpected token" {
		t.Errorf("mapped to %d:%d %q, want 4:14 %q", ce.Line, ce.Column, ce.Message, "Unexpected token")
	}
}
