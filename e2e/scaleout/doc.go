// Package scaleout is the end-to-end test of callforge scaled out on existing
// parts: three engines sharing one Redis (--kv redis://...) behind HAProxy in TCP
// mode, health-checked on each engine's /readyz. Under a steady simulated load
// (voice/fstest through HAProxy's frontend) each engine in turn gets SIGTERM and
// is started again: no call may fail, and a kv counter every call increments
// must equal the number of calls placed. docs/scale-out.md describes the set-up
// this test reproduces.
package scaleout
