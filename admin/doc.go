// Package admin owns callforge's HTTP admin listener: /metrics (the Prometheus
// handler it is given), /healthz (the process is alive) and /readyz (the engine
// takes calls: scripts are loaded and no drain has begun). It refuses to listen
// off loopback unless asked to, and knows nothing of calls or scripts: the serve
// command tells it when the engine is ready and when it starts draining.
package admin
