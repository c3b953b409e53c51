//go:build !linux

package chaos

import "syscall"

// childAttr puts a child in its own process group, so that a terminal's
// Ctrl-C reaches only the chaos run.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
