package hdfscheckpoint

import (
	"context"
	"time"
)

// BatchCommit records that a batch's output is complete. Once it is
// written the batch is never replayed.
type BatchCommit struct {
	// BatchTime identifies the batch; it is recorded to the millisecond.
	BatchTime time.Time
	// Outputs is the number of records the batch wrote to each sink, by
	// sink name.
	Outputs map[string]int64
}

// WriteCommit records that batch c.BatchTime is complete.
func (l *Log) WriteCommit(ctx context.Context, c BatchCommit) error {
	ms, err := batchMillis(c.BatchTime)
	if err != nil {
		return err
	}
	r := record{Kind: kindCommit, BatchTimeMs: ms, Outputs: c.Outputs}
	r.normalize()
	return l.writeEntry(ctx, l.commitPath(ms), r)
}

func (r *record) batchCommit() BatchCommit {
	return BatchCommit{BatchTime: batchTime(r.BatchTimeMs), Outputs: r.Outputs}
}
