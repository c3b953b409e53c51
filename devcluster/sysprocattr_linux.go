package devcluster

import "syscall"

// childAttr puts a child in its own process group, so that a terminal's
// Ctrl-C reaches only the dev cluster, which stops children in order, and
// has the kernel kill it if the dev cluster dies first.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
