package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Where a serve flag's value came from, in order of precedence.
const (
	sourceFlag    = "flag"
	sourceEnv     = "env"
	sourceFile    = "file"
	sourceDefault = "default"
)

// envPrefix starts the environment variable of every serve flag.
const envPrefix = "CALLFORGE_"

// configFlag names the flag (and CALLFORGE_CONFIG) that points at the TOML file.
const configFlag = "config"

// errConfig is wrapped by every error about the configuration's values.
var errConfig = errors.New("bad configuration")

// ConfigError is a value that cannot be used, with where it came from.
type ConfigError struct {
	Source string // flag, env or file
	Key    string // the flag name, or the environment variable, or the file key
	Err    error
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Source, e.Key, e.Err)
}

func (e *ConfigError) Unwrap() []error { return []error{errConfig, e.Err} }

// envName is the environment variable of a flag: CALLFORGE_ and the name in upper
// case with - as _ (drain-timeout -> CALLFORGE_DRAIN_TIMEOUT).
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// resolveFlags fills the flags of fs that args did not set: from the environment
// (getenv), then from the TOML file named by --config (or CALLFORGE_CONFIG), then
// they keep their defaults. It returns each flag's source.
//
// A list flag takes the environment's value split on commas, or a TOML array (or
// string); a flag given at one level is not merged with lower levels.
func resolveFlags(fs *flag.FlagSet, args []string, getenv func(string) (string, bool)) (map[string]string, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	sources := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) { sources[f.Name] = sourceDefault })
	fs.Visit(func(f *flag.Flag) { sources[f.Name] = sourceFlag })

	var firstErr error
	fs.VisitAll(func(f *flag.Flag) {
		if sources[f.Name] != sourceDefault || firstErr != nil {
			return
		}
		name := envName(f.Name)
		if v, ok := getenv(name); ok {
			if err := fs.Set(f.Name, v); err != nil {
				firstErr = &ConfigError{Source: sourceEnv, Key: name, Err: err}
				return
			}
			sources[f.Name] = sourceEnv
		}
	})
	if firstErr != nil {
		return nil, firstErr
	}

	path := fs.Lookup(configFlag).Value.String()
	if path == "" {
		return sources, nil
	}
	var file map[string]any
	if _, err := toml.DecodeFile(path, &file); err != nil {
		return nil, &ConfigError{Source: sourceFile, Key: path, Err: err}
	}
	keys := make([]string, 0, len(file))
	for k := range file {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := fs.Lookup(k)
		switch {
		case f == nil:
			return nil, &ConfigError{Source: sourceFile, Key: k, Err: fmt.Errorf("%s: no such flag", path)}
		case k == configFlag:
			return nil, &ConfigError{Source: sourceFile, Key: k, Err: fmt.Errorf("%s: a config file cannot name another", path)}
		case sources[k] != sourceDefault:
			continue // a flag or the environment gave it
		}
		values, err := tomlValues(file[k], isList(f))
		if err != nil {
			return nil, &ConfigError{Source: sourceFile, Key: k, Err: fmt.Errorf("%s: %w", path, err)}
		}
		for _, v := range values {
			if err := fs.Set(k, v); err != nil {
				return nil, &ConfigError{Source: sourceFile, Key: k, Err: fmt.Errorf("%s: %w", path, err)}
			}
		}
		sources[k] = sourceFile
	}
	return sources, nil
}

func isList(f *flag.Flag) bool {
	_, ok := f.Value.(*listFlag)
	return ok
}

// tomlValues turns one TOML value into the strings flag.Set takes.
func tomlValues(v any, list bool) ([]string, error) {
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case bool:
		return []string{strconv.FormatBool(x)}, nil
	case int64:
		return []string{strconv.FormatInt(x, 10)}, nil
	case float64:
		return []string{strconv.FormatFloat(x, 'g', -1, 64)}, nil
	case []any:
		if !list {
			return nil, errors.New("an array for a flag that takes one value")
		}
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, err := tomlValues(e, false)
			if err != nil {
				return nil, err
			}
			out = append(out, s...)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported value of type %T (want a string, number, boolean or, for a list, an array)", v)
}

// printServeUsage lists every flag with its type, default and environment variable.
func printServeUsage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, `Usage: callforge serve [flags]

Serves the calls FreeSWITCH hands over with "socket <addr> async full".

Every flag may also come from the environment variable shown (CALLFORGE_ and the
flag's name in upper case, "-" as "_"; a list takes comma-separated values) or from
the TOML file given by --config, whose keys are flag names (drain-timeout = "5m";
a list takes an array). Precedence: flag > environment > config file > default.

Flags:
`)
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		if isList(f) {
			typ = "value"
		}
		line := "  --" + f.Name
		if typ != "" {
			line += " " + typ
		}
		def := f.DefValue
		if isList(f) || def == "" {
			def = `""`
		}
		fmt.Fprintf(w, "%s\n      %s\n      default %s; env %s\n", line, usage, def, envName(f.Name))
	})
}
