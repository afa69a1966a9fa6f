package jsbridge_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/voice/fstest"
)

// vendored is a scripts directory with an npm-installed package (fake, tiny: no
// network) whose main file requires a file of its own.
var vendored = map[string]string{
	"node_modules/leftpad/package.json": `{"name": "leftpad", "main": "lib/index.js"}`,
	"node_modules/leftpad/lib/index.js": `const fill = require('./fill'); module.exports = (s, n) => fill(n - String(s).length) + s;`,
	"node_modules/leftpad/lib/fill.js":  `module.exports = (n) => '0'.repeat(Math.max(n, 0));`,
	"node_modules/diskcache/index.js":   `const fs = require('fs'); module.exports = { read: (p) => fs.readFileSync(p) };`,
	"node_modules/.package-lock.json":   `{"lockfileVersion": 3}`,
	"pad.js": `const leftpad = require('leftpad');
async function main(data, ctx) {
  await ctx.set('padded', leftpad(data.callerIdNumber, 8));
}`,
	"pad-esm.ts": `import leftpad from 'leftpad';
export async function main(data: any, ctx: any) {
  await ctx.set('padded', leftpad('7', 3));
}`,
	// the same package, asked for by a name the bundler cannot see: the
	// engine's runtime require must not find it
	"dynamic.js": `async function main(data, ctx) {
  const name = 'left' + 'pad';
  try { require(name); await ctx.set('dynamic', 'found'); }
  catch (e) { await ctx.set('dynamic', e.code); }
}`,
	"cache.js": `const cache = require('diskcache');
async function main(data, ctx) { await ctx.answer(); }`,
}

func TestVendoredPackages(t *testing.T) {
	t.Parallel()
	e := startEngine(t, vendored)
	tests := []struct {
		script, varName, want string
	}{
		{"pad", "padded", "00001001"},
		{"pad-esm", "padded", "007"},
		{"dynamic", "dynamic", "MODULE_NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.script, func(t *testing.T) {
			c := e.dial(t, tt.script, fstest.CallConfig{})
			e.wait(t, c)
			if got, _ := c.Var(tt.varName); got != tt.want {
				t.Errorf("%s = %q, want %q; logs: %v", tt.varName, got, tt.want, e.logs.lines(c.UUID()))
			}
		})
	}
}

// A package that needs a host module does not compile; the error names the
// package and the module.
func TestVendoredHostModuleRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, src := range vendored {
		if err := writeFile(filepath.Join(dir, name), src); err != nil {
			t.Fatal(err)
		}
	}
	store, err := script.Open(dir, script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.Get("cache")
	var ce *script.CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("Get(cache) = %v, want a *script.CompileError", err)
	}
	if !strings.Contains(ce.Message, `package diskcache requires "fs"`) {
		t.Errorf("message %q does not name the package and the module", ce.Message)
	}
}

// Changing a vendored package (npm install of another version) recompiles the
// scripts bundling it on the next reload, although their own source is the same.
func TestVendoredReload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, src := range vendored {
		if err := writeFile(filepath.Join(dir, name), src); err != nil {
			t.Fatal(err)
		}
	}
	store, err := script.Open(dir, script.Options{})
	if err != nil {
		t.Fatal(err)
	}
	before, err := store.Get("pad")
	if err != nil {
		t.Fatal(err)
	}
	fill := filepath.Join(dir, "node_modules/leftpad/lib/fill.js")
	if err := os.WriteFile(fill, []byte(`module.exports = (n) => '*'.repeat(Math.max(n, 0));`), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Second)
	_ = os.Chtimes(fill, later, later)
	res, err := store.Reload()
	if err != nil {
		t.Fatal(err)
	}
	after, err := store.Get("pad")
	if err != nil {
		t.Fatal(err)
	}
	if after == before || !slices.Contains(res.Changed, "pad.js") {
		t.Fatalf("pad.js not recompiled after its package changed (changed: %v)", res.Changed)
	}
	if slices.Contains(res.Changed, "dynamic.js") {
		t.Errorf("dynamic.js bundles nothing but was recompiled")
	}
}

// The bundler keeps exactly the engine's built-in modules as runtime requires.
func TestBundleBuiltinsMatchEngine(t *testing.T) {
	t.Parallel()
	if !slices.Equal(script.BundleBuiltins, jsbridge.BuiltinModules) {
		t.Errorf("script.BundleBuiltins %v != jsbridge.BuiltinModules %v", script.BundleBuiltins, jsbridge.BuiltinModules)
	}
}
