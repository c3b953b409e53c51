package executor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/wal"
	"go.uber.org/zap"
)

// runReceiver runs a receiver launch until the driver kills it (a
// status that succeeded) or the receiver fails or stops itself (a status
// with its error). Each block it stores is written to the write-ahead log
// when the launch says so, kept in memory, and reported to the driver;
// the receiver's StoreBlock returns once the driver has recorded it.
func (r *JobRunner) runReceiver(ctx context.Context, t *pb.LaunchTask) *pb.TaskStatus {
	rl := t.GetReceiver()
	hub := r.cfg.Receivers
	if hub == nil || (rl.GetWriteAheadLog() && r.cfg.WAL == nil) {
		return &pb.TaskStatus{Error: "executor: this executor cannot run receivers: it has no receiver hub or no write-ahead log"}
	}
	job, err := r.client(ctx)
	if err != nil {
		return &pb.TaskStatus{Error: err.Error()}
	}
	stream := int(rl.GetStreamId())
	lg := r.lg.With(zap.Int("stream", stream), zap.String("receiver", rl.GetName()), zap.Int64("tid", t.GetTid()))
	ids := &blockIDs{stream: stream, nonce: rand.Uint32()}
	rates := hub.rateOf(t.GetTid())
	defer hub.forgetRate(t.GetTid())
	var again redeliveryFilter
	if err := again.seed(ctx, r.cfg.WAL, rl.GetPreviousBlock()); err != nil {
		lg.Warn("the stream's last block cannot be read: records its source delivers again are stored again", zap.String("block", rl.GetPreviousBlock()), zap.Error(err))
	}
	store := func(ctx context.Context, recs []sdk.Record) error {
		if recs = again.filter(recs); len(recs) == 0 {
			return nil // all stored already: the receiver acknowledges them
		}
		id := ids.next()
		add := &pb.AddBlock{BlockId: id, StreamId: rl.GetStreamId(), Records: int64(len(recs)), Tid: t.GetTid()}
		if rl.GetWriteAheadLog() {
			start := time.Now()
			p, err := r.cfg.WAL.WriteBlock(ctx, wal.Block{ID: id, StreamID: stream, Records: recs})
			if err != nil {
				return err
			}
			add.Path, add.WalWriteNanos = p, time.Since(start).Nanoseconds()
		}
		hub.put(id, recs)
		if err := hub.report(ctx, add); err != nil {
			// Not recorded: no batch will hold it, and the receiver does
			// not acknowledge its records, which its source sends again.
			hub.drop(id)
			if add.Path != "" {
				if derr := r.cfg.WAL.Delete(context.WithoutCancel(ctx), []string{add.Path}); derr != nil {
					lg.Warn("could not remove a block the driver did not record from the write-ahead log", zap.String("block", id), zap.Error(derr))
				}
			}
			return err
		}
		again.stored(recs)
		return nil
	}
	onReport := func(rep sdk.ReceiverReport) {
		st := &pb.ReceiverStatus{Tid: t.GetTid(), StreamId: rl.GetStreamId(), Message: rep.Message}
		switch rep.Kind {
		case sdk.ReportStarted:
			st.State = pb.ReceiverStatus_STATE_STARTED
			lg.Info("receiver started")
		case sdk.ReportError:
			st.State = pb.ReceiverStatus_STATE_ERROR
		case sdk.ReportRestarting:
			st.State = pb.ReceiverStatus_STATE_RESTARTING
		}
		hub.status(st)
	}
	err = job.RunReceiver(ctx, sdk.ReceiverRun{
		StreamID: stream, BlockInterval: time.Duration(rl.GetBlockIntervalMs()) * time.Millisecond, RateLimit: rl.GetRateLimit(),
		RestartDelay: time.Duration(rl.GetRestartDelayMs()) * time.Millisecond, Rates: rates, Store: store, OnReport: onReport,
	})
	if err != nil {
		lg.Warn("receiver ended with an error", zap.Error(err))
		return &pb.TaskStatus{Error: err.Error()}
	}
	lg.Info("receiver stopped")
	return &pb.TaskStatus{Succeeded: true}
}

// blockIDs names one receiver start's blocks: by the time they are cut,
// never twice the same microsecond.
type blockIDs struct {
	stream int
	nonce  uint32
	mu     sync.Mutex
	last   int64
}

func (b *blockIDs) next() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	us := max(time.Now().UnixMicro(), b.last+1)
	b.last = us
	return wal.BlockID(b.stream, time.UnixMicro(us), b.nonce)
}

// blockReader reads a task's received blocks: from this executor's
// memory when it holds them, else from the write-ahead log.
type blockReader struct {
	hub    *ReceiverHub
	wal    *wal.Log
	blocks []*pb.TaskBlock
}

// ReadRangeEach hands over the records of the blocks whose offsets fall
// in r, in order; a block the executor does not hold and the log does not
// have fails the read.
func (b *blockReader) ReadRangeEach(ctx context.Context, rg kafkasource.OffsetRange, each func(*kafkasource.Record)) error {
	for _, tb := range b.blocks {
		from, until := tb.GetFrom(), tb.GetFrom()+tb.GetRecords()
		if until <= rg.From || from >= rg.Until {
			continue
		}
		recs, err := b.read(ctx, tb)
		if err != nil {
			return err
		}
		if int64(len(recs)) != tb.GetRecords() {
			return fmt.Errorf("block %s holds %d records; the driver recorded %d", tb.GetBlockId(), len(recs), tb.GetRecords())
		}
		for i := range recs {
			off := from + int64(i)
			if off < rg.From || off >= rg.Until {
				continue
			}
			each(fromSDKRecord(&recs[i], rg.Topic, rg.Partition, off))
		}
	}
	return nil
}

func (b *blockReader) read(ctx context.Context, tb *pb.TaskBlock) ([]sdk.Record, error) {
	if b.hub != nil {
		if recs, ok := b.hub.get(tb.GetBlockId()); ok {
			return recs, nil
		}
	}
	if tb.GetPath() == "" {
		return nil, fmt.Errorf("block %s is gone: it was held only in the memory of executor %s (spark.streaming.receiver.writeAheadLog.enable is false)", tb.GetBlockId(), tb.GetExecutor())
	}
	if b.wal == nil {
		return nil, fmt.Errorf("block %s: this executor has no write-ahead log to read %s from", tb.GetBlockId(), tb.GetPath())
	}
	blk, err := b.wal.ReadBlock(ctx, tb.GetPath())
	if err != nil {
		return nil, err
	}
	return blk.Records, nil
}

// fromSDKRecord is a received record as a task reads it: in its
// stream (topic), at its offset in the stream.
func fromSDKRecord(r *sdk.Record, topic string, partition int32, offset int64) *kafkasource.Record {
	kr := &kafkasource.Record{Topic: topic, Partition: partition, Offset: offset, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp}
	if len(r.Headers) > 0 {
		kr.Headers = make([]kafkasource.Header, len(r.Headers))
		for i, h := range r.Headers {
			kr.Headers[i] = kafkasource.Header{Key: []byte(h.Key), Value: h.Value}
		}
	}
	return kr
}

// taskReader is what reads task t's range: its blocks, or Kafka; nil when
// it reads Kafka and the application reads none.
func (r *JobRunner) taskReader(t *pb.LaunchTask) RangeReader {
	if t.GetReceived() || len(t.GetBlocks()) > 0 {
		return &blockReader{hub: r.cfg.Receivers, wal: r.cfg.WAL, blocks: t.GetBlocks()}
	}
	return r.cfg.Reader
}
