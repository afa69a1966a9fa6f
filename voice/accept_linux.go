package voice

import (
	"errors"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// handshakeGrace is how long a quiesced listener waits for the handshakes already
// under way (SYN answered, final ACK not yet in) to complete: a LAN round trip.
const handshakeGrace = 10 * time.Millisecond

// dropNewSYNs is a classic BPF socket filter that drops TCP segments with SYN set
// and ACK clear (new connection attempts) and lets every other segment through.
// On a TCP socket the filter sees the TCP header at offset 0; byte 13 is the flags.
var dropNewSYNs = []unix.SockFilter{
	{Code: unix.BPF_LD | unix.BPF_B | unix.BPF_ABS, K: 13},
	{Code: unix.BPF_ALU | unix.BPF_AND | unix.BPF_K, K: 0x12},        // SYN|ACK bits
	{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: 0x02, Jf: 1}, // SYN alone?
	{Code: unix.BPF_RET | unix.BPF_K, K: 0},                          // drop
	{Code: unix.BPF_RET | unix.BPF_K, K: 0xffffffff},                 // keep
}

// quiesce prepares l for closing without resetting a connection its peer already
// took as accepted. Closing a listening socket resets every connection in its accept
// queue and every handshake under way; FreeSWITCH or a load balancer would see
// those as calls that failed, not as a refusal to fall back from. So quiesce makes
// the kernel ignore new SYNs (their senders retry and then meet the closed port:
// refused), lets the handshakes under way finish, and returns every connection
// queued by then, for the caller to serve. It never blocks longer than
// handshakeGrace. Where the filter cannot be set (some sandboxes refuse
// SO_ATTACH_FILTER) it still takes the queue; a handshake that completes between
// that and the close is then reset.
func quiesce(l net.Listener) []net.Conn {
	sc, ok := l.(syscall.Conn) // *net.TCPListener, or a wrapper that embeds one
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	filtered := false
	_ = raw.Control(func(fd uintptr) {
		prog := unix.SockFprog{Len: uint16(len(dropNewSYNs)), Filter: &dropNewSYNs[0]}
		filtered = unix.SetsockoptSockFprog(int(fd), unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &prog) == nil
	})
	fds := acceptAll(raw)
	if filtered {
		time.Sleep(handshakeGrace)
		fds = append(fds, acceptAll(raw)...)
	}
	conns := make([]net.Conn, 0, len(fds))
	for _, fd := range fds {
		f := os.NewFile(uintptr(fd), "esl")
		c, err := net.FileConn(f) // dups the descriptor
		_ = f.Close()
		if err == nil {
			conns = append(conns, c)
		}
	}
	return conns
}

// acceptAll accepts without blocking until the accept queue is empty.
func acceptAll(raw interface{ Control(func(uintptr)) error }) []int {
	var fds []int
	_ = raw.Control(func(fd uintptr) {
		for {
			nfd, _, err := unix.Accept4(int(fd), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
			if errors.Is(err, unix.EINTR) || errors.Is(err, unix.ECONNABORTED) {
				continue
			}
			if err != nil {
				return // EAGAIN: the queue is empty
			}
			fds = append(fds, nfd)
		}
	})
	return fds
}
