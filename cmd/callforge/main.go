package main

import (
	"fmt"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 {
		args = []string{"serve"}
	}
	switch args[0] {
	case "serve":
		return serve(args[1:])
	case "run":
		return runCmd(args[1:], os.Stdout, os.Stderr)
	case "check":
		return check(args[1:], os.Stdout, os.Stderr)
	case "test":
		return test(args[1:], os.Stdout, os.Stderr)
	case "call":
		return call(args[1:], os.Stdout, os.Stderr)
	case "help", "-h", "--help":
		usage()
		return 0
	case "version", "--version":
		fmt.Fprintln(os.Stdout, "callforge", version)
		return 0
	default:
		fmt.Fprintf(os.Stderr, "callforge: unknown command %q\n\n", args[0])
		usage()
		return 2
	}
}

var version = "dev"

func usage() {
	fmt.Fprint(os.Stderr, `callforge: a programmable-voice engine for FreeSWITCH

Usage:
  callforge serve [flags]   serve calls from FreeSWITCH (outbound event socket)
  callforge check [DIR]     compile the scripts in DIR (default ./scripts) and resolve their requires
  callforge test [DIR]      run the *.test.js / *.test.ts files beside the scripts (simulated calls)
  callforge call SCRIPT     place one simulated call into SCRIPT and print its timeline
  callforge run NAME        run an App script once (--data JSON) and print its JSON result
  callforge version         print the version

Run "callforge serve --help" for the flags.
`)
}
