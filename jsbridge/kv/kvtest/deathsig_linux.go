package kvtest

import "syscall"

// dieWithParent makes the kernel kill the child when the test process dies.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
