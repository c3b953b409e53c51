package sink

import (
	"context"
	"fmt"
	"io"

	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/ids"
)

// ForEpoch returns the sink for the tasks of attempt epoch (the attempt
// id the driver sends with each task, after it claimed Dir with
// hdfscheckpoint.Claim): its writes go through that attempt's fence, so
// that once a newer attempt has claimed Dir, an older one's executors
// (a node cut off and back, tasks still running for a zombie driver)
// write nothing there: they fail with hdfscheckpoint.ErrFenced. An empty
// epoch writes unfenced, as a driver that fences nothing asks.
func (s FileSink) ForEpoch(epoch string) (FileSink, error) {
	if epoch == "" {
		return s, nil
	}
	a, err := ids.ParseAttemptID(epoch)
	if err != nil {
		return FileSink{}, fmt.Errorf("sink: task epoch: %w", err)
	}
	f, err := hdfscheckpoint.Join(s.Store, s.Dir, a, nil)
	if err != nil {
		return FileSink{}, fmt.Errorf("sink %s: %w", s.Dir, err)
	}
	s.fence = f
	return s, nil
}

// write writes one file of the sink atomically, through the fence when
// the sink has one.
func (s FileSink) write(ctx context.Context, p string, data []byte) error {
	if s.fence != nil {
		return s.fence.WriteFile(ctx, p, data)
	}
	return s.Store.WriteFile(ctx, p, data)
}

// writeFrom streams r into one file of the sink atomically, through the
// fence when the sink has one.
func (s FileSink) writeFrom(ctx context.Context, p string, r io.Reader) (int64, error) {
	if s.fence != nil {
		return s.fence.WriteFrom(ctx, p, r)
	}
	return s.Store.WriteFrom(ctx, p, r)
}
