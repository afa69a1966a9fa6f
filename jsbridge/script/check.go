package script

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// Problem is one thing wrong with a script, located in its source.
type Problem struct {
	File    string // relative to the checked directory, slash-separated
	Line    int    // 1-based; 0 when unknown
	Column  int    // 1-based; 0 when unknown
	Message string
}

// String formats the problem as "file:line:col: message".
func (p Problem) String() string {
	if p.Line <= 0 {
		return p.File + ": " + p.Message
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message)
}

// CheckOptions configures Check.
type CheckOptions struct {
	// Builtins are the module names a script may require without a file
	// (the engine's built-in modules).
	Builtins []string
	MaxSize  int64 // largest script file; 0 means DefaultMaxSize
}

// CheckReport is the result of Check.
type CheckReport struct {
	Scripts  int       // scripts checked
	Problems []Problem // sorted by file, line, column
}

// checkPlugin names the esbuild plugin that resolves requires for Check.
const checkPlugin = "callforge-require"

// Check loads every script of dir as the engine would (the same compiler,
// the same files) and resolves every require/import with a literal module
// name that the engine would run: a relative path must name a script of the
// store inside dir (name, name.js or name.ts, as Store.Get resolves it); a
// bare name must be one of opts.Builtins or exist under dir/node_modules.
// Requires built from expressions are not checked. TypeScript imports used
// only as types are dropped by the compiler, so they are not checked either.
//
// The error is about dir itself (missing, unreadable); problems with
// scripts are in the report.
func Check(dir string, opts CheckOptions) (CheckReport, error) {
	s, err := Open(dir, Options{MaxSize: opts.MaxSize})
	if err != nil {
		return CheckReport{}, err
	}
	files := s.Files()
	rep := CheckReport{Scripts: len(files)}
	var entries []string
	for _, f := range files {
		if f.Err == nil {
			entries = append(entries, filepath.Join(s.dir, filepath.FromSlash(f.Name)))
			continue
		}
		var ce *CompileError
		if errors.As(f.Err, &ce) {
			rep.Problems = append(rep.Problems, Problem{File: f.Name, Line: ce.Line, Column: ce.Column, Message: ce.Message})
		} else {
			rep.Problems = append(rep.Problems, Problem{File: f.Name, Message: f.Err.Error()})
		}
	}
	if len(entries) > 0 {
		rep.Problems = append(rep.Problems, checkRequires(s, entries, opts.Builtins)...)
	}
	slices.SortFunc(rep.Problems, func(a, b Problem) int {
		if c := strings.Compare(a.File, b.File); c != 0 {
			return c
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		if a.Column != b.Column {
			return a.Column - b.Column
		}
		return strings.Compare(a.Message, b.Message)
	})
	rep.Problems = slices.Compact(rep.Problems)
	return rep, nil
}

// checkRequires runs esbuild over the entries (nothing is written) with a
// plugin that resolves each module name the way the engine's require would
// and reports those it cannot, at the require's position.
func checkRequires(s *Store, entries []string, builtins []string) []Problem {
	dir := s.dir
	r := requireResolver{store: s, builtins: builtins}
	res := api.Build(api.BuildOptions{
		EntryPoints:   entries,
		AbsWorkingDir: dir,
		Bundle:        true,
		Write:         false,
		Outdir:        filepath.Join(dir, ".callforge-check"), // required by esbuild, never written
		Platform:      api.PlatformNeutral,
		Format:        api.FormatCommonJS,
		Target:        api.ESNext,
		LogLevel:      api.LogLevelSilent,
		Plugins: []api.Plugin{{Name: checkPlugin, Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: ".*"}, r.resolve)
		}}},
	})
	var out []Problem
	for _, m := range res.Errors {
		// Only the plugin's verdicts: parse trouble is the compiler's to
		// report, and esbuild's bundle-mode rules are not the engine's.
		if m.PluginName != checkPlugin || m.Location == nil {
			continue
		}
		out = append(out, Problem{
			File:    filepath.ToSlash(m.Location.File),
			Line:    m.Location.Line,
			Column:  m.Location.Column + 1, // esbuild columns are 0-based
			Message: m.Text,
		})
	}
	return out
}

type requireResolver struct {
	store    *Store
	builtins []string
}

func (r requireResolver) resolve(a api.OnResolveArgs) (api.OnResolveResult, error) {
	if a.Kind == api.ResolveEntryPoint {
		return api.OnResolveResult{}, nil
	}
	fail := func(format string, args ...any) (api.OnResolveResult, error) {
		return api.OnResolveResult{Errors: []api.Message{{Text: fmt.Sprintf(format, args...)}}}, nil
	}
	name := a.Path
	switch {
	case name == "":
		return fail("require of an empty module name")
	case filepath.IsAbs(name):
		return fail("require of absolute path %q: scripts may only require files inside the scripts directory, by relative path", name)
	case name == "." || name == ".." || strings.HasPrefix(name, "./") || strings.HasPrefix(name, "../"):
		// The engine's require asks the store for the file, relative to
		// the requiring script: so does the check.
		rel, err := filepath.Rel(r.store.dir, filepath.Join(a.ResolveDir, filepath.FromSlash(name)))
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fail("require of %q leaves the scripts directory", name)
		}
		sc, err := r.store.Get(filepath.ToSlash(rel))
		var ce *CompileError
		switch {
		case err == nil:
			return api.OnResolveResult{Path: sc.Path, External: true}, nil
		case errors.As(err, &ce):
			// The required file is there; its own error is reported on it.
			return api.OnResolveResult{Path: filepath.Join(r.store.dir, rel), External: true}, nil
		case errors.Is(err, ErrInvalidName) && strings.Contains(err.Error(), "outside"):
			return fail("require of %q leaves the scripts directory (through a symlink)", name)
		default:
			return fail("cannot find module %q: no such script (.js or .ts) in the scripts directory", name)
		}
	}
	if slices.Contains(r.builtins, name) {
		return api.OnResolveResult{Path: name, External: true}, nil
	}
	modules := filepath.Join(r.store.dir, "node_modules")
	target := filepath.Join(modules, filepath.FromSlash(name))
	if inside(modules, target) {
		for _, cand := range []string{target, target + ".js", filepath.Join(target, "package.json"), filepath.Join(target, "index.js")} {
			fi, err := os.Stat(cand)
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			if real, err := filepath.EvalSymlinks(cand); err != nil || !inside(r.store.dir, real) {
				return fail("require of %q leaves the scripts directory (through a symlink)", name)
			}
			return api.OnResolveResult{Path: target, External: true}, nil
		}
	}
	return fail("cannot find module %q: not a built-in module (%s) and not in node_modules", name, strings.Join(r.builtins, ", "))
}
