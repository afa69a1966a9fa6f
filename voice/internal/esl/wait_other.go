//go:build !unix

package esl

import (
	"io"
	"syscall"
)

// rawConnOf returns nil: Wait peeks through the buffered reader instead.
func rawConnOf(io.Reader) syscall.RawConn { return nil }

func waitRead(syscall.RawConn) (*[]byte, int, error, error) {
	panic("esl: waitRead without a raw connection")
}
