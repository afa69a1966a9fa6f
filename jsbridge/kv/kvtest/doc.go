// Package kvtest holds what tests of package kv and of its users need: the one
// conformance suite (RunSuite) that every kv.Store backend must pass, a fake clock
// for the bolt backend, and a helper that runs a throwaway redis-server on loopback.
package kvtest
