package script

import (
	"errors"
	"path"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/parser"
	"github.com/evanw/esbuild/pkg/api"
	"github.com/go-sourcemap/sourcemap"
)

// wrapperPrefix opens the function every script body runs in. It sits on the
// source's first line so that line numbers of plain scripts do not shift
// (columns on line 1 are shifted by its length; compile errors correct that).
const wrapperPrefix = "(function (exports, require, module, __filename, __dirname) {"

// wrapperSuffix closes the wrapper and hands back a classic top-level main.
const wrapperSuffix = "\n;return typeof main === \"function\" ? main : undefined;})"

// unsupportedByGoja lists the esbuild features goja lacks; esbuild lowers
// them (or reports that it cannot). Everything else is left as written.
var unsupportedByGoja = map[string]bool{
	"async-generator": false,
	"for-await":       false,
	"dynamic-import":  false,
	"decorators":      false,
	"using":           false,
	"top-level-await": false,
	"import-meta":     false,
}

// compileSource compiles one script version. name is the canonical name used
// in errors and stack traces. mapped reports that the program went through
// esbuild and carries a source map. Bad source gives a *CompileError.
func compileSource(name string, src string) (prg *goja.Program, mapped bool, err error) {
	src = strings.TrimPrefix(src, "\uFEFF")
	if path.Ext(name) == ".ts" {
		prg, err = compileTransformed(name, src, api.LoaderTS)
		return prg, true, err
	}
	if prg, err = compileDirect(name, src); err == nil {
		return prg, false, nil
	}
	// goja refused it: this is either ES module syntax (import/export) or a
	// real syntax error. esbuild tells which, with exact positions.
	prg, err = compileTransformed(name, src, api.LoaderJS)
	return prg, true, err
}

// compileDirect compiles a classic or CommonJS script with goja as written.
func compileDirect(name, src string) (*goja.Program, error) {
	ast, err := parser.ParseFile(nil, name, wrapperPrefix+src+wrapperSuffix, 0, parser.WithDisableSourceMaps)
	if err != nil {
		return nil, parseError(name, err, nil, len(wrapperPrefix))
	}
	prg, err := goja.CompileAST(ast, false)
	if err != nil {
		return nil, gojaCompileError(name, err, len(wrapperPrefix), false)
	}
	return prg, nil
}

// compileTransformed turns ES module syntax / TypeScript into CommonJS with
// esbuild and compiles the result with goja, which reads esbuild's source map
// so positions at run time point into the original file.
func compileTransformed(name, src string, loader api.Loader) (*goja.Program, error) {
	res := api.Transform(src, transformOptions(name, loader))
	if len(res.Errors) > 0 {
		return nil, esbuildError(name, res.Errors)
	}
	mapData := res.Map
	code := string(res.Code) + "//# sourceMappingURL=" + path.Base(name) + ".map\n"
	ast, err := parser.ParseFile(nil, name, code, 0, parser.WithSourceMapLoader(func(string) ([]byte, error) {
		return mapData, nil
	}))
	if err != nil {
		return nil, parseError(name, err, mapData, 0)
	}
	prg, err := goja.CompileAST(ast, false)
	if err != nil {
		// The AST's file carries the source map: positions are original.
		return nil, gojaCompileError(name, err, 0, true)
	}
	return prg, nil
}

// transformOptions: CommonJS for goja, lowering only what goja lacks,
// wrapped like a plain script, with an external source map.
func transformOptions(name string, loader api.Loader) api.TransformOptions {
	return api.TransformOptions{
		Loader:         loader,
		Format:         api.FormatCommonJS,
		Target:         api.ESNext,
		Supported:      unsupportedByGoja,
		Platform:       api.PlatformNeutral,
		Charset:        api.CharsetUTF8,
		Sourcemap:      api.SourceMapExternal,
		SourcesContent: api.SourcesContentExclude,
		// goja resolves the map's source against the program name, so the
		// base name makes stack frames read "sub/menu.ts:12:3".
		Sourcefile: path.Base(name),
		Banner:     wrapperPrefix,
		Footer:     wrapperSuffix,
		LogLevel:   api.LogLevelSilent,
	}
}

func esbuildError(name string, msgs []api.Message) *CompileError {
	m := msgs[0]
	ce := &CompileError{File: name, Message: m.Text}
	if m.Location != nil {
		ce.Line = m.Location.Line
		ce.Column = m.Location.Column + 1 // esbuild columns are 0-based
	}
	return ce
}

// parseError converts a goja parser error. Positions are in the compiled
// text: lineOneShift is removed from columns on line 1 (the wrapper prefix),
// and mapData, when set, maps them back to the original source.
func parseError(name string, err error, mapData []byte, lineOneShift int) *CompileError {
	ce := &CompileError{File: name, Message: err.Error(), Err: err}
	var list parser.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		ce.Message = list[0].Message
		ce.Line, ce.Column = list[0].Position.Line, list[0].Position.Column
	}
	ce.Line, ce.Column = originalPosition(ce.Line, ce.Column, mapData, lineOneShift)
	return ce
}

// gojaCompileError converts an error from goja.CompileAST (early errors such
// as a redeclared let). mapped says the program carries a source map, whose
// columns goja reports 0-based.
func gojaCompileError(name string, err error, lineOneShift int, mapped bool) *CompileError {
	ce := &CompileError{File: name, Message: err.Error(), Err: err}
	var cerr *goja.CompilerSyntaxError
	var rerr *goja.CompilerReferenceError
	var base *goja.CompilerError
	switch {
	case errors.As(err, &cerr):
		base = &cerr.CompilerError
	case errors.As(err, &rerr):
		base = &rerr.CompilerError
	}
	if base != nil {
		ce.Message = base.Message
		if base.File != nil {
			p := base.File.Position(base.Offset)
			ce.Line, ce.Column = p.Line, p.Column
			if mapped {
				ce.Column++
			}
		}
	}
	ce.Line, ce.Column = originalPosition(ce.Line, ce.Column, nil, lineOneShift)
	return ce
}

func originalPosition(line, col int, mapData []byte, lineOneShift int) (int, int) {
	if line <= 0 {
		return 0, 0
	}
	if line == 1 && lineOneShift > 0 {
		col -= lineOneShift
		if col < 1 {
			col = 1
		}
	}
	if mapData != nil {
		sm, err := sourcemap.Parse("", mapData)
		if err != nil {
			return 0, 0
		}
		_, _, l, c, ok := sm.Source(line, col)
		if !ok {
			return 0, 0
		}
		return l, c + 1 // source map columns are 0-based
	}
	return line, col
}
