package nodemanager

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// detectMemoryMB reads the machine's memory from /proc/meminfo.
func detectMemoryMB() (int64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("nodemanager: detect memory (set yarn.nodemanager.resource.memory-mb): %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("nodemanager: /proc/meminfo MemTotal %q: %w", fields[1], err)
			}
			return kb / 1024, nil
		}
	}
	return 0, fmt.Errorf("nodemanager: no MemTotal in /proc/meminfo: set yarn.nodemanager.resource.memory-mb")
}

// resolveResources replaces -1 with the machine's memory and CPUs.
func resolveResources(memoryMB int64, vcores int32) (int64, int32, error) {
	if memoryMB == -1 {
		m, err := detectMemoryMB()
		if err != nil {
			return 0, 0, err
		}
		memoryMB = m
	}
	if vcores == -1 {
		vcores = int32(runtime.NumCPU())
	}
	return memoryMB, vcores, nil
}
