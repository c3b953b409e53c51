package scheduler

import (
	"fmt"
	"sync"
)

// Scheduler places containers for applications on nodes. Create it with
// New; the zero value is not usable. All methods are safe for concurrent
// use.
type Scheduler struct {
	mu sync.Mutex

	cfg Config

	// nodes indexes nodeList by id; nodeList gives Schedule its order.
	nodes    map[string]*node
	nodeList []*node
	// cursor is the nodeList index where the next Schedule pass starts.
	cursor int

	queues     map[string]*queue
	queueList  []*queue // configuration order, for reports
	queueOrder []*queue // scratch, re-sorted by share before each placement
	queueNames string   // "a, b, default", for unknown-queue errors

	apps       map[string]*app
	containers map[string]*container
	// spare holds released container records for reuse, keeping the
	// allocation path free of heap allocations for them.
	spare []*container

	total, used Resource
	// held is the part of used in containers held for their NodeManager
	// to stop (see Hold); it counts against no queue.
	held Resource
	// nodeTotals caches the nodes' distinct capacities (see
	// distinctTotals); nil when a node changed.
	nodeTotals []Resource
	// pending is the number of containers asked for by all applications.
	pending int64
	// tick identifies the current scheduling opportunity (a NodeUpdate or a
	// Schedule pass), so that an ask misses at most one per opportunity.
	tick uint64
}

// New returns a Scheduler with the queues in cfg and no nodes or
// applications.
func New(cfg Config) (*Scheduler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	qcs := cfg.queueConfigs()
	s := &Scheduler{
		cfg:        cfg,
		nodes:      make(map[string]*node),
		queues:     make(map[string]*queue, len(qcs)),
		apps:       make(map[string]*app),
		containers: make(map[string]*container),
	}
	names := ""
	for i, qc := range qcs {
		q := &queue{
			name:        qc.Name,
			capacity:    qc.Capacity,
			maxCapacity: qc.MaxCapacity,
			guaranteed:  qc.Capacity / 100,
			index:       i,
		}
		s.queues[q.name] = q
		s.queueList = append(s.queueList, q)
		if i > 0 {
			names += ", "
		}
		names += q.name
	}
	s.queueOrder = append([]*queue(nil), s.queueList...)
	s.queueNames = names
	return s, nil
}

// ClusterResource returns the total capacity of all nodes and the amount
// allocated to containers.
func (s *Scheduler) ClusterResource() (total, used Resource) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total, s.used
}

// lookupApp returns the application with the given attempt id or an error
// wrapping ErrUnknownApplication.
func (s *Scheduler) lookupApp(attemptID string) (*app, error) {
	a := s.apps[attemptID]
	if a == nil {
		return nil, fmt.Errorf("%w: attempt %q", ErrUnknownApplication, attemptID)
	}
	return a, nil
}
