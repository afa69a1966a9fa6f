//go:build !linux

package voice

import "net"

// quiesce is a no-op where the accept queue cannot be read without blocking.
func quiesce(net.Listener) []net.Conn { return nil }
