package main

import (
	"github.com/callforge/callforge/jsbridge/script"
	"github.com/callforge/callforge/metrics"
)

// reloadCounter returns the script store's OnReload: it counts every reload in met,
// including the ones that changed nothing, and the failed ones.
func reloadCounter(met *metrics.Metrics) func(script.ReloadResult, error) {
	return func(_ script.ReloadResult, err error) { met.Reloaded(err) }
}
