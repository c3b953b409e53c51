package containermonitor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// procTable is one scan of the process table: every process's stat and, for
// each pid, the pids of its children.
type procTable struct {
	procs    map[int]procStat
	children map[int][]int
}

// descendants appends root and all its descendants, root first, in
// breadth-first order, to dst. Every process has one parent, so the only way
// back to a pid already visited is through root; skipping root as a child
// keeps the walk finite even on a table read while pids were reused.
func (t *procTable) descendants(dst []int, root int) []int {
	dst = append(dst, root)
	for i := len(dst) - 1; i < len(dst); i++ {
		for _, child := range t.children[dst[i]] {
			if child != root {
				dst = append(dst, child)
			}
		}
	}
	return dst
}

// scanStats counts the processes a scan skipped for a reason other than
// having exited between listing /proc and reading their stat.
type scanStats struct {
	malformed int   // stat unreadable or not in the kernel's format
	lastErr   error // the last error behind malformed, for the log
}

// procScanner reads the process table, reusing its buffers and maps from one
// scan to the next. It is not safe for concurrent use.
type procScanner struct {
	root  string
	buf   []byte
	table procTable
}

func newProcScanner(root string) *procScanner {
	return &procScanner{
		root: root,
		buf:  make([]byte, 4096),
		table: procTable{
			procs:    make(map[int]procStat),
			children: make(map[int][]int),
		},
	}
}

// scan reads every /proc/<pid>/stat once. The returned table is valid until
// the next scan.
func (s *procScanner) scan() (*procTable, scanStats, error) {
	var stats scanStats
	dir, err := os.Open(s.root)
	if err != nil {
		return nil, stats, fmt.Errorf("open proc root %s: %w", s.root, err)
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return nil, stats, fmt.Errorf("list proc root %s: %w", s.root, err)
	}

	t := &s.table
	clear(t.procs)
	clear(t.children)
	for _, name := range names {
		pid, ok := parsePIDName(name)
		if !ok {
			continue
		}
		path := s.root + "/" + name + "/stat"
		data, err := readProcFile(path, s.buf)
		if cap(data) > cap(s.buf) {
			s.buf = data[:cap(data)]
		}
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ESRCH) {
				stats.malformed++
				stats.lastErr = fmt.Errorf("read %s: %w", path, err)
			}
			continue
		}
		st, err := parseStat(data)
		if err != nil {
			stats.malformed++
			stats.lastErr = fmt.Errorf("parse %s: %w", path, err)
			continue
		}
		if st.PID != pid {
			stats.malformed++
			stats.lastErr = fmt.Errorf("parse %s: %w: names pid %d", path, ErrMalformedStat, st.PID)
			continue
		}
		t.procs[pid] = st
		t.children[st.PPID] = append(t.children[st.PPID], pid)
	}
	return t, stats, nil
}

// parsePIDName reports whether a /proc entry name is a pid, and which.
func parsePIDName(name string) (int, bool) {
	if name == "" || len(name) > 10 {
		return 0, false
	}
	pid := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		pid = pid*10 + int(c-'0')
	}
	return pid, pid > 0
}
