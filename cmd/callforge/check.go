package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/callforge/callforge/jsbridge"
	"github.com/callforge/callforge/jsbridge/script"
)

// check implements `callforge check [DIR]`: it compiles every script of DIR
// (default ./scripts) and resolves its requires, prints one
// "file:line:col: message" line per problem on stdout, and returns 1 when
// there is any or DIR cannot be read (2 for bad usage), else prints
// "N scripts OK" and returns 0.
func check(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("callforge check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: callforge check [DIR]

Compiles every script in DIR (default ./scripts: .js, ES modules and .ts;
dot directories and node_modules are skipped) and resolves every require or
import with a literal name: relative paths must name a file inside DIR, bare
names must be a built-in module or exist in DIR/node_modules.
Prints "file:line:col: message" per problem and exits 1 if there is any.
`)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "callforge check: one directory at most, got %q\n", fs.Args())
		return 2
	}
	dir := "./scripts"
	if fs.NArg() == 1 {
		dir = fs.Arg(0)
	}
	rep, err := script.Check(dir, script.CheckOptions{Builtins: jsbridge.BuiltinModules})
	if err != nil {
		fmt.Fprintln(stderr, "callforge check:", err)
		return 1
	}
	if len(rep.Problems) == 0 {
		fmt.Fprintf(stdout, "%d scripts OK\n", rep.Scripts)
		return 0
	}
	bad := map[string]bool{}
	for _, p := range rep.Problems {
		bad[p.File] = true
		p.File = filepath.ToSlash(filepath.Join(dir, filepath.FromSlash(p.File)))
		fmt.Fprintln(stdout, p)
	}
	fmt.Fprintf(stderr, "callforge check: %d problems in %d of %d scripts\n", len(rep.Problems), len(bad), rep.Scripts)
	return 1
}
