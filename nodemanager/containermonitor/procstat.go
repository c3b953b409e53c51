package containermonitor

import (
	"bytes"
	"fmt"
	"strconv"
)

// procStat is the part of /proc/<pid>/stat (see proc(5)) the monitor uses.
type procStat struct {
	PID       int
	Comm      string // the command name, without the surrounding parentheses
	State     byte
	PPID      int
	PGRP      int
	Session   int
	UTime     uint64 // user time, in clock ticks
	STime     uint64 // system time, in clock ticks
	StartTime uint64 // clock ticks after boot; with PID it identifies a process
	VSize     uint64 // virtual memory, bytes
	RSSPages  int64  // resident set size, pages
}

// Field positions after the comm field, counting the state as 0 (proc(5)
// numbers them from 1 including pid and comm, so state is field 3).
const (
	statState     = 0
	statPPID      = 1
	statPGRP      = 2
	statSession   = 3
	statUTime     = 11
	statSTime     = 12
	statStartTime = 19
	statVSize     = 20
	statRSS       = 21
	statFieldsMin = statRSS + 1
)

// parseStat parses the contents of a /proc/<pid>/stat file. The comm field
// may contain spaces and parentheses, so it spans from the first '(' to the
// last ')'; the fields after it never contain ')'.
func parseStat(data []byte) (procStat, error) {
	var st procStat
	open := bytes.IndexByte(data, '(')
	if open < 0 {
		return st, fmt.Errorf("%w: no '(' opening the comm field", ErrMalformedStat)
	}
	closing := bytes.LastIndexByte(data, ')')
	if closing < open {
		return st, fmt.Errorf("%w: no ')' closing the comm field", ErrMalformedStat)
	}
	pid, err := strconv.Atoi(string(bytes.TrimRight(data[:open], " ")))
	if err != nil || pid <= 0 {
		return st, fmt.Errorf("%w: pid field %q is not a positive integer", ErrMalformedStat, truncate(data[:open]))
	}
	st.PID = pid
	st.Comm = string(data[open+1 : closing])

	rest := data[closing+1:]
	for i := 0; i < statFieldsMin; i++ {
		var field []byte
		field, rest = nextField(rest)
		if field == nil {
			return st, fmt.Errorf("%w: pid %d: %d fields after comm, want at least %d", ErrMalformedStat, pid, i, statFieldsMin)
		}
		switch i {
		case statState:
			if len(field) != 1 {
				return st, fmt.Errorf("%w: pid %d: state field %q is not one character", ErrMalformedStat, pid, truncate(field))
			}
			st.State = field[0]
		case statPPID:
			st.PPID, err = parseIntField(pid, "ppid", field)
		case statPGRP:
			st.PGRP, err = parseIntField(pid, "pgrp", field)
		case statSession:
			st.Session, err = parseIntField(pid, "session", field)
		case statUTime:
			st.UTime, err = parseUintField(pid, "utime", field)
		case statSTime:
			st.STime, err = parseUintField(pid, "stime", field)
		case statStartTime:
			st.StartTime, err = parseUintField(pid, "starttime", field)
		case statVSize:
			st.VSize, err = parseUintField(pid, "vsize", field)
		case statRSS:
			st.RSSPages, err = parseRSSField(pid, field)
		}
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// nextField returns the first whitespace-separated field of b and what
// follows it, or a nil field when b holds no more fields.
func nextField(b []byte) (field, rest []byte) {
	start := 0
	for start < len(b) && isStatSpace(b[start]) {
		start++
	}
	if start == len(b) {
		return nil, nil
	}
	end := start
	for end < len(b) && !isStatSpace(b[end]) {
		end++
	}
	return b[start:end], b[end:]
}

func isStatSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t'
}

func parseIntField(pid int, name string, field []byte) (int, error) {
	v, err := strconv.ParseInt(string(field), 10, strconv.IntSize)
	if err != nil {
		return 0, fmt.Errorf("%w: pid %d: %s field %q is not an integer", ErrMalformedStat, pid, name, truncate(field))
	}
	return int(v), nil
}

func parseRSSField(pid int, field []byte) (int64, error) {
	v, err := strconv.ParseInt(string(field), 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%w: pid %d: rss field %q is not a page count", ErrMalformedStat, pid, truncate(field))
	}
	return v, nil
}

func parseUintField(pid int, name string, field []byte) (uint64, error) {
	v, err := strconv.ParseUint(string(field), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: pid %d: %s field %q is not an unsigned integer", ErrMalformedStat, pid, name, truncate(field))
	}
	return v, nil
}

// truncate keeps error messages short when a file holds garbage.
func truncate(b []byte) string {
	const max = 32
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
