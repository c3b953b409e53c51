//go:build !linux

package appmaster

import "syscall"

// driverProcAttr is empty where the kernel cannot kill a child with its parent.
func driverProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
