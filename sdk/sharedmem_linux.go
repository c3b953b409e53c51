//go:build linux

package sdk

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// sharedSeals keep the shared memory's size fixed for its life: neither
// the host nor the job can shrink it under the other's mapping, which
// would make the other's next access fault.
const sharedSeals = unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_SEAL

// newSharedMem creates size bytes of memory to share with a job plugin: a
// sealed memfd, mapped here. Its pages cost memory only once written.
func newSharedMem(size int) (*sharedMem, error) {
	fd, err := unix.MemfdCreate("spindle-job-lanes", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("sdk: shared memory: memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "spindle-job-lanes")
	if err := unix.Ftruncate(fd, int64(size)); err != nil {
		f.Close()
		return nil, fmt.Errorf("sdk: shared memory: size %d: %w", size, err)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, sharedSeals); err != nil {
		f.Close()
		return nil, fmt.Errorf("sdk: shared memory: seal: %w", err)
	}
	mem, err := unix.Mmap(fd, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sdk: shared memory: map %d bytes: %w", size, err)
	}
	return &sharedMem{file: f, mem: mem}, nil
}

// openSharedMem maps the memory a host shared as file descriptor fd. It
// refuses memory whose size is not sealed.
func openSharedMem(fd int) (*sharedMem, error) {
	seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
	if err != nil {
		return nil, fmt.Errorf("sdk: shared memory fd %d: %w", fd, err)
	}
	if seals&(unix.F_SEAL_SHRINK|unix.F_SEAL_GROW) != unix.F_SEAL_SHRINK|unix.F_SEAL_GROW {
		return nil, fmt.Errorf("sdk: shared memory fd %d: its size is not sealed", fd)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("sdk: shared memory fd %d: %w", fd, err)
	}
	if st.Size <= 0 || st.Size > maxSharedBytes {
		return nil, fmt.Errorf("sdk: shared memory fd %d: size %d out of range", fd, st.Size)
	}
	mem, err := unix.Mmap(fd, 0, int(st.Size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("sdk: shared memory fd %d: map: %w", fd, err)
	}
	return &sharedMem{file: os.NewFile(uintptr(fd), "spindle-job-lanes"), mem: mem}, nil
}

// discard gives the pages of [off, off+n) back to the system; they read
// as zeros afterwards.
func (m *sharedMem) discard(off, n int) {
	_ = unix.Fallocate(int(m.file.Fd()), unix.FALLOC_FL_PUNCH_HOLE|unix.FALLOC_FL_KEEP_SIZE, int64(off), int64(n))
}

// close unmaps the memory and closes its file; no slice of it may be used
// after.
func (m *sharedMem) close() {
	_ = unix.Munmap(m.mem)
	m.file.Close()
}
