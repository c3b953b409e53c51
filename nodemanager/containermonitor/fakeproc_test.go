package containermonitor

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/zap/zapcore"
)

// fakeProc is a procfs-like directory of real files, for process tables
// that real processes cannot easily produce (pid reuse, cycles, garbage).
type fakeProc struct {
	t   *testing.T
	dir string
}

func newFakeProc(t *testing.T) fakeProc {
	return fakeProc{t: t, dir: t.TempDir()}
}

var testPageSize = int64(os.Getpagesize())

// set writes a process with the given parent, start time and RSS.
func (f fakeProc) set(pid, ppid int, start uint64, rssBytes int64, comm string) {
	f.t.Helper()
	st := procStat{
		PID: pid, Comm: comm, State: 'S', PPID: ppid, PGRP: pid, Session: pid,
		UTime: 3, STime: 1, StartTime: start, VSize: uint64(4 * rssBytes), RSSPages: rssBytes / testPageSize,
	}
	f.write(strconv.Itoa(pid), "stat", formatStat(st))
}

func (f fakeProc) write(name, file, content string) {
	f.t.Helper()
	dir := filepath.Join(f.dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f fakeProc) remove(pid int) {
	f.t.Helper()
	if err := os.RemoveAll(filepath.Join(f.dir, strconv.Itoa(pid))); err != nil {
		f.t.Fatal(err)
	}
}

const mib = int64(1) << 20

func TestAgedRuleIgnoresProcessesYoungerThanOneSample(t *testing.T) {
	p := newFakeProc(t)
	p.set(1, 0, 1, 8*mib, "init")
	p.set(50, 1, 10, 64*mib, "unrelated")
	p.set(100, 1, 1000, 10*mib, "java")
	p.write("100", "cmdline", "java\x00-Xmx8m\x00Main\x00")
	m, rec, _ := newTestMonitor(t, p.dir)
	m.Add(Container{ID: testContainerID, PID: 100, LimitBytes: 16 * mib})

	sample := func(wantUsage int64, wantViolations int) {
		t.Helper()
		m.SampleOnce()
		if got := len(rec.all()); got != wantViolations {
			t.Fatalf("%d violations, want %d", got, wantViolations)
		}
		if wantViolations == 0 {
			if usage, ok := m.Usage(testContainerID); !ok || usage != wantUsage {
				t.Fatalf("Usage = %d, %v; want %d", usage, ok, wantUsage)
			}
		}
	}
	sample(10*mib, 0)
	// New processes push the tree over the limit (not over twice it); they
	// count only from the next sample.
	p.set(101, 100, 2000, 10*mib, "python")
	p.set(102, 101, 2001, 1*mib, "sh")
	sample(21*mib, 0)
	sample(21*mib, 1)

	v := rec.all()[0]
	if v.UsageBytes != 21*mib || v.LimitBytes != 16*mib || v.PID != 100 {
		t.Errorf("violation = %+v, want usage %d limit %d pid 100", v, 21*mib, 16*mib)
	}
	checkDumpLines(t, v.Diagnostic, []string{
		"\t|- 100 1 100 100 (java) 30 10 " + strconv.FormatInt(40*mib, 10) + " " + strconv.FormatInt(10*mib/testPageSize, 10) + " java -Xmx8m Main",
		"\t|- 101 100 101 101 (python) 30 10 " + strconv.FormatInt(40*mib, 10) + " " + strconv.FormatInt(10*mib/testPageSize, 10) + " N/A",
		"\t|- 102 101 102 102 (sh) 30 10 " + strconv.FormatInt(4*mib, 10) + " " + strconv.FormatInt(mib/testPageSize, 10) + " N/A",
	})
}

func TestReusedPIDIsNotAged(t *testing.T) {
	p := newFakeProc(t)
	p.set(100, 1, 1000, 4*mib, "java")
	p.set(101, 100, 2000, 4*mib, "child")
	m, rec, _ := newTestMonitor(t, p.dir)
	m.Add(Container{ID: testContainerID, PID: 100, LimitBytes: 10 * mib})
	m.SampleOnce()

	// 101 exits and a new, larger process gets its pid.
	p.set(101, 100, 3000, 12*mib, "child")
	m.SampleOnce()
	if v := rec.all(); len(v) != 0 {
		t.Fatalf("reported %+v, but the process holding pid 101 is one sample old", v)
	}
	m.SampleOnce()
	if n := len(rec.all()); n != 1 {
		t.Fatalf("%d violations once the new process aged, want 1", n)
	}
}

func TestReusedRootPIDIsNotMeasured(t *testing.T) {
	p := newFakeProc(t)
	p.set(100, 1, 1000, 4*mib, "java")
	m, rec, _ := newTestMonitor(t, p.dir)
	m.Add(Container{ID: testContainerID, PID: 100, LimitBytes: 8 * mib})
	m.SampleOnce()

	// The container exits and an unrelated process gets its pid.
	p.set(100, 1, 9000, 512*mib, "postgres")
	m.SampleOnce()
	m.SampleOnce()
	if v := rec.all(); len(v) != 0 {
		t.Fatalf("reported %+v for another process holding the container's pid", v)
	}
	if usage, ok := m.Usage(testContainerID); !ok || usage != 0 {
		t.Fatalf("Usage = %d, %v; want 0, true", usage, ok)
	}
}

func TestUnreadableEntriesAreSkipped(t *testing.T) {
	p := newFakeProc(t)
	p.set(100, 1, 1000, 4*mib, "java")
	p.set(101, 100, 1001, 2*mib, "child")
	p.write("102", "stat", "102 (broken")           // malformed
	p.write("103", "status", "no stat file here")   // exited mid-scan
	p.write("self", "stat", formatStat(procStat{})) // not a pid
	p.write("sys", "kernel", "")
	p.set(104, 1, 1002, 2*mib, "liar")
	if err := os.Rename(filepath.Join(p.dir, "104"), filepath.Join(p.dir, "105")); err != nil {
		t.Fatal(err) // 105/stat now names pid 104
	}
	m, rec, logs := newTestMonitor(t, p.dir)
	m.Add(Container{ID: testContainerID, PID: 100, LimitBytes: 100 * mib})
	m.SampleOnce()
	if usage, ok := m.Usage(testContainerID); !ok || usage != 6*mib {
		t.Fatalf("Usage = %d, %v; want %d", usage, ok, 6*mib)
	}
	if v := rec.all(); len(v) != 0 {
		t.Fatalf("unexpected violations %+v", v)
	}
	skipped := logs.FilterLevelExact(zapcore.DebugLevel).FilterMessage("skipped unreadable processes").All()
	if len(skipped) != 1 || skipped[0].ContextMap()["count"] != int64(2) {
		t.Fatalf("skip logs = %v, want one with count 2", skipped)
	}
}

func TestProcRootGoneIsLoggedNotFatal(t *testing.T) {
	p := newFakeProc(t)
	p.set(100, 1, 1000, 4*mib, "java")
	m, rec, logs := newTestMonitor(t, p.dir)
	m.Add(Container{ID: testContainerID, PID: 100, LimitBytes: 1})
	if err := os.RemoveAll(p.dir); err != nil {
		t.Fatal(err)
	}
	m.SampleOnce()
	if v := rec.all(); len(v) != 0 {
		t.Fatalf("unexpected violations %+v", v)
	}
	if _, ok := m.Usage(testContainerID); ok {
		t.Errorf("Usage ok without any successful sample")
	}
	warns := logs.FilterLevelExact(zapcore.WarnLevel).FilterMessage("cannot read process table").All()
	if len(warns) != 1 || !strings.Contains(warns[0].ContextMap()["error"].(string), p.dir) {
		t.Fatalf("warnings = %v, want one naming %s", warns, p.dir)
	}
}

func TestNoLimitIsNeverReported(t *testing.T) {
	p := newFakeProc(t)
	p.set(100, 1, 1000, 64*mib, "java")
	m, rec, _ := newTestMonitor(t, p.dir)
	m.Add(Container{ID: testContainerID, PID: 100})
	m.SampleOnce()
	m.SampleOnce()
	if v := rec.all(); len(v) != 0 {
		t.Fatalf("reported %+v for a container without a limit", v)
	}
	if usage, _ := m.Usage(testContainerID); usage != 64*mib {
		t.Fatalf("Usage = %d, want %d", usage, 64*mib)
	}
}

func TestDescendants(t *testing.T) {
	// parent of each pid
	tests := []struct {
		name    string
		parents map[int]int
		root    int
		want    []int
	}{
		{"lone", map[int]int{10: 1}, 10, []int{10}},
		{"absent root", map[int]int{10: 1}, 11, []int{11}},
		{"chain", map[int]int{10: 1, 11: 10, 12: 11}, 10, []int{10, 11, 12}},
		{"breadth first", map[int]int{10: 1, 11: 10, 12: 10, 13: 11, 14: 1}, 10, []int{10, 11, 12, 13}},
		{"subtree only", map[int]int{10: 1, 11: 10, 12: 11}, 11, []int{11, 12}},
		{"cycle through root", map[int]int{10: 11, 11: 10, 12: 11}, 10, []int{10, 11, 12}},
		{"self parent", map[int]int{10: 10, 11: 10}, 10, []int{10, 11}},
		{"unreachable cycle", map[int]int{10: 1, 20: 21, 21: 20}, 10, []int{10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := procTable{procs: map[int]procStat{}, children: map[int][]int{}}
			pids := make([]int, 0, len(tt.parents))
			for pid := range tt.parents {
				pids = append(pids, pid)
			}
			slices.Sort(pids)
			for _, pid := range pids {
				table.children[tt.parents[pid]] = append(table.children[tt.parents[pid]], pid)
			}
			got := table.descendants(nil, tt.root)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("descendants(%d) = %v, want %v", tt.root, got, tt.want)
			}
		})
	}
}

func TestOverLimit(t *testing.T) {
	tests := []struct {
		name               string
		usage, aged, limit int64
		want               bool
	}{
		{"under", 90, 90, 100, false},
		{"at limit", 100, 100, 100, false},
		{"over, aged over", 150, 101, 100, true},
		{"over, aged under", 150, 100, 100, false},
		{"over, nothing aged", 199, 0, 100, false},
		{"exactly twice", 200, 0, 100, false},
		{"over twice, nothing aged", 201, 0, 100, true},
		{"no limit", 1 << 40, 1 << 40, 0, false},
		{"negative limit", 10, 10, -1, false},
		{"huge", 1<<63 - 1, 0, 1<<62 - 1, true},
		{"huge, just under twice", 1<<63 - 1, 0, 1 << 62, false},
		{"huge limit", 1<<63 - 1, 0, 1<<63 - 1, false},
	}
	for _, tt := range tests {
		if got := overLimit(tt.usage, tt.aged, tt.limit); got != tt.want {
			t.Errorf("%s: overLimit(%d, %d, %d) = %v, want %v", tt.name, tt.usage, tt.aged, tt.limit, got, tt.want)
		}
	}
}

// checkDumpLines asserts the diagnostic's dump lists exactly these process
// lines, in order.
func checkDumpLines(t *testing.T, diagnostic string, want []string) {
	t.Helper()
	_, dump, ok := strings.Cut(diagnostic, dumpHeader)
	if !ok {
		t.Fatalf("no dump header in:\n%s", diagnostic)
	}
	lines := strings.Split(dump, "\n")
	got := lines[:len(lines)-1] // the advice follows the process lines
	if !slices.Equal(got, want) {
		t.Fatalf("dump lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if advice := lines[len(lines)-1]; !strings.HasPrefix(advice, "Consider boosting ") {
		t.Fatalf("last line %q, want the advice", advice)
	}
}
