//go:build !linux

package launcher

import "syscall"

// sysProcAttr puts the container in its own process group.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
