package chaos

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// leftoverGrace is how long processes get to exit after the cluster
// stopped before they count as left over.
const leftoverGrace = 5 * time.Second

// findLeftovers lists the processes whose program lies under dir, as
// "pid program": a container's job plugin runs from the container's
// working dir, so one that outlived its executor or AM shows here. It
// finds nothing where there is no /proc.
func findLeftovers(dir string) map[int]string {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	prefix := filepath.Clean(dir) + string(filepath.Separator)
	out := map[int]string{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(raw) == 0 {
			continue
		}
		prog, _, _ := bytes.Cut(raw, []byte{0})
		if strings.HasPrefix(string(prog), prefix) {
			out[pid] = string(prog)
		}
	}
	return out
}

// reapLeftovers waits up to grace for the processes under dir to exit,
// then SIGKILLs those that remain and describes them.
func reapLeftovers(dir string, grace time.Duration) []string {
	deadline := time.Now().Add(grace)
	left := findLeftovers(dir)
	for len(left) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		left = findLeftovers(dir)
	}
	var out []string
	for pid, prog := range left {
		syscall.Kill(pid, syscall.SIGKILL)
		out = append(out, fmt.Sprintf("pid %d: %s", pid, prog))
	}
	return out
}
