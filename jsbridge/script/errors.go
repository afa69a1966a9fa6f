package script

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidName is returned by Store.Get for a script name that is
	// empty, absolute, contains "..", a NUL or a backslash, or resolves
	// outside the scripts directory.
	ErrInvalidName = errors.New("invalid script name")
	// ErrNotFound is returned by Store.Get when no file matches the name.
	ErrNotFound = errors.New("script not found")
	// ErrTooLarge is returned by Store.Get for a file larger than
	// Options.MaxSize.
	ErrTooLarge = errors.New("script file too large")
	// ErrNoEntry is wrapped by *EntryError when a script defines no main.
	ErrNoEntry = errors.New("script has no entry point")
)

// CompileError is a syntax (or TypeScript) error in a script. File is the
// script's canonical name; Line and Column are 1-based positions in the
// original source (0 when unknown).
type CompileError struct {
	File    string
	Line    int
	Column  int
	Message string
	Err     error

	version string // content hash of the failing source, set by Store
	bundle  bool   // the source bundles vendored packages (a reload retries it)
}

func (e *CompileError) Error() string {
	if e.Line <= 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
}

func (e *CompileError) Unwrap() error { return e.Err }

// RuntimeError is an exception (or an interrupt) raised while a script's top
// level ran in Script.Entry. Line and Column locate the innermost script
// frame in the original source; Stack is the JavaScript stack trace.
type RuntimeError struct {
	File    string
	Line    int
	Column  int
	Message string
	Stack   string
	Err     error
}

func (e *RuntimeError) Error() string {
	if e.Line <= 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Message)
}

func (e *RuntimeError) Unwrap() error { return e.Err }

// EntryError reports a script that ran but exposes no main function.
// It wraps ErrNoEntry.
type EntryError struct {
	File string
	Err  error
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("%s: %v: define function main(data, ctx), set module.exports, or export main/default", e.File, e.Err)
}

func (e *EntryError) Unwrap() error { return e.Err }
