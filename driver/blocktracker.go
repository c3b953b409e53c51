package driver

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/streaming/wal"
	"go.uber.org/zap"
)

// blockTracker is the driver's ReceivedBlockTracker: it records the blocks
// receivers stored (in the driver's write-ahead log when the receivers'
// one is on, so that a new attempt finds them), gives each new batch the
// blocks recorded since the last, in the checkpoint's blocks entry before
// the batch runs, and removes blocks once the checkpoint no longer holds
// their batch.
type blockTracker struct {
	log     *hdfscheckpoint.Log
	wal     *wal.Log // nil when the receivers' log is off
	streams []string // stream names by id
	// batching: blocks that arrive together are recorded in one write;
	// timeout bounds a record's write.
	batching bool
	timeout  time.Duration
	lg       *zap.Logger

	mu sync.Mutex
	// recorded is the last sequence number recorded; nextSeq the next to
	// give.
	recorded, nextSeq uint64
	known             map[string]*trackedBlock
	unallocated       []*trackedBlock
	streamNext        []int64
	// allocations are the batches allocated, oldest first, with their
	// blocks, for cleaning up.
	allocations []allocation
	metaFiles   []wal.MetadataFile
	queue       []*pendingRecord
	wake        chan struct{}
	// lastPath is each stream's newest block in the receivers' log.
	lastPath map[int]string
}

type trackedBlock struct {
	wal.BlockInfo
}

type allocation struct {
	batch      time.Time
	throughSeq uint64
	blocks     []*trackedBlock
}

// pendingRecord is a block waiting to be recorded; done gets the outcome.
type pendingRecord struct {
	info wal.BlockInfo
	done chan error
}

func newBlockTracker(log *hdfscheckpoint.Log, w *wal.Log, streams []string, batching bool, timeout time.Duration, lg *zap.Logger) *blockTracker {
	return &blockTracker{log: log, wal: w, streams: streams, batching: batching, timeout: timeout, lg: lg,
		nextSeq: 1, known: map[string]*trackedBlock{}, lastPath: map[int]string{}, streamNext: make([]int64, len(streams)), wake: make(chan struct{}, 1)}
}

// record records a block and returns once it is recorded (nil) or cannot
// be. A block recorded before (a report sent again) is recorded already.
func (t *blockTracker) record(ctx context.Context, info wal.BlockInfo) error {
	if info.StreamID < 0 || info.StreamID >= len(t.streams) {
		return fmt.Errorf("driver: block %s is of stream %d; the job has %d receivers", info.ID, info.StreamID, len(t.streams))
	}
	if err := wal.CheckBlockID(info.ID); err != nil {
		return err
	}
	t.mu.Lock()
	if _, ok := t.known[info.ID]; ok {
		t.mu.Unlock()
		return nil
	}
	if t.wal == nil {
		t.addLocked(info)
		t.mu.Unlock()
		return nil
	}
	p := &pendingRecord{info: info, done: make(chan error, 1)}
	t.queue = append(t.queue, p)
	t.mu.Unlock()
	select {
	case t.wake <- struct{}{}:
	default:
	}
	select {
	case err := <-p.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// addLocked records info under the next sequence number.
func (t *blockTracker) addLocked(info wal.BlockInfo) *trackedBlock {
	info.Seq = t.nextSeq
	t.nextSeq++
	b := &trackedBlock{BlockInfo: info}
	t.known[info.ID] = b
	t.unallocated = append(t.unallocated, b)
	t.recorded = info.Seq
	t.notePathLocked(info)
	return b
}

// notePathLocked keeps info's path as its stream's newest block.
func (t *blockTracker) notePathLocked(info wal.BlockInfo) {
	if info.Path != "" {
		t.lastPath[info.StreamID] = info.Path
	}
}

// newestPath is the path of stream's newest block in the receivers'
// log; "" when it has none.
func (t *blockTracker) newestPath(stream int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastPath[stream]
}

// writeRecords writes queued records to the driver's log until ctx ends.
func (t *blockTracker) writeRecords(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			t.failQueued(ctx.Err())
			return
		case <-t.wake:
		}
		for t.writeQueued(ctx) {
		}
	}
}

// writeQueued writes the queued records (all at once when batching, else
// the first) and reports whether any were.
func (t *blockTracker) writeQueued(ctx context.Context) bool {
	t.mu.Lock()
	n := len(t.queue)
	if n == 0 {
		t.mu.Unlock()
		return false
	}
	if !t.batching {
		n = 1
	}
	group := t.queue[:n:n]
	t.queue = t.queue[n:]
	infos := make([]wal.BlockInfo, 0, n)
	var fresh []*pendingRecord
	seq := t.nextSeq
	for _, p := range group {
		if _, dup := t.known[p.info.ID]; dup {
			p.done <- nil
			continue
		}
		info := p.info
		info.Seq = seq
		seq++
		infos = append(infos, info)
		fresh = append(fresh, p)
	}
	t.nextSeq = seq // numbers of a failed write are never used again
	t.mu.Unlock()
	if len(infos) == 0 {
		return true
	}
	wctx, cancel := context.WithTimeout(ctx, t.timeout)
	path, err := t.wal.WriteMetadata(wctx, infos)
	cancel()
	if err != nil {
		t.lg.Warn("could not record received blocks in the driver's write-ahead log; their receivers do not acknowledge them", zap.Int("blocks", len(infos)), zap.Error(err))
		for _, p := range fresh {
			p.done <- fmt.Errorf("driver: record block %s: %w", p.info.ID, err)
		}
		return true
	}
	t.mu.Lock()
	for _, info := range infos {
		b := &trackedBlock{BlockInfo: info}
		t.known[info.ID] = b
		t.unallocated = append(t.unallocated, b)
		t.recorded = info.Seq
		t.notePathLocked(info)
	}
	t.metaFiles = append(t.metaFiles, wal.MetadataFile{Path: path, LastSeq: infos[len(infos)-1].Seq})
	t.mu.Unlock()
	for _, p := range fresh {
		p.done <- nil
	}
	return true
}

func (t *blockTracker) failQueued(err error) {
	t.mu.Lock()
	q := t.queue
	t.queue = nil
	t.mu.Unlock()
	for _, p := range q {
		p.done <- err
	}
}

// allocate gives batch bt every block recorded and not yet allocated, and
// writes the batch's blocks entry to the checkpoint.
func (t *blockTracker) allocate(ctx context.Context, bt time.Time) (*hdfscheckpoint.BatchBlocks, error) {
	t.mu.Lock()
	take := append([]*trackedBlock(nil), t.unallocated...)
	entry := &hdfscheckpoint.BatchBlocks{BatchTime: bt, ThroughSeq: t.recorded}
	next := append([]int64(nil), t.streamNext...)
	t.mu.Unlock()
	for id, name := range t.streams {
		entry.Streams = append(entry.Streams, hdfscheckpoint.StreamStart{StreamID: id, Name: name, From: next[id]})
	}
	for _, b := range take {
		entry.Blocks = append(entry.Blocks, hdfscheckpoint.ReceivedBlock{ID: b.ID, StreamID: b.StreamID, Records: b.Records, Path: b.Path, Executor: b.Executor})
		next[b.StreamID] += b.Records
	}
	if err := t.log.WriteBlocks(ctx, *entry); err != nil {
		return nil, fmt.Errorf("driver: write the blocks of batch %s: %w", bt.Format(time.RFC3339Nano), err)
	}
	t.mu.Lock()
	t.unallocated = t.unallocated[len(take):]
	t.streamNext = next
	t.allocations = append(t.allocations, allocation{batch: bt, throughSeq: entry.ThroughSeq, blocks: take})
	t.mu.Unlock()
	return entry, nil
}

// recover restores the tracker from the checkpoint and the driver's log:
// the blocks of the batches rec replays, where each stream's offsets go
// on, and the blocks recorded after the newest batch, which the next
// batch takes. A blocks entry of a batch that never wrote its offsets is
// removed: its blocks are taken again.
func (t *blockTracker) recover(ctx context.Context, rec hdfscheckpoint.Recovery) (map[int64]*hdfscheckpoint.BatchBlocks, error) {
	times, err := t.log.BlocksBatches(ctx)
	if err != nil {
		return nil, err
	}
	replay := map[int64]bool{}
	for _, rb := range rec.Replay {
		replay[rb.BatchTime.UnixMilli()] = true
	}
	out := map[int64]*hdfscheckpoint.BatchBlocks{}
	var newest *hdfscheckpoint.BatchBlocks
	for _, bt := range times {
		if rec.NextBatchTime.IsZero() || !bt.Before(rec.NextBatchTime) {
			// Allocated, but the batch never wrote its offsets entry.
			if err := t.log.DeleteBlocks(ctx, bt); err != nil {
				return nil, err
			}
			t.lg.Info("removed the blocks entry of a batch that never started; its blocks go to the next batch", zap.Time("batch", bt))
			continue
		}
		b, err := t.log.ReadBlocks(ctx, bt)
		if err != nil {
			if hdfscheckpoint.Unreadable(err) && !replay[bt.UnixMilli()] {
				t.lg.Warn("skipping an unreadable blocks entry of a batch that is not run again", zap.Time("batch", bt), zap.Error(err))
				continue
			}
			return nil, fmt.Errorf("%w %s: the blocks entry of batch %d, which must run again, cannot be read: %w; resume before it with `spindle checkpoint -truncate-after` (see docs/checkpoints.md)", ErrCannotResume, t.log.Name(), bt.UnixMilli(), err)
		}
		out[bt.UnixMilli()] = &b
		newest = &b
	}
	for _, rb := range rec.Replay {
		if out[rb.BatchTime.UnixMilli()] == nil && len(t.streams) > 0 {
			// Planned before the application had receivers, or lost with
			// a checkpoint damaged beyond the blocks log.
			t.lg.Warn("batch runs again without received blocks: it has no blocks entry", zap.Time("batch", rb.BatchTime))
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if newest != nil {
		t.recorded = newest.ThroughSeq
		for _, s := range newest.Streams {
			if s.StreamID >= 0 && s.StreamID < len(t.streamNext) {
				t.streamNext[s.StreamID] = s.From
			}
		}
		for _, b := range newest.Blocks {
			if b.StreamID >= 0 && b.StreamID < len(t.streamNext) {
				t.streamNext[b.StreamID] += b.Records
			}
		}
	}
	t.nextSeq = t.recorded + 1
	for _, ms := range sortedBatches(out) {
		b := out[ms]
		a := allocation{batch: b.BatchTime, throughSeq: b.ThroughSeq}
		for _, rb := range b.Blocks {
			tb := &trackedBlock{BlockInfo: wal.BlockInfo{ID: rb.ID, StreamID: rb.StreamID, Records: rb.Records, Path: rb.Path, Executor: rb.Executor}}
			t.known[rb.ID] = tb
			t.notePathLocked(tb.BlockInfo)
			a.blocks = append(a.blocks, tb)
		}
		t.allocations = append(t.allocations, a)
	}
	if t.wal == nil {
		return out, nil
	}
	infos, files, err := t.wal.ReadMetadata(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w %s: %w", ErrCannotResume, t.log.Name(), err)
	}
	t.metaFiles = files
	for _, info := range infos {
		t.nextSeq = max(t.nextSeq, info.Seq+1)
		if info.Seq <= t.recorded {
			continue
		}
		b := &trackedBlock{BlockInfo: info}
		t.known[info.ID] = b
		t.unallocated = append(t.unallocated, b)
		t.notePathLocked(info)
	}
	if n := len(t.unallocated); n > 0 {
		t.recorded = t.unallocated[n-1].Seq
		t.lg.Info("recovered received blocks that no batch holds yet; the next batch takes them", zap.Int("blocks", n))
	}
	return out, nil
}

func sortedBatches(m map[int64]*hdfscheckpoint.BatchBlocks) []int64 {
	out := make([]int64, 0, len(m))
	for ms := range m {
		out = append(out, ms)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// committed frees what batch bt's commit lets go: the memory of its
// blocks on their executors at once; their files in the write-ahead logs
// once the checkpoint no longer holds the batch (Purge) — a batch whose
// commit cannot be read later runs again from them.
func (t *blockTracker) committed(ctx context.Context, bt time.Time, drop func(executor string, ids []string)) error {
	t.mu.Lock()
	byExec := map[string][]string{}
	for _, a := range t.allocations {
		if a.batch.Equal(bt) {
			for _, b := range a.blocks {
				if b.Executor != "" {
					byExec[b.Executor] = append(byExec[b.Executor], b.ID)
				}
			}
		}
	}
	t.mu.Unlock()
	for ex, ids := range byExec {
		drop(ex, ids)
	}
	kept, err := t.log.BlocksBatches(ctx)
	if err != nil {
		return err
	}
	t.mu.Lock()
	var gone []allocation
	for len(t.allocations) > 0 && (len(kept) == 0 || t.allocations[0].batch.Before(kept[0])) {
		gone = append(gone, t.allocations[0])
		t.allocations = t.allocations[1:]
	}
	var paths []string
	var through uint64
	for _, a := range gone {
		through = max(through, a.throughSeq)
		for _, b := range a.blocks {
			delete(t.known, b.ID)
			if b.Path != "" {
				paths = append(paths, b.Path)
			}
		}
	}
	var keepFiles []wal.MetadataFile
	for _, f := range t.metaFiles {
		if len(gone) > 0 && f.LastSeq <= through {
			paths = append(paths, f.Path)
		} else {
			keepFiles = append(keepFiles, f)
		}
	}
	t.metaFiles = keepFiles
	t.mu.Unlock()
	if len(paths) == 0 || t.wal == nil {
		return nil
	}
	if err := t.wal.Delete(ctx, paths); err != nil {
		return fmt.Errorf("driver: remove the write-ahead log files of purged batches: %w", err)
	}
	t.lg.Debug("removed write-ahead log files of purged batches", zap.Int("files", len(paths)))
	return nil
}

// pending is the number of blocks recorded and not yet in a batch.
func (t *blockTracker) pending() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.unallocated)
}
