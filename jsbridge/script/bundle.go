package script

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
	"github.com/evanw/esbuild/pkg/api"
)

// Vendored npm packages.
//
// A script that requires (or imports) a bare module name that is not one of
// the engine's built-in modules is bundled at compile time with esbuild: the
// package is looked up in node_modules of the scripts directory only (never a
// parent directory, never through a symlink that leaves the directory), and its
// code becomes part of the compiled script. The engine's runtime require then
// never sees such names. Built-in modules stay runtime requires (external), and
// so do the script's own relative requires ("./lib/x"): the engine resolves
// those through the Store, as for any script. Relative requires inside a
// package are bundled with the package.
//
// A package that needs a Node host module (fs, net, child_process, os, ...)
// fails to compile with a CompileError naming the package and the module.
//
// A bundled script remembers the files it was built from (size and
// modification time); a Reload recompiles it when any of them changed, even
// if the script's own source did not.

// BundleBuiltins are the module names a bundled script keeps as runtime
// requires: the engine's built-in modules (jsbridge.BuiltinModules; kept here
// because jsbridge imports this package, and checked equal by a jsbridge test).
var BundleBuiltins = []string{"kv", "cxKV", "cxUserspace", "http", "console", "url", "util", "buffer"}

// hostModules are Node modules that reach the host: a package needing one
// cannot run in a script.
var bundleHostModules = map[string]bool{
	"fs": true, "fs/promises": true, "child_process": true, "net": true, "dgram": true, "dns": true, "tls": true,
	"cluster": true, "worker_threads": true, "process": true, "os": true, "vm": true, "v8": true, "module": true,
	"http2": true, "https": true, "inspector": true, "perf_hooks": true, "repl": true, "readline": true, "tty": true,
}

// bundleNodeCore are Node core modules the engine does not provide (they do not
// reach the host, but there is no implementation to bundle).
var bundleNodeCore = map[string]bool{
	"path": true, "crypto": true, "stream": true, "zlib": true, "events": true, "assert": true,
	"string_decoder": true, "querystring": true, "punycode": true, "timers": true, "constants": true,
}

// bareRequire finds module names in require("x") and import ... from "x" /
// import "x" that are neither relative nor absolute.
var bareRequire = regexp.MustCompile(`(?:\brequire\s*\(\s*|\bfrom\s*|\bimport\s*\(?\s*)["']([^"'./][^"']*)["']`)

// needsBundle reports whether src names a module that only bundling can
// provide (a bare name that is not a built-in). A name in a comment or a
// string only costs an unneeded bundle.
func needsBundle(src string) bool {
	for _, m := range bareRequire.FindAllStringSubmatch(src, -1) {
		name := strings.TrimPrefix(m[1], "node:")
		if !slices.Contains(BundleBuiltins, name) && !bundleHostModules[name] && !bundleNodeCore[name] {
			return true
		}
	}
	return false
}

// inputStamp is one file a bundle was built from.
type inputStamp struct {
	path string
	size int64
	mod  time.Time
}

// bundleStale reports whether any input of a bundled script changed since it
// was built.
func (s *Script) bundleStale() bool {
	for _, in := range s.inputs {
		fi, err := os.Stat(in.path)
		if err != nil {
			if in.size == -1 { // was missing, still is
				continue
			}
			return true
		}
		if fi.Size() != in.size || !fi.ModTime().Equal(in.mod) {
			return true
		}
	}
	return false
}

// bundlePlugin names the resolver plugin, so its errors can be told apart.
const bundlePlugin = "callforge-vendor"

// compileBundle bundles the script at dir/name (source src) with its vendored
// packages and compiles the result for goja.
func compileBundle(dir, name, src string) (*goja.Program, []inputStamp, error) {
	abs := filepath.Join(dir, filepath.FromSlash(name))
	loader := api.LoaderJS
	if path.Ext(name) == ".ts" {
		loader = api.LoaderTS
	}
	modules := filepath.Join(dir, "node_modules")
	var pluginErr *CompileError
	res := api.Build(api.BuildOptions{
		Stdin: &api.StdinOptions{
			Contents: hideDynamicRequires(src) + bundledMainHook, ResolveDir: filepath.Dir(abs), Sourcefile: path.Base(name), Loader: loader,
		},
		AbsWorkingDir:  dir,
		Bundle:         true,
		Write:          false,
		Outfile:        filepath.Join(dir, ".callforge-bundle", path.Base(name)+".js"), // never written
		Format:         api.FormatCommonJS,
		Platform:       api.PlatformNeutral,
		Target:         api.ESNext,
		Supported:      unsupportedByGoja,
		MainFields:     []string{"main", "module"},
		Charset:        api.CharsetUTF8,
		Sourcemap:      api.SourceMapExternal,
		SourcesContent: api.SourcesContentExclude,
		Banner:         map[string]string{"js": wrapperPrefix + "var " + dynamicRequire + " = require, " + bundledMain + ";"},
		Footer:         map[string]string{"js": bundledSuffix},
		Metafile:       true,
		LogLevel:       api.LogLevelSilent,
		Plugins: []api.Plugin{{Name: bundlePlugin, Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: ".*"}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				if a.Kind == api.ResolveEntryPoint || a.PluginData == bundlePlugin {
					return api.OnResolveResult{}, nil
				}
				inPackage := inside(modules, a.Importer)
				spec := a.Path
				isRel := spec == "." || spec == ".." || strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../")
				switch {
				case isRel && !inPackage:
					// the script's own relative requires stay runtime requires
					return api.OnResolveResult{Path: spec, External: true}, nil
				case isRel:
					r := b.Resolve(spec, api.ResolveOptions{ResolveDir: a.ResolveDir, Kind: a.Kind, Importer: a.Importer, PluginData: bundlePlugin})
					if len(r.Errors) > 0 || !inside(modules, realPath(r.Path)) {
						return fail(&pluginErr, name, "package %s: cannot resolve %q inside node_modules", packageOf(modules, a.Importer), spec)
					}
					return api.OnResolveResult{Path: r.Path}, nil
				case filepath.IsAbs(spec) && !inPackage:
					return api.OnResolveResult{Path: spec, External: true}, nil // refused by the engine at run time, reported by Check
				case filepath.IsAbs(spec):
					return fail(&pluginErr, name, "package %s requires the absolute path %q", packageOf(modules, a.Importer), spec)
				}
				bare := strings.TrimPrefix(spec, "node:")
				if slices.Contains(BundleBuiltins, bare) {
					return api.OnResolveResult{Path: bare, External: true}, nil
				}
				if bundleHostModules[bare] || strings.HasPrefix(spec, "node:") {
					if inPackage {
						return fail(&pluginErr, name, "package %s requires %q, a Node module that reaches the host (files, processes, sockets): scripts cannot use it",
							packageOf(modules, a.Importer), bare)
					}
					return api.OnResolveResult{Path: bare, External: true}, nil // the engine refuses it at run time, with its own message
				}
				if bundleNodeCore[bare] && inPackage {
					return fail(&pluginErr, name, "package %s requires %q, a Node core module that callforge does not provide",
						packageOf(modules, a.Importer), bare)
				}
				r := b.Resolve(spec, api.ResolveOptions{ResolveDir: dir, Kind: a.Kind, PluginData: bundlePlugin})
				if len(r.Errors) > 0 || r.Path == "" {
					if !inPackage {
						// left to the engine's require, which throws MODULE_NOT_FOUND when
						// (and if) this line runs; Check reports it
						return api.OnResolveResult{Path: spec, External: true}, nil
					}
					return fail(&pluginErr, name, "package %s requires %q, which is not in node_modules of the scripts directory (run npm install there)",
						packageOf(modules, a.Importer), spec)
				}
				if !inside(modules, r.Path) || !inside(dir, realPath(r.Path)) {
					return fail(&pluginErr, name, "module %q resolves outside node_modules of the scripts directory", spec)
				}
				return api.OnResolveResult{Path: r.Path}, nil
			})
		}}},
	})
	if len(res.Errors) > 0 && pluginErr != nil {
		for _, m := range res.Errors {
			if m.PluginName == bundlePlugin && m.Location != nil {
				ce := &CompileError{File: name, Message: m.Text}
				if f := m.Location.File; f == "<stdin>" || f == path.Base(name) {
					ce.Line, ce.Column = m.Location.Line, m.Location.Column+1
				} else {
					ce.Message = fmt.Sprintf("%s (at %s:%d)", m.Text, f, m.Location.Line)
				}
				return nil, nil, ce
			}
		}
		return nil, nil, pluginErr
	}
	if len(res.Errors) > 0 {
		m := res.Errors[0]
		ce := &CompileError{File: name, Message: m.Text}
		if m.Location != nil {
			if m.Location.File != "" && m.Location.File != "<stdin>" && m.Location.File != path.Base(name) {
				ce.Message = m.Location.File + ": " + m.Text
			} else {
				ce.Line, ce.Column = m.Location.Line, m.Location.Column+1
			}
		}
		return nil, nil, ce
	}
	var code, mapData []byte
	for _, f := range res.OutputFiles {
		switch {
		case strings.HasSuffix(f.Path, ".map"):
			mapData = f.Contents
		case strings.HasSuffix(f.Path, ".js"):
			code = f.Contents
		}
	}
	if code == nil {
		return nil, nil, &CompileError{File: name, Message: "bundler produced no output"}
	}
	// The source map comment esbuild wrote names the never-written map file:
	// goja gets the map from memory instead.
	text := string(code)
	if i := strings.LastIndex(text, "//# sourceMappingURL="); i >= 0 {
		text = text[:i]
	}
	text += "//# sourceMappingURL=" + path.Base(name) + ".map\n"
	ast, err := parser.ParseFile(nil, name, text, 0, parser.WithSourceMapLoader(func(string) ([]byte, error) { return mapData, nil }))
	if err != nil {
		return nil, nil, &CompileError{File: name, Message: err.Error(), Err: err}
	}
	prg, err := goja.CompileAST(ast, false)
	if err != nil {
		return nil, nil, gojaCompileError(name, err, 0, true)
	}
	return prg, stampInputs(dir, res.Metafile), nil
}

func fail(into **CompileError, name, format string, args ...any) (api.OnResolveResult, error) {
	msg := fmt.Sprintf(format, args...)
	if *into == nil {
		*into = &CompileError{File: name, Message: msg}
	}
	return api.OnResolveResult{Errors: []api.Message{{Text: msg}}}, nil
}

// packageOf names the package a file of node_modules belongs to ("moment",
// "@scope/pkg").
func packageOf(modules, file string) string {
	rel, err := filepath.Rel(modules, file)
	if err != nil {
		return "?"
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	// nested node_modules: the innermost package
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] == "node_modules" && i+1 < len(parts) {
			parts = parts[i+1:]
			break
		}
	}
	if len(parts) > 1 && strings.HasPrefix(parts[0], "@") {
		return parts[0] + "/" + parts[1]
	}
	return parts[0]
}

func realPath(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// stampInputs records size and modification time of the bundle's input files
// (those on disk: the script itself comes from stdin and is hashed by the Store).
func stampInputs(dir, metafile string) []inputStamp {
	var out []inputStamp
	for _, m := range regexp.MustCompile(`"([^"]+)":\s*\{\s*"bytes"`).FindAllStringSubmatch(metafile, -1) {
		p := m[1]
		if p == "<stdin>" {
			continue
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, filepath.FromSlash(p))
		}
		fi, err := os.Stat(p)
		if err != nil {
			continue
		}
		out = append(out, inputStamp{path: p, size: fi.Size(), mod: fi.ModTime()})
	}
	// the package manager's lock: a reinstall changes it even when sizes match
	for _, lock := range []string{filepath.Join(dir, "node_modules", ".package-lock.json"), filepath.Join(dir, "package-lock.json")} {
		st := inputStamp{path: lock, size: -1}
		if fi, err := os.Stat(lock); err == nil {
			st.size, st.mod = fi.Size(), fi.ModTime()
		}
		out = append(out, st)
	}
	return out
}

// A bundle wraps the script's top level in a function of its own, so a
// classic top-level main is handed out through a variable of the wrapper.
const (
	bundledMain     = "__callforge_main__"
	bundledMainHook = "\n;" + bundledMain + " = typeof main === \"function\" ? main : undefined;\n"
	bundledSuffix   = "\n;return " + bundledMain + ";})"
)

// dynamicRequire stands for require in calls whose argument is not a string
// literal. It has require's length, so no position moves.
const dynamicRequire = "__req__"

var requireCall = regexp.MustCompile(`\brequire\s*\(`)
var literalArg = regexp.MustCompile(`^\s*(?:"[^"\n]*"|'[^'\n]*')\s*\)`)

// hideDynamicRequires renames require in require(expression) calls: esbuild
// would turn require('./lib/' + x) into a bundle of every file of ./lib, while
// the engine resolves such requires at run time through the Store, as for an
// unbundled script.
func hideDynamicRequires(src string) string {
	locs := requireCall.FindAllStringIndex(src, -1)
	if len(locs) == 0 {
		return src
	}
	b := []byte(src)
	for _, l := range locs {
		if !literalArg.MatchString(src[l[1]:]) {
			copy(b[l[0]:], dynamicRequire)
		}
	}
	return string(b)
}
