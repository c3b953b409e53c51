//go:build unix

package containermonitor

import "syscall"

// readProcFile reads the whole of a procfs file that the kernel produces in
// one read (like /proc/<pid>/stat) into buf, growing it if needed, and
// returns the filled part. It runs for every process on every sample, so it
// uses raw system calls and stops at the first short read instead of reading
// again to see end of file.
func readProcFile(path string, buf []byte) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return buf[:0], err
	}
	defer syscall.Close(fd)
	n := 0
	for {
		if n == len(buf) {
			buf = append(buf, make([]byte, len(buf)+512)...)
		}
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return buf[:0], err
		}
		n += m
		if n < len(buf) {
			return buf[:n], nil
		}
	}
}
