//go:build !unix

package containermonitor

import "os"

// readProcFile reads the whole file at path; buf is unused on systems
// without procfs system calls.
func readProcFile(path string, buf []byte) ([]byte, error) {
	return os.ReadFile(path)
}
