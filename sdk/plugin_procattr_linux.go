package sdk

import "syscall"

// pluginProcAttr has the kernel kill the job's plugin process when the
// process that started it (an executor or an AM) dies, so that a container
// killed with its NodeManager leaves no orphaned plugin behind.
func pluginProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
