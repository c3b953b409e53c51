//go:build linux

package launcher

import (
	"errors"
	"syscall"
	"unsafe"
)

// pPID is waitid's P_PID id type.
const pPID = 1

// waitExitedNoReap blocks until process pid has exited but leaves it a
// zombie. While it is unreaped its pid, and so its process group id,
// cannot be reused, which makes a signal to the group safe.
func waitExitedNoReap(pid int) error {
	// siginfo_t is 128 bytes on Linux.
	var info [16]uint64
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid),
			uintptr(unsafe.Pointer(&info)), syscall.WEXITED|syscall.WNOWAIT, 0, 0)
		if errno == 0 {
			return nil
		}
		if !errors.Is(errno, syscall.EINTR) {
			return errno
		}
	}
}
