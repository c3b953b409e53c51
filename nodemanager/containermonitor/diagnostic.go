package containermonitor

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// dumpHeader is the first line of YARN's process-tree dump.
const dumpHeader = "\t|- PID PPID PGRPID SESSID CMD_NAME USER_MODE_TIME(MILLIS) SYSTEM_TIME(MILLIS) VMEM_USAGE(BYTES) RSSMEM_USAGE(PAGES) FULL_CMD_LINE\n"

// clockTicksPerSecond is USER_HZ, the unit of utime and stime in
// /proc/<pid>/stat, which Linux fixes at 100 for user space.
const clockTicksPerSecond = 100

// buildDiagnostic writes YARN's message for a container over its physical
// memory limit: the summary sentence, the process-tree dump (one line per
// member, root first) and advice on which setting to raise.
func buildDiagnostic(c Container, usage int64, members []procStat, cmdline func(pid int) string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Container [pid=%d,containerID=%s] is running beyond physical memory limits. "+
		"Current usage: %s of %s physical memory used. Killing container.\n",
		c.PID, c.ID, FormatBytes(usage), FormatBytes(c.LimitBytes))
	fmt.Fprintf(&b, "Dump of the process-tree for %s :\n", c.ID)
	b.WriteString(dumpHeader)
	for _, p := range members {
		fmt.Fprintf(&b, "\t|- %d %d %d %d (%s) %d %d %d %d %s\n",
			p.PID, p.PPID, p.PGRP, p.Session, p.Comm,
			ticksToMillis(p.UTime), ticksToMillis(p.STime),
			p.VSize, p.RSSPages, cmdline(p.PID))
	}
	fmt.Fprintf(&b, "Consider boosting %s.", c.overheadKey())
	return b.String()
}

func ticksToMillis(ticks uint64) uint64 {
	return ticks * (1000 / clockTicksPerSecond)
}

// cmdlineReader returns a function reading a process's full command line
// from procRoot, with arguments joined by spaces, or "N/A" when it is gone
// or empty (a zombie or kernel thread), as YARN prints it.
func cmdlineReader(procRoot string) func(pid int) string {
	return func(pid int) string {
		data, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "cmdline"))
		if err != nil {
			return "N/A"
		}
		data = bytes.TrimRight(data, "\x00")
		if len(data) == 0 {
			return "N/A"
		}
		return string(bytes.ReplaceAll(data, []byte{0}, []byte{' '}))
	}
}
