package hdfscheckpoint

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// BatchBlocks is which received blocks a batch processes, recorded before
// the batch runs (Spark's batch allocation of its ReceivedBlockTracker),
// so that a replay processes the same blocks in the same order.
type BatchBlocks struct {
	// BatchTime identifies the batch.
	BatchTime time.Time
	// ThroughSeq is the driver's sequence number of the last block it had
	// recorded when it allocated the batch: every block recorded up to
	// it is in this batch or an earlier one, and every later block in a
	// later one.
	ThroughSeq uint64
	// Streams gives each receiver stream's first record offset in the
	// batch, so that records keep their offsets in a replay.
	Streams []StreamStart
	// Blocks are the batch's blocks, in the order it processes them.
	Blocks []ReceivedBlock
}

// StreamStart is where a receiver stream's records of a batch start.
type StreamStart struct {
	StreamID int
	// Name is the stream's name (its records' topic).
	Name string
	// From is the offset, within the stream, of the batch's first record.
	From int64
}

// ReceivedBlock is one block of a batch.
type ReceivedBlock struct {
	// ID names the block.
	ID       string
	StreamID int
	Records  int64
	// Path is the block's file in the receivers' write-ahead log; "" when
	// it lives only in its executor's memory.
	Path string
	// Executor holds the block in memory.
	Executor string
}

// blocksFields are a blocks entry's fields of the v1 body.
type blocksFields struct {
	ThroughSeq uint64        `json:"throughSeq,omitempty"`
	Streams    []streamStart `json:"streams,omitempty"`
	Blocks     []blockRecord `json:"blocks,omitempty"`
}

type streamStart struct {
	Stream int    `json:"stream"`
	Name   string `json:"name"`
	From   int64  `json:"from"`
}

type blockRecord struct {
	ID       string `json:"id"`
	Stream   int    `json:"stream"`
	Records  int64  `json:"records"`
	Path     string `json:"path,omitempty"`
	Executor string `json:"executor,omitempty"`
}

func (f *blocksFields) hasBlocksFields() bool {
	return f.ThroughSeq != 0 || len(f.Streams) > 0 || len(f.Blocks) > 0
}

func (f *blocksFields) normalizeBlocks() {
	if len(f.Streams) == 0 {
		f.Streams = nil
	}
	if len(f.Blocks) == 0 {
		f.Blocks = nil
	}
}

// maxStreamID bounds stream ids read from an entry.
const maxStreamID = 1 << 20

// validateBlocks checks a blocks entry: streams once each, blocks of
// those streams, once each, with names that are file names.
func (r *record) validateBlocks() error {
	if len(r.Ranges) > 0 || len(r.Meta) > 0 || len(r.Outputs) > 0 || r.Name != "" || len(r.Data) > 0 {
		return fmt.Errorf("blocks entry for batch %d has offsets, commit or state fields", r.BatchTimeMs)
	}
	streams := map[int]bool{}
	for _, s := range r.Streams {
		switch {
		case s.Stream < 0 || s.Stream > maxStreamID:
			return fmt.Errorf("blocks entry for batch %d: stream id %d", r.BatchTimeMs, s.Stream)
		case streams[s.Stream]:
			return fmt.Errorf("blocks entry for batch %d: stream %d twice", r.BatchTimeMs, s.Stream)
		case s.From < 0:
			return fmt.Errorf("blocks entry for batch %d: stream %d starts at offset %d", r.BatchTimeMs, s.Stream, s.From)
		case s.Name == "" || !utf8.ValidString(s.Name):
			return fmt.Errorf("blocks entry for batch %d: stream %d has no name or one that is not UTF-8", r.BatchTimeMs, s.Stream)
		}
		streams[s.Stream] = true
	}
	ids := map[string]bool{}
	for _, b := range r.Blocks {
		switch {
		case !streams[b.Stream]:
			return fmt.Errorf("blocks entry for batch %d: block %q of stream %d, which the entry does not list", r.BatchTimeMs, b.ID, b.Stream)
		case b.ID == "" || b.ID[0] == '.' || strings.ContainsAny(b.ID, "/\\\x00") || !utf8.ValidString(b.ID):
			return fmt.Errorf("blocks entry for batch %d: block id %q is not a file name", r.BatchTimeMs, b.ID)
		case ids[b.ID]:
			return fmt.Errorf("blocks entry for batch %d: block %q twice", r.BatchTimeMs, b.ID)
		case b.Records < 0:
			return fmt.Errorf("blocks entry for batch %d: block %q has %d records", r.BatchTimeMs, b.ID, b.Records)
		case !utf8.ValidString(b.Path) || !utf8.ValidString(b.Executor):
			return fmt.Errorf("blocks entry for batch %d: block %q: path or executor is not UTF-8", r.BatchTimeMs, b.ID)
		}
		ids[b.ID] = true
	}
	return nil
}

func (l *Log) blocksPath(ms int64) string {
	return path.Join(l.dir, blocksDirName, strconv.FormatInt(ms, 10))
}

// WriteBlocks records which blocks batch b.BatchTime processes, replacing
// an earlier record of the same batch.
func (l *Log) WriteBlocks(ctx context.Context, b BatchBlocks) error {
	ms, err := batchMillis(b.BatchTime)
	if err != nil {
		return err
	}
	r := record{Kind: kindBlocks, BatchTimeMs: ms}
	r.ThroughSeq = b.ThroughSeq
	for _, s := range b.Streams {
		r.Streams = append(r.Streams, streamStart{Stream: s.StreamID, Name: s.Name, From: s.From})
	}
	for _, rb := range b.Blocks {
		r.Blocks = append(r.Blocks, blockRecord{ID: rb.ID, Stream: rb.StreamID, Records: rb.Records, Path: rb.Path, Executor: rb.Executor})
	}
	r.normalize()
	return l.writeEntry(ctx, l.blocksPath(ms), r)
}

// ReadBlocks reads batch t's blocks entry. An error for which Unreadable
// is true means the entry is damaged or absent.
func (l *Log) ReadBlocks(ctx context.Context, t time.Time) (BatchBlocks, error) {
	ms, err := batchMillis(t)
	if err != nil {
		return BatchBlocks{}, err
	}
	r, err := l.readEntry(ctx, l.blocksPath(ms), kindBlocks, ms)
	if err != nil {
		return BatchBlocks{}, err
	}
	return r.batchBlocks(), nil
}

// BlocksBatches lists the batches with a blocks entry, oldest first.
func (l *Log) BlocksBatches(ctx context.Context) ([]time.Time, error) {
	entries, err := l.listBatches(ctx, blocksDirName, false)
	if err != nil {
		return nil, err
	}
	out := make([]time.Time, len(entries))
	for i, e := range entries {
		out[i] = batchTime(e.ms)
	}
	return out, nil
}

// Unreadable reports whether err, from a Log's read, says that the entry
// is damaged, of a newer format or absent, rather than that the store
// failed.
func Unreadable(err error) bool { return unreadable(err) }

func (r *record) batchBlocks() BatchBlocks {
	b := BatchBlocks{BatchTime: batchTime(r.BatchTimeMs), ThroughSeq: r.ThroughSeq}
	for _, s := range r.Streams {
		b.Streams = append(b.Streams, StreamStart{StreamID: s.Stream, Name: s.Name, From: s.From})
	}
	for _, rb := range r.Blocks {
		b.Blocks = append(b.Blocks, ReceivedBlock{ID: rb.ID, StreamID: rb.Stream, Records: rb.Records, Path: rb.Path, Executor: rb.Executor})
	}
	return b
}

// DeleteBlocks removes batch t's blocks entry: the batch was allocated
// blocks but never recorded its offsets, so it will not run.
func (l *Log) DeleteBlocks(ctx context.Context, t time.Time) error {
	ms, err := batchMillis(t)
	if err != nil {
		return err
	}
	if err := l.store.Delete(ctx, l.blocksPath(ms)); err != nil {
		return fmt.Errorf("delete blocks entry of batch %d: %w", ms, err)
	}
	return nil
}
