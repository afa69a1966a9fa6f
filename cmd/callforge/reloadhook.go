package main

import (
	"errors"
	"io"

	"github.com/rs/zerolog"

	"github.com/callforge/callforge/metrics"
)

// Messages the script store logs after each reload (jsbridge/script: Store.Reload,
// which Watch and SIGHUP both go through).
const (
	msgScriptsReloaded     = "scripts reloaded"
	msgScriptsReloadFailed = "scripts reload failed: keeping the loaded scripts"
)

// errReloadFailed is what a failed reload is counted with.
var errReloadFailed = errors.New("scripts reload failed")

// reloadCounting returns the logger for the script store: it writes what log would
// write (same level, same output) and counts every reload in met, including the
// ones that changed nothing (logged at debug level).
//
// The store offers no reload callback, so its log lines are the hook.
func reloadCounting(log zerolog.Logger, out io.Writer, met *metrics.Metrics) zerolog.Logger {
	level := log.GetLevel()
	filtered := &zerolog.FilteredLevelWriter{Writer: zerolog.LevelWriterAdapter{Writer: out}, Level: level}
	l := log.Output(filtered).Level(min(level, zerolog.DebugLevel))
	return l.Hook(zerolog.HookFunc(func(_ *zerolog.Event, _ zerolog.Level, msg string) {
		switch msg {
		case msgScriptsReloaded:
			met.Reloaded(nil)
		case msgScriptsReloadFailed:
			met.Reloaded(errReloadFailed)
		}
	}))
}
