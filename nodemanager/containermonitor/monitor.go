package containermonitor

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/spindlehq/spindle/launch"
	"go.uber.org/zap"
)

// Monitor samples the memory of the containers added to it. Its methods are
// safe for concurrent use.
type Monitor struct {
	cfg      Config
	log      *zap.Logger
	pageSize int64
	cmdline  func(pid int) string

	// sampleMu serialises samples; it guards scanner, members and the
	// sampling state of every tracked container.
	sampleMu sync.Mutex
	scanner  *procScanner
	members  []int

	// mu guards containers and each tracked container's usage fields.
	mu         sync.Mutex
	containers map[string]*tracked
}

// tracked is a container and what the previous samples saw of it.
type tracked struct {
	c Container

	// Guarded by Monitor.mu.
	usage   int64
	sampled bool

	// Guarded by Monitor.sampleMu.
	rootStart uint64 // start time of c.PID when first seen, to spot pid reuse
	rootSeen  bool
	prev      map[procKey]struct{} // processes in the tree at the previous sample
	cur       map[procKey]struct{} // scratch for this sample, swapped with prev
}

// procKey identifies a process across samples: a pid alone may be reused.
type procKey struct {
	pid   int
	start uint64
}

// New returns a Monitor for cfg, which must be valid and whose ProcRoot must
// be a readable directory.
func New(cfg Config) (*Monitor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	fi, err := os.Stat(cfg.ProcRoot)
	if err != nil {
		return nil, fmt.Errorf("containermonitor: stat proc root %s: %w", cfg.ProcRoot, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%w: ProcRoot %s is not a directory", ErrInvalidConfig, cfg.ProcRoot)
	}
	return &Monitor{
		cfg:        cfg,
		log:        cfg.Logger,
		pageSize:   int64(os.Getpagesize()),
		cmdline:    cmdlineReader(cfg.ProcRoot),
		scanner:    newProcScanner(cfg.ProcRoot),
		containers: make(map[string]*tracked),
	}, nil
}

// Add starts monitoring c from the next sample, replacing any container with
// the same ID. A container that fails Container.Validate is logged and
// ignored.
func (m *Monitor) Add(c Container) {
	if err := c.Validate(); err != nil {
		m.log.Warn("ignoring invalid container",
			zap.String("container", c.ID), zap.Int("pid", c.PID), zap.Error(err))
		return
	}
	t := &tracked{
		c:    c,
		prev: make(map[procKey]struct{}),
		cur:  make(map[procKey]struct{}),
	}
	m.mu.Lock()
	m.containers[c.ID] = t
	m.mu.Unlock()
}

// Remove stops monitoring the container with the given ID, if it is tracked.
func (m *Monitor) Remove(id string) {
	m.mu.Lock()
	delete(m.containers, id)
	m.mu.Unlock()
}

// Usage returns the RSS of the container's process tree at the last sample.
// ok is false when the container is not tracked or has not been sampled yet.
// A container whose root process has exited uses 0 bytes.
func (m *Monitor) Usage(id string) (rssBytes int64, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, found := m.containers[id]
	if !found || !t.sampled {
		return 0, false
	}
	return t.usage, true
}

// Containers returns the IDs of the tracked containers, sorted.
func (m *Monitor) Containers() []string {
	m.mu.Lock()
	ids := make([]string, 0, len(m.containers))
	for id := range m.containers {
		ids = append(ids, id)
	}
	m.mu.Unlock()
	slices.Sort(ids)
	return ids
}

// Run samples every Interval until ctx ends, starting at once, and returns
// nil when ctx ends.
func (m *Monitor) Run(ctx context.Context) error {
	ticker := time.NewTicker(m.cfg.Interval)
	defer ticker.Stop()
	for ctx.Err() == nil {
		m.SampleOnce()
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
	return nil
}

// SampleOnce reads the process table once, updates every tracked
// container's usage and reports the containers over their limits through
// OnExceeded before returning.
func (m *Monitor) SampleOnce() {
	m.sampleMu.Lock()
	defer m.sampleMu.Unlock()

	m.mu.Lock()
	batch := make([]*tracked, 0, len(m.containers))
	for _, t := range m.containers {
		batch = append(batch, t)
	}
	m.mu.Unlock()
	if len(batch) == 0 {
		return
	}

	table, stats, err := m.scanner.scan()
	if err != nil {
		m.log.Warn("cannot read process table", zap.String("proc_root", m.cfg.ProcRoot), zap.Error(err))
		return
	}
	if stats.malformed > 0 {
		m.log.Debug("skipped unreadable processes",
			zap.Int("count", stats.malformed), zap.Error(stats.lastErr))
	}

	var violations []Violation
	for _, t := range batch {
		usage, over, members := m.measure(t, table)
		var v Violation
		if over {
			v = m.violation(t.c, usage, members, table)
		}
		m.mu.Lock()
		current := m.containers[t.c.ID] == t
		if current {
			t.usage, t.sampled = usage, true
			if over {
				// Report once: the NodeManager kills the tree and a later
				// sample must not report it again while it dies.
				delete(m.containers, t.c.ID)
				violations = append(violations, v)
			}
		}
		m.mu.Unlock()
	}

	for _, v := range violations {
		m.log.Warn("container is running beyond physical memory limits",
			zap.String("container", v.ContainerID),
			zap.Int("pid", v.PID),
			zap.Int64("rss", v.UsageBytes),
			zap.Int64("limit", v.LimitBytes),
			zap.String("diagnostic", v.Diagnostic))
		if m.cfg.OnExceeded != nil {
			m.cfg.OnExceeded(v)
		}
	}
}

// measure computes t's tree RSS from table, applies YARN's rule and moves
// t's process history on by one sample. members, valid until the next
// measure, lists the tree's pids, root first.
func (m *Monitor) measure(t *tracked, table *procTable) (usage int64, over bool, members []int) {
	root, alive := table.procs[t.c.PID]
	if alive && t.rootSeen && root.StartTime != t.rootStart {
		// The container's process exited and its pid now belongs to
		// another process, which must not be measured, let alone killed.
		alive = false
	}
	if !alive {
		clear(t.prev)
		return 0, false, nil
	}
	if !t.rootSeen {
		t.rootStart, t.rootSeen = root.StartTime, true
	}

	m.members = table.descendants(m.members[:0], t.c.PID)
	var aged int64
	clear(t.cur)
	for _, pid := range m.members {
		st := table.procs[pid]
		rss := pagesToBytes(st.RSSPages, m.pageSize)
		key := procKey{pid: pid, start: st.StartTime}
		usage = saturatingAdd(usage, rss)
		if _, seen := t.prev[key]; seen {
			aged = saturatingAdd(aged, rss)
		}
		t.cur[key] = struct{}{}
	}
	t.prev, t.cur = t.cur, t.prev
	return usage, overLimit(usage, aged, t.c.LimitBytes), m.members
}

// overLimit is YARN's ContainersMonitorImpl.isProcessTreeOverLimit: a tree
// over twice its limit is over at once; otherwise only processes older than
// one sample count against the limit.
func overLimit(usage, agedUsage, limit int64) bool {
	if limit <= 0 {
		return false
	}
	// usage-limit > limit is usage > 2*limit without overflow.
	return usage-limit > limit || agedUsage > limit
}

func (m *Monitor) violation(c Container, usage int64, members []int, table *procTable) Violation {
	procs := make([]procStat, 0, len(members))
	for _, pid := range members {
		procs = append(procs, table.procs[pid])
	}
	return Violation{
		ContainerID: c.ID,
		PID:         c.PID,
		UsageBytes:  usage,
		LimitBytes:  c.LimitBytes,
		ExitStatus:  launch.ExitKilledExceededPMem,
		Diagnostic:  buildDiagnostic(c, usage, procs, m.cmdline),
	}
}

func pagesToBytes(pages, pageSize int64) int64 {
	if pages > math.MaxInt64/pageSize {
		return math.MaxInt64
	}
	return pages * pageSize
}

func saturatingAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
