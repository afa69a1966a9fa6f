//go:build !linux

package kvtest

import "syscall"

func dieWithParent() *syscall.SysProcAttr { return nil }
