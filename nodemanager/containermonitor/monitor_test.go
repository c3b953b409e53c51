package containermonitor

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

const (
	testContainerID = "container_1700000000000_0001_01_000002"
	helperMiB       = 64
	helperBytes     = helperMiB << 20
)

// yarnFirstSentence is YARN's summary of a physical memory kill.
var yarnFirstSentence = regexp.MustCompile(`^Container \[pid=(\d+),containerID=(container_\d+_\d+_\d+_\d+)\] ` +
	`is running beyond physical memory limits\. ` +
	`Current usage: (\d+B|\d+(?:\.\d)? [KMGTPE]B) of (\d+B|\d+(?:\.\d)? [KMGTPE]B) physical memory used\. ` +
	`Killing container\.\n`)

// recorder collects the violations a Monitor reports.
type recorder struct {
	mu         sync.Mutex
	violations []Violation
}

func (r *recorder) record(v Violation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.violations = append(r.violations, v)
}

func (r *recorder) all() []Violation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Violation(nil), r.violations...)
}

func newTestMonitor(t *testing.T, procRoot string) (*Monitor, *recorder, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	rec := &recorder{}
	cfg := DefaultConfig()
	cfg.ProcRoot = procRoot
	cfg.Logger = zap.New(core)
	cfg.OnExceeded = rec.record
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m, rec, logs
}

// treeUsage measures pid's process tree with a separate Monitor, so that
// the Monitor under test sees the tree for the first time.
func treeUsage(t *testing.T, pid int) int64 {
	t.Helper()
	m, _, _ := newTestMonitor(t, "/proc")
	m.Add(Container{ID: "probe", PID: pid})
	m.SampleOnce()
	usage, ok := m.Usage("probe")
	if !ok {
		t.Fatalf("probe of pid %d not sampled", pid)
	}
	return usage
}

func TestUnderLimitIsNeverReported(t *testing.T) {
	h := startHelper(t, helperAlloc, helperMiB)
	m, rec, _ := newTestMonitor(t, "/proc")
	limit := treeUsage(t, h.pid) + 64<<20
	m.Add(Container{ID: testContainerID, PID: h.pid, LimitBytes: limit})

	for i := 1; i <= 4; i++ {
		m.SampleOnce()
		if v := rec.all(); len(v) != 0 {
			t.Fatalf("sample %d: reported %+v for a tree under its limit", i, v)
		}
		usage, ok := m.Usage(testContainerID)
		if !ok {
			t.Fatalf("sample %d: Usage not ok", i)
		}
		if usage < helperBytes || usage > limit {
			t.Fatalf("sample %d: usage %d, want between %d touched bytes and the limit %d", i, usage, helperBytes, limit)
		}
	}
	if got := m.Containers(); len(got) != 1 || got[0] != testContainerID {
		t.Fatalf("Containers() = %v, want [%s]", got, testContainerID)
	}
}

func TestOverLimitIsReportedOnSecondSample(t *testing.T) {
	h := startHelper(t, helperAlloc, helperMiB)
	m, rec, logs := newTestMonitor(t, "/proc")
	// Over the limit but under twice it: only the aged rule can fire.
	limit := treeUsage(t, h.pid) * 3 / 4
	m.Add(Container{ID: testContainerID, PID: h.pid, LimitBytes: limit})

	m.SampleOnce()
	if v := rec.all(); len(v) != 0 {
		t.Fatalf("first sample reported %+v; processes younger than one sample must not count", v)
	}
	if usage, ok := m.Usage(testContainerID); !ok || usage <= limit {
		t.Fatalf("first sample: Usage = %d, %v; want over the limit %d", usage, ok, limit)
	}

	m.SampleOnce()
	got := rec.all()
	if len(got) != 1 {
		t.Fatalf("second sample reported %d violations, want 1", len(got))
	}
	v := got[0]
	if v.ContainerID != testContainerID || v.PID != h.pid || v.LimitBytes != limit {
		t.Errorf("violation = %+v, want container %s pid %d limit %d", v, testContainerID, h.pid, limit)
	}
	if v.UsageBytes <= limit || v.UsageBytes < helperBytes {
		t.Errorf("UsageBytes = %d, want over the limit %d and at least %d", v.UsageBytes, limit, helperBytes)
	}
	if v.ExitStatus != -104 {
		t.Errorf("ExitStatus = %d, want -104", v.ExitStatus)
	}
	checkDiagnostic(t, v, DefaultOverheadKey, h.pid)

	// Reported once, then no longer tracked.
	if ids := m.Containers(); len(ids) != 0 {
		t.Errorf("Containers() after violation = %v, want none", ids)
	}
	if _, ok := m.Usage(testContainerID); ok {
		t.Errorf("Usage still ok after the violation")
	}
	m.SampleOnce()
	if n := len(rec.all()); n != 1 {
		t.Errorf("%d violations after a further sample, want still 1", n)
	}

	warns := logs.FilterLevelExact(zapcore.WarnLevel).FilterMessage("container is running beyond physical memory limits").All()
	if len(warns) != 1 {
		t.Fatalf("%d WARN logs for the violation, want 1: %v", len(warns), logs.All())
	}
	fields := warns[0].ContextMap()
	if fields["container"] != testContainerID || fields["pid"] != int64(h.pid) ||
		fields["rss"] != v.UsageBytes || fields["limit"] != limit {
		t.Errorf("WARN fields = %v, want container %s pid %d rss %d limit %d", fields, testContainerID, h.pid, v.UsageBytes, limit)
	}
}

func TestOverTwiceLimitIsReportedOnFirstSample(t *testing.T) {
	h := startHelper(t, helperAlloc, helperMiB)
	m, rec, _ := newTestMonitor(t, "/proc")
	limit := treeUsage(t, h.pid) / 3
	const key = "spark.driver.memoryOverhead"
	m.Add(Container{ID: testContainerID, PID: h.pid, LimitBytes: limit, OverheadKey: key})

	m.SampleOnce()
	got := rec.all()
	if len(got) != 1 {
		t.Fatalf("first sample reported %d violations, want 1", len(got))
	}
	if got[0].UsageBytes <= 2*limit {
		t.Errorf("UsageBytes = %d, want over twice the limit %d", got[0].UsageBytes, limit)
	}
	checkDiagnostic(t, got[0], key, h.pid)
}

func TestProcessTreeIsSummed(t *testing.T) {
	h := startHelper(t, helperTree, helperMiB)
	rootRSS := processRSS(t, h.pid)
	childRSS := processRSS(t, h.childPID)
	if rootRSS >= childRSS || childRSS < helperBytes {
		t.Fatalf("helper tree: root RSS %d, child RSS %d; want the child to hold the %d touched bytes", rootRSS, childRSS, helperBytes)
	}
	// Twice the limit lies above each process but below their sum, so only
	// a summed tree is over it at the first sample.
	limit := (childRSS + rootRSS/2) / 2
	m, rec, _ := newTestMonitor(t, "/proc")
	m.Add(Container{ID: testContainerID, PID: h.pid, LimitBytes: limit})

	m.SampleOnce()
	got := rec.all()
	if len(got) != 1 {
		usage, _ := m.Usage(testContainerID)
		t.Fatalf("%d violations with usage %d and limit %d, want 1", len(got), usage, limit)
	}
	v := got[0]
	if v.UsageBytes < helperBytes+rootRSS/2 {
		t.Errorf("UsageBytes = %d, want about root %d + child %d", v.UsageBytes, rootRSS, childRSS)
	}
	checkDiagnostic(t, v, DefaultOverheadKey, h.pid)
	childLine := fmt.Sprintf("\n\t|- %d %d %d ", h.childPID, h.pid, h.pid)
	if !strings.Contains(v.Diagnostic, childLine) {
		t.Errorf("dump has no line for child %d with parent and group %d:\n%s", h.childPID, h.pid, v.Diagnostic)
	}
}

func TestVanishedProcessIsHarmless(t *testing.T) {
	h := startHelper(t, helperAlloc, helperMiB)
	m, rec, _ := newTestMonitor(t, "/proc")
	limit := treeUsage(t, h.pid) * 3 / 4
	m.Add(Container{ID: testContainerID, PID: h.pid, LimitBytes: limit})
	m.SampleOnce()
	if usage, ok := m.Usage(testContainerID); !ok || usage <= limit {
		t.Fatalf("Usage = %d, %v before exit, want over the limit %d", usage, ok, limit)
	}

	// Without the exit, this sample would report the container (see
	// TestOverLimitIsReportedOnSecondSample).
	h.kill(t)
	m.SampleOnce()
	if v := rec.all(); len(v) != 0 {
		t.Fatalf("reported %+v for an exited process", v)
	}
	if usage, ok := m.Usage(testContainerID); !ok || usage != 0 {
		t.Fatalf("Usage = %d, %v after exit, want 0, true", usage, ok)
	}
}

func TestNeverExistingPIDIsHarmless(t *testing.T) {
	data, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		t.Fatalf("read pid_max: %v", err)
	}
	pidMax, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("parse pid_max %q: %v", data, err)
	}
	m, rec, _ := newTestMonitor(t, "/proc")
	// Pids stay below pid_max.
	m.Add(Container{ID: testContainerID, PID: pidMax, LimitBytes: 1})
	m.SampleOnce()
	m.SampleOnce()
	if v := rec.all(); len(v) != 0 {
		t.Fatalf("reported %+v for a pid that cannot exist", v)
	}
	if usage, ok := m.Usage(testContainerID); !ok || usage != 0 {
		t.Fatalf("Usage = %d, %v, want 0, true", usage, ok)
	}
}

func TestRunReportsUntilCancelled(t *testing.T) {
	h := startHelper(t, helperAlloc, helperMiB)
	limit := treeUsage(t, h.pid) / 3
	reported := make(chan Violation, 1)
	cfg := DefaultConfig()
	cfg.Interval = 10 * time.Millisecond
	cfg.OnExceeded = func(v Violation) { reported <- v }
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	m.Add(Container{ID: testContainerID, PID: h.pid, LimitBytes: limit})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- m.Run(ctx) }()

	select {
	case v := <-reported:
		if v.ContainerID != testContainerID || v.PID != h.pid {
			t.Errorf("violation = %+v, want container %s pid %d", v, testContainerID, h.pid)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run reported no violation within 10s")
	}
	cancel()
	select {
	case err := <-runErr:
		if err != nil {
			t.Errorf("Run = %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of cancel")
	}
}

func TestAddRemoveContainers(t *testing.T) {
	m, _, logs := newTestMonitor(t, "/proc")
	self := os.Getpid()
	m.Add(Container{ID: "b", PID: self})
	m.Add(Container{ID: "a", PID: self})
	m.Add(Container{ID: "", PID: self})
	m.Add(Container{ID: "bad", PID: 0})
	if got := m.Containers(); strings.Join(got, ",") != "a,b" {
		t.Fatalf("Containers() = %v, want [a b]", got)
	}
	if n := logs.FilterMessage("ignoring invalid container").Len(); n != 2 {
		t.Errorf("%d logs for invalid containers, want 2", n)
	}
	if _, ok := m.Usage("a"); ok {
		t.Errorf("Usage ok before any sample")
	}
	m.SampleOnce()
	if usage, ok := m.Usage("a"); !ok || usage <= 0 {
		t.Errorf("Usage(a) = %d, %v; want this test process's RSS", usage, ok)
	}
	m.Remove("a")
	m.Remove("missing")
	if got := m.Containers(); strings.Join(got, ",") != "b" {
		t.Fatalf("Containers() after Remove = %v, want [b]", got)
	}
	if _, ok := m.Usage("a"); ok {
		t.Errorf("Usage of a removed container is ok")
	}
}

func TestConcurrentUse(t *testing.T) {
	m, _, _ := newTestMonitor(t, "/proc")
	self := os.Getpid()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			m.SampleOnce()
		}
	}()
	for i := 0; i < 200; i++ {
		id := fmt.Sprintf("c%d", i%5)
		m.Add(Container{ID: id, PID: self})
		m.Usage(id)
		m.Containers()
		if i%3 == 0 {
			m.Remove(id)
		}
	}
	cancel()
	wg.Wait()
	m.SampleOnce()
	for _, id := range m.Containers() {
		if usage, ok := m.Usage(id); !ok || usage <= 0 {
			t.Errorf("Usage(%s) = %d, %v; want this test process's RSS", id, usage, ok)
		}
	}
}

// checkDiagnostic asserts v.Diagnostic is YARN's message for v.
func checkDiagnostic(t *testing.T, v Violation, overheadKey string, rootPID int) {
	t.Helper()
	d := v.Diagnostic
	match := yarnFirstSentence.FindStringSubmatch(d)
	if match == nil {
		t.Fatalf("diagnostic does not start with YARN's sentence:\n%s", d)
	}
	if match[1] != strconv.Itoa(rootPID) || match[2] != v.ContainerID ||
		match[3] != FormatBytes(v.UsageBytes) || match[4] != FormatBytes(v.LimitBytes) {
		t.Errorf("diagnostic names pid %s container %s usage %s limit %s; want %d %s %s %s",
			match[1], match[2], match[3], match[4], rootPID, v.ContainerID, FormatBytes(v.UsageBytes), FormatBytes(v.LimitBytes))
	}
	dump := "Dump of the process-tree for " + v.ContainerID + " :\n" + dumpHeader
	if !strings.Contains(d, dump) {
		t.Errorf("diagnostic lacks the dump header %q:\n%s", dump, d)
	}
	rootLine := regexp.MustCompile(fmt.Sprintf(`\n\t\|- %d \d+ %d \d+ \(.*\) \d+ \d+ \d+ \d+ \S+.*-test\.run=`, rootPID, rootPID))
	if !rootLine.MatchString(d) {
		t.Errorf("dump has no line for root %d with its command line:\n%s", rootPID, d)
	}
	advice := "\nConsider boosting " + overheadKey + "."
	if !strings.HasSuffix(d, advice) {
		t.Errorf("diagnostic does not end with %q:\n%s", advice, d)
	}
}
