package hdfscheckpoint

import (
	"context"
	"errors"
	"fmt"
	"path"
	"time"
)

// AllPartitionsState is the state snapshot name for state that is not kept
// per partition.
const AllPartitionsState = "all"

// WriteState stores the keyed-state snapshot name (a partition, or
// AllPartitionsState) taken after batch batchTime, replacing an earlier one.
// A driver writes a batch's snapshots before its commit, so that the state
// matching the last committed batch is always there.
func (l *Log) WriteState(ctx context.Context, batchTime time.Time, name string, data []byte) error {
	ms, err := batchMillis(batchTime)
	if err != nil {
		return err
	}
	if err := validateStateName(name); err != nil {
		return fmt.Errorf("write state of batch %d: %w: %v", ms, ErrInvalidBatch, err)
	}
	r := record{Kind: kindState, BatchTimeMs: ms, Name: name, Data: data}
	r.normalize()
	return l.writeEntry(ctx, path.Join(l.stateDir(ms), name), r)
}

// ReadState returns the snapshot name taken after batch batchTime. A missing
// snapshot wraps ErrNotFound; a damaged one ErrCorruptEntry or
// ErrNewerFormat.
func (l *Log) ReadState(ctx context.Context, batchTime time.Time, name string) ([]byte, error) {
	ms, err := batchMillis(batchTime)
	if err != nil {
		return nil, err
	}
	if err := validateStateName(name); err != nil {
		return nil, fmt.Errorf("read state of batch %d: %w: %v", ms, ErrInvalidBatch, err)
	}
	p := path.Join(l.stateDir(ms), name)
	r, err := l.readEntry(ctx, p, kindState, ms)
	if err != nil {
		return nil, err
	}
	if r.Name != name {
		return nil, fmt.Errorf("read state entry %s: %w: holds snapshot %q", p, ErrCorruptEntry, r.Name)
	}
	if r.Data == nil {
		return []byte{}, nil
	}
	return r.Data, nil
}

// StateNames returns the names of the snapshots taken after batch
// batchTime, sorted; none when the batch has no snapshot.
func (l *Log) StateNames(ctx context.Context, batchTime time.Time) ([]string, error) {
	ms, err := batchMillis(batchTime)
	if err != nil {
		return nil, err
	}
	infos, err := l.store.List(ctx, l.stateDir(ms))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("list state of batch %d: %w", ms, err)
	}
	var names []string
	for _, fi := range infos {
		if fi.IsDir || validateStateName(fi.Name) != nil {
			continue // a store's temporary file, or not a snapshot
		}
		names = append(names, fi.Name)
	}
	return names, nil
}
