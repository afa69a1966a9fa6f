//go:build unix

package esl

import (
	"io"
	"syscall"
)

// rawConnOf returns r's descriptor for Wait, or nil if r has none.
func rawConnOf(r io.Reader) syscall.RawConn {
	sc, ok := r.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

// waitRead waits until raw is readable and reads what is there into a buffer from
// firstReads: the same read-then-wait-for-readiness loop as the runtime's own Read,
// but the buffer is taken only once there is something to read. err is the wait's
// error (a closed socket, a deadline), rerr the read's.
func waitRead(raw syscall.RawConn) (bp *[]byte, n int, rerr, err error) {
	err = raw.Read(func(fd uintptr) bool {
		b := firstReads.Get().(*[]byte)
		for {
			n, rerr = syscall.Read(int(fd), *b)
			if rerr != syscall.EINTR {
				break
			}
		}
		if rerr == syscall.EAGAIN {
			firstReads.Put(b)
			return false
		}
		bp = b
		return true
	})
	return bp, n, rerr, err
}
