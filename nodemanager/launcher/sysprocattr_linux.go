package launcher

import "syscall"

// sysProcAttr puts the container in its own process group and has the kernel
// SIGKILL it when the NodeManager dies: the RM reports a dead NM's containers
// as lost and the AM replaces them, so they must not run on as orphans.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
