package hdfscheckpoint

import (
	"context"
	"fmt"

	"go.uber.org/zap"
)

// Purge deletes all but the newest RetainBatches batches of each log
// (offsets, commits, state, received blocks). Each log is counted on its own, so a batch
// that is pending, and the state matching the last commit, are kept even
// when the logs have different lengths.
func (l *Log) Purge(ctx context.Context) error {
	if l.fence != nil {
		if err := l.fence.Check(ctx); err != nil {
			return fmt.Errorf("purge: %w", err)
		}
	}
	for _, lg := range []struct {
		name string
		dirs bool
	}{
		{offsetsDirName, false},
		{commitsDirName, false},
		{stateDirName, true},
		{blocksDirName, false},
	} {
		entries, err := l.listBatches(ctx, lg.name, lg.dirs)
		if err != nil {
			return fmt.Errorf("purge: %w", err)
		}
		if len(entries) <= l.retain {
			continue
		}
		old := entries[:len(entries)-l.retain]
		for _, e := range old {
			if err := l.store.Delete(ctx, e.path); err != nil {
				return fmt.Errorf("purge %s log: %w", lg.name, err)
			}
		}
		l.logger.Debug("purged checkpoint entries",
			zap.String("log", lg.name), zap.Int("deleted", len(old)), zap.Int64("oldestKeptMs", entries[len(old)].ms))
	}
	return nil
}
