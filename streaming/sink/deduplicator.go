package sink

import (
	"sync"
	"time"

	"github.com/IBM/sarama"
)

// Deduplicator tells, for a consumer of a Kafka sink's topic, the first
// delivery of each output from the same output written again when a batch
// was replayed. It remembers the OutputIDs it has seen; ForgetBefore bounds
// that memory. The zero value is ready to use, and it is safe for
// concurrent use.
type Deduplicator struct {
	mu         sync.Mutex
	seen       map[OutputID]struct{}
	duplicates int64
	newest     int64
}

// First records id and reports whether it is the first time it is seen;
// false means the output is a replay of one already seen, to be skipped.
func (d *Deduplicator) First(id OutputID) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.seen[id]; ok {
		d.duplicates++
		return false
	}
	if d.seen == nil {
		d.seen = make(map[OutputID]struct{})
	}
	d.seen[id] = struct{}{}
	d.newest = max(d.newest, id.BatchTimeMs)
	return true
}

// FirstMessage reads m's OutputID and reports whether it is the first
// delivery of that output. A message without valid Spindle headers is an
// error (see ParseOutputID) and is not recorded.
func (d *Deduplicator) FirstMessage(m *sarama.ConsumerMessage) (bool, OutputID, error) {
	id, err := ParseOutputID(m.Headers)
	if err != nil {
		return false, OutputID{}, err
	}
	return d.First(id), id, nil
}

// Duplicates is how many times First reported a replay.
func (d *Deduplicator) Duplicates() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.duplicates
}

// Len is how many OutputIDs are remembered.
func (d *Deduplicator) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}

// Newest is the newest batch time seen, the zero time before any.
func (d *Deduplicator) Newest() time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seen == nil {
		return time.Time{}
	}
	return time.UnixMilli(d.newest).UTC()
}

// ForgetBefore drops the OutputIDs of batches before t and returns how many
// it dropped. Only the batches in flight when an application failed are
// replayed, the newest it had started, and they keep their batch times
// however long the application takes to resume. So a consumer can forget
// batches some batch intervals older than the newest it has seen, e.g.
// d.ForgetBefore(d.Newest().Add(-100 * batchDuration)), but should not
// forget by the wall clock.
func (d *Deduplicator) ForgetBefore(t time.Time) int {
	cut := t.UnixMilli()
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for id := range d.seen {
		if id.BatchTimeMs < cut {
			delete(d.seen, id)
			n++
		}
	}
	return n
}
