package sls

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// recorder gathers latencies and counts while measuring is on.
type recorder struct {
	measuring atomic.Bool
	// longestInterval is the longest heartbeat interval the RM asked for.
	longestInterval atomic.Int64

	mu              sync.Mutex
	heartbeats      []time.Duration
	allocates       []time.Duration
	allocations     int64
	heartbeatErrors int64
	allocateErrors  int64
}

func (r *recorder) heartbeat(d time.Duration, err error) {
	if !r.measuring.Load() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.heartbeatErrors++
		return
	}
	r.heartbeats = append(r.heartbeats, d)
}

func (r *recorder) interval(d time.Duration) {
	for {
		old := r.longestInterval.Load()
		if int64(d) <= old || r.longestInterval.CompareAndSwap(old, int64(d)) {
			return
		}
	}
}

func (r *recorder) allocate(d time.Duration, allocated int, err error) {
	if !r.measuring.Load() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.allocateErrors++
		return
	}
	r.allocates = append(r.allocates, d)
	r.allocations += int64(allocated)
}

// quantile is the q-quantile of d (0 for none).
func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(int(q*float64(len(s))), len(s)-1)]
}
