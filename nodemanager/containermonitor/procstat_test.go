package containermonitor

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
)

// formatStat writes st the way the kernel writes /proc/<pid>/stat, with
// plausible values in the fields parseStat ignores.
func formatStat(st procStat) string {
	return fmt.Sprintf("%d (%s) %s %d %d %d 34816 %d 4194560 1200 0 3 0 %d %d 0 0 20 0 7 0 %d %d %d "+
		"18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		st.PID, st.Comm, []byte{st.State}, st.PPID, st.PGRP, st.Session, st.PGRP,
		st.UTime, st.STime, st.StartTime, st.VSize, st.RSSPages)
}

func TestParseStat(t *testing.T) {
	base := procStat{
		PID: 4242, Comm: "java", State: 'S', PPID: 4200, PGRP: 4242, Session: 4242,
		UTime: 1758, STime: 95, StartTime: 123456, VSize: 2265591808, RSSPages: 132182,
	}
	withComm := func(comm string) procStat {
		st := base
		st.Comm = comm
		return st
	}
	tests := []struct {
		name string
		in   string
		want procStat
	}{
		{"plain", formatStat(base), base},
		{"spaces in comm", formatStat(withComm("Web Content")), withComm("Web Content")},
		{"comm a) b", formatStat(withComm("a) b")), withComm("a) b")},
		{"comm (a) b)", formatStat(withComm("(a) b)")), withComm("(a) b)")},
		{"comm mimicking fields", formatStat(withComm("x) R 1 1 1")), withComm("x) R 1 1 1")},
		{"empty comm", formatStat(withComm("")), withComm("")},
		{"comm with newline", formatStat(withComm("a\nb")), withComm("a\nb")},
		{"no trailing newline", strings.TrimSuffix(formatStat(base), "\n"), base},
		{
			"kernel thread, minimal fields",
			"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 7 0 0 20 0 1 0 1 0 0",
			procStat{PID: 2, Comm: "kthreadd", State: 'S', STime: 7, StartTime: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStat([]byte(tt.in))
			if err != nil {
				t.Fatalf("parseStat(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("parseStat(%q) =\n%+v, want\n%+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseStatErrors(t *testing.T) {
	good := formatStat(procStat{PID: 7, Comm: "sh", State: 'S', PPID: 1, PGRP: 7, Session: 7, RSSPages: 10})
	fields := strings.Fields(good[strings.LastIndexByte(good, ')')+1:])
	// replace sets field i after the comm (state is 0) to v.
	replace := func(i int, v string) string {
		f := append([]string(nil), fields...)
		f[i] = v
		return "7 (sh) " + strings.Join(f, " ")
	}
	tests := []struct {
		name, in, wantMsg string
	}{
		{"empty", "", "no '('"},
		{"no comm", "7 S 1 7 7", "no '('"},
		{"unclosed comm", "7 (sh S 1 7 7", "no ')'"},
		{"close before open", ") 7 (sh", "no ')'"},
		{"pid not a number", strings.Replace(good, "7", "x", 1), "pid field"},
		{"pid zero", "0" + good[1:], "pid field"},
		{"pid negative", "-" + good, "pid field"},
		{"missing pid", good[strings.IndexByte(good, '('):], "pid field"},
		{"too few fields", "7 (sh) S 1 7 7 0", "5 fields after comm"},
		{"state too long", replace(statState, "SS"), "state field"},
		{"ppid not a number", replace(statPPID, "one"), "ppid field"},
		{"pgrp overflow", replace(statPGRP, "99999999999999999999"), "pgrp field"},
		{"session empty-ish", replace(statSession, "-"), "session field"},
		{"negative utime", replace(statUTime, "-1"), "utime field"},
		{"stime not a number", replace(statSTime, "1e3"), "stime field"},
		{"starttime not a number", replace(statStartTime, "x"), "starttime field"},
		{"vsize negative", replace(statVSize, "-4096"), "vsize field"},
		{"rss negative", replace(statRSS, "-1"), "rss field"},
		{"rss not a number", replace(statRSS, "lots"), "rss field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseStat([]byte(tt.in))
			if err == nil {
				t.Fatalf("parseStat(%q) succeeded, want an error", tt.in)
			}
			if !errors.Is(err, ErrMalformedStat) {
				t.Errorf("error %v does not wrap ErrMalformedStat", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}
}

func TestParseStatOfThisProcess(t *testing.T) {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatalf("read /proc/self/stat: %v", err)
	}
	st, err := parseStat(data)
	if err != nil {
		t.Fatalf("parseStat(%q): %v", data, err)
	}
	if st.PID != os.Getpid() || st.PPID != os.Getppid() || st.PGRP != syscall.Getpgrp() {
		t.Errorf("pid %d ppid %d pgrp %d, want %d %d %d", st.PID, st.PPID, st.PGRP, os.Getpid(), os.Getppid(), syscall.Getpgrp())
	}
	if st.RSSPages <= 0 || st.VSize == 0 || st.StartTime == 0 {
		t.Errorf("rss %d pages, vsize %d, starttime %d; want all positive", st.RSSPages, st.VSize, st.StartTime)
	}
}

func FuzzParseStat(f *testing.F) {
	seeds := []string{
		formatStat(procStat{PID: 1, Comm: "systemd", State: 'S', RSSPages: 3000}),
		formatStat(procStat{PID: 4242, Comm: "a) b", State: 'R', PPID: 1, PGRP: 4242, Session: 4242, RSSPages: 1}),
		formatStat(procStat{PID: 9, Comm: "(a) b)", State: 'Z', PPID: 4}),
		formatStat(procStat{PID: 10, Comm: "Web Content", State: 'S', PPID: 9}),
		"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 7 0 0 20 0 1 0 1 0 0",
		"7 (sh",
		"",
		"() ) ) )",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := parseStat(data)
		if err != nil {
			if !errors.Is(err, ErrMalformedStat) {
				t.Fatalf("error %v does not wrap ErrMalformedStat", err)
			}
			if len(err.Error()) <= len(ErrMalformedStat.Error())+2 {
				t.Fatalf("error %q does not say what is wrong", err)
			}
			return
		}
		if st.PID <= 0 || st.RSSPages < 0 {
			t.Fatalf("parsed pid %d rss %d from %q", st.PID, st.RSSPages, data)
		}
		// The comm is everything between the first '(' and the last ')'.
		open, closing := strings.IndexByte(string(data), '('), strings.LastIndexByte(string(data), ')')
		if st.Comm != string(data[open+1:closing]) {
			t.Fatalf("comm %q, want %q", st.Comm, data[open+1:closing])
		}
		again, err := parseStat([]byte(formatStat(st)))
		if err != nil {
			t.Fatalf("reparse of %+v: %v", st, err)
		}
		if again != st {
			t.Fatalf("round trip changed %+v into %+v", st, again)
		}
	})
}
