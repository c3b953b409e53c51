package executor

import (
	"context"
	"sync"

	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/wal"
)

// redeliveryFilter drops, from the blocks a receiver stores, the records
// its source delivered again (sdk.HeaderRedelivered) although the last
// block stored before holds them: a receiver acknowledges its source
// right after a block is stored, so only that block's acknowledgement can
// have been lost with the receiver, and the source then delivers its
// records again.
type redeliveryFilter struct {
	mu   sync.Mutex
	last map[string]bool
}

// seed starts the filter with the ids of the block at path, the newest
// the stream's earlier runs stored; a block that cannot be read seeds
// nothing.
func (f *redeliveryFilter) seed(ctx context.Context, w *wal.Log, path string) error {
	if path == "" || w == nil {
		return nil
	}
	b, err := w.ReadBlock(ctx, path)
	if err != nil {
		return err
	}
	f.stored(b.Records)
	return nil
}

// filter returns recs without the redelivered records the last block
// holds.
func (f *redeliveryFilter) filter(recs []sdk.Record) []sdk.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.last) == 0 {
		return recs
	}
	var out []sdk.Record
	for i, r := range recs {
		id, hasID := r.Header(sdk.HeaderReceiverID)
		_, again := r.Header(sdk.HeaderRedelivered)
		if hasID && again && f.last[string(id)] {
			if out == nil {
				out = append(make([]sdk.Record, 0, len(recs)), recs[:i]...)
			}
			continue
		}
		if out != nil {
			out = append(out, r)
		}
	}
	if out == nil {
		return recs
	}
	return out
}

// stored makes recs the last block stored.
func (f *redeliveryFilter) stored(recs []sdk.Record) {
	ids := map[string]bool{}
	for _, r := range recs {
		if id, ok := r.Header(sdk.HeaderReceiverID); ok {
			ids[string(id)] = true
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = ids
}
