// Package scripts holds callforge's example voice scripts. They are served as they
// are by `callforge serve --scripts ./scripts`, and embedded in the binary, which
// serves them when no scripts directory is given.
package scripts
