// Package metrics owns callforge's Prometheus metrics: it implements both
// jsbridge.Observer (script runs, outcomes, script errors, limit hits, event-loop
// lag) and voice.Observer (calls on the wire, hang-up causes, per-application
// latency, the engine's own added latency), exposes the ESL frame counters of
// voice.Server.Stats, counts script reloads, and serves the registry over HTTP.
//
// Every label is bounded: script names by the scripts directory (and a hard cap),
// applications by what the engine may run (and a cap), hang-up causes by
// FreeSWITCH's list of causes; anything past a cap or outside a list is counted
// under "other". The metric families are listed in docs/operations.md.
package metrics
