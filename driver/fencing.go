package driver

import (
	"context"
	"errors"
	"fmt"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/streaming/sink"
	"go.uber.org/zap"
)

// ErrFenced is wrapped by a driver's error when a newer attempt of the
// application (or a newer application on the same checkpoint) has taken
// the checkpoint or the sink over: this attempt must stop, and another
// attempt of it would be refused the same way.
var ErrFenced = hdfscheckpoint.ErrFenced

// fences are an attempt's claims on its checkpoint and file sink.
type fences struct {
	ckpt      *hdfscheckpoint.Fence
	sink      *hdfscheckpoint.Fence
	sinkStore dfs.Store
	lg        *zap.Logger
}

// claimFences makes attempt epoch the only writer of the checkpoint dir
// (on store) and, for the file sink, of the sink's directory, before the
// driver reads either: every write of an older attempt fails from then
// on (hdfscheckpoint.Fence says how).
func claimFences(ctx context.Context, epoch ids.AttemptID, store dfs.Store, dir string, scfg sink.Config, lg *zap.Logger) (*fences, error) {
	f := &fences{lg: lg}
	var err error
	if f.ckpt, err = hdfscheckpoint.Claim(ctx, store, dir, epoch, lg); err != nil {
		return nil, fmt.Errorf("driver: checkpoint: %w", err)
	}
	if scfg.Kind != sink.KindFile {
		return f, nil
	}
	uri := scfg.Path
	s, sdir, err := dfs.Open(ctx, uri)
	if err != nil {
		return nil, fmt.Errorf("driver: sink %s: %w", uri, err)
	}
	if f.sink, err = hdfscheckpoint.Claim(ctx, s, sdir, epoch, lg); err != nil {
		s.Close()
		return nil, fmt.Errorf("driver: sink: %w", err)
	}
	f.sinkStore = s
	lg.Info("checkpoint and sink fenced for this attempt", zap.String("attempt", epoch.String()),
		zap.String("checkpoint", dir), zap.String("sink", uri))
	return f, nil
}

// release gives the directories up at the attempt's clean end, so that
// the next application on them, whatever its id, may claim them.
func (f *fences) release(ctx context.Context) {
	for _, fc := range []*hdfscheckpoint.Fence{f.ckpt, f.sink} {
		if fc == nil {
			continue
		}
		if err := fc.Release(ctx); err != nil && !errors.Is(err, context.Canceled) {
			f.lg.Warn("release fence", zap.String("dir", fc.Dir()), zap.Error(err))
		}
	}
}

// close releases the sink's store.
func (f *fences) close() {
	if f.sinkStore != nil {
		f.sinkStore.Close()
	}
}
