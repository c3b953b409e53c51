//go:build !linux

package sdk

import "syscall"

// pluginProcAttr is nil where the kernel has no parent-death signal.
func pluginProcAttr() *syscall.SysProcAttr { return nil }
