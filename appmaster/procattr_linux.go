package appmaster

import "syscall"

// driverProcAttr has the kernel kill a process-mode driver when its AM
// dies, so that a killed AM container leaves no driver behind.
func driverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
