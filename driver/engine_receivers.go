package driver

import (
	"context"
	"errors"
	"fmt"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/driver/taskscheduler"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"go.uber.org/zap"
)

// ErrNoRetry is wrapped by Run's error when another attempt of the
// application would fail the same way, such as a receiver that fails
// every start: the application fails at once with the error as its
// diagnostics.
var ErrNoRetry = errors.New("driver: another attempt would fail the same way")

// receiverStopTimeout bounds how long stopping the receivers waits for
// their last blocks.
const receiverStopTimeout = 10 * time.Second

// startReceivers recovers the received blocks of rec's batches and starts
// placing receivers; nil blocks when the job has none.
func (e *Engine) startReceivers(ctx context.Context, rec hdfscheckpoint.Recovery) (map[int64]*hdfscheckpoint.BatchBlocks, error) {
	if e.recv == nil {
		return nil, nil
	}
	blocks, err := e.recv.blocks.recover(ctx, rec)
	if err != nil {
		return nil, err
	}
	if e.recv.cfg.WAL != nil {
		go e.recv.blocks.writeRecords(ctx)
	}
	go e.recv.run(ctx)
	e.lg.Info("receivers", zap.Int("streams", len(e.recv.cfg.Streams)), zap.Bool("writeAheadLog", e.recv.cfg.WAL != nil))
	return blocks, nil
}

// receiverFailed returns the error that ends the application when a
// receiver failed too often; nil otherwise.
func (e *Engine) receiverFailed() error {
	if e.recv == nil {
		return nil
	}
	select {
	case err := <-e.recv.fatal:
		return err
	default:
		return nil
	}
}

// receiverFatal is a channel that carries a receiver's fatal failure; nil
// (never ready) when the job has no receivers.
func (e *Engine) receiverFatal() <-chan error {
	if e.recv == nil {
		return nil
	}
	return e.recv.fatal
}

// allocateBlocks gives a new batch the blocks recorded since the last.
func (e *Engine) allocateBlocks(ctx context.Context, bt time.Time) (*hdfscheckpoint.BatchBlocks, error) {
	if e.recv == nil {
		return nil, nil
	}
	return e.recv.blocks.allocate(ctx, bt)
}

// streamKey names a receiver stream's range as task ids and localities do.
func streamKey(name string, id int) string { return fmt.Sprintf("%s-%d", name, id) }

// blockRanges turns a batch's blocks into one range per stream with
// records: offsets within the stream, the stream's name as topic and its
// id as partition. It also keeps, for launch, each stream's blocks.
func (e *Engine) blockRanges(b *hdfscheckpoint.BatchBlocks) []hdfscheckpoint.OffsetRange {
	e.curBlocks = map[string][]*pb.TaskBlock{}
	if b == nil {
		return nil
	}
	var out []hdfscheckpoint.OffsetRange
	for _, s := range b.Streams {
		from, n := s.From, int64(0)
		var tbs []*pb.TaskBlock
		for _, blk := range b.Blocks {
			if blk.StreamID != s.StreamID {
				continue
			}
			tbs = append(tbs, &pb.TaskBlock{BlockId: blk.ID, Records: blk.Records, Path: blk.Path, Executor: blk.Executor, From: from + n})
			n += blk.Records
		}
		if n == 0 {
			continue
		}
		e.curBlocks[streamKey(s.Name, s.StreamID)] = tbs
		out = append(out, hdfscheckpoint.OffsetRange{Topic: s.Name, Partition: int32(s.StreamID), From: from, Until: from + n})
	}
	return out
}

// blockTask binds a task of a receiver stream to the executor that holds
// its blocks in memory: when they are in no write-ahead log, only there;
// otherwise there first, from the log elsewhere.
func (e *Engine) blockTask(t *taskscheduler.Task) {
	tbs := e.curBlocks[t.Partition]
	if len(tbs) == 0 {
		return
	}
	exec := tbs[0].GetExecutor()
	if tbs[0].GetPath() == "" {
		t.Executor = exec
	} else if exec != "" {
		e.sched.Prefer(t.Partition, exec)
	}
}

// launchBlocks sets the blocks of a receiver stream's task, leaving out
// those held only in the memory of an executor that is gone: their
// records are lost, as with Spark's receivers without a write-ahead log.
func (e *Engine) launchBlocks(lt *pb.LaunchTask) {
	r := lt.GetRange()
	tbs, ok := e.curBlocks[streamKey(r.GetTopic(), int(r.GetPartition()))]
	if !ok {
		return
	}
	lt.Received = true
	live := e.cfg.Endpoint.Executors()
	for _, tb := range tbs {
		if tb.GetFrom()+tb.GetRecords() <= r.GetFrom() || tb.GetFrom() >= r.GetUntil() {
			continue
		}
		if _, alive := live[tb.GetExecutor()]; tb.GetPath() == "" && !alive {
			e.lg.Error("received block lost: it was held only in the memory of an executor that is gone (spark.streaming.receiver.writeAheadLog.enable is false)",
				zap.String("block", tb.GetBlockId()), zap.String("executor", tb.GetExecutor()), zap.Int64("records", tb.GetRecords()), zap.String("task", lt.GetTaskId()))
			e.recv.lost(int(r.GetPartition()), tb.GetBlockId(), tb.GetRecords())
			continue
		}
		lt.Blocks = append(lt.Blocks, tb)
	}
}

// blocksCommitted lets go of a committed batch's blocks and gives the
// receivers their new rate.
func (e *Engine) blocksCommitted(ctx context.Context, bt time.Time) {
	if e.recv == nil {
		return
	}
	drop := func(exec string, ids []string) {
		if err := e.cfg.Endpoint.Send(exec, &pb.DriverMessage{Message: &pb.DriverMessage_DropBlocks{DropBlocks: &pb.DropBlocks{BlockIds: ids}}}); err != nil {
			e.lg.Debug("blocks not dropped from an executor's memory", zap.String("executor", exec), zap.Error(err))
		}
	}
	if err := e.recv.blocks.committed(ctx, bt, drop); err != nil {
		e.lg.Warn("clean up received blocks", zap.Error(err))
	}
	if e.cfg.Rate != nil {
		e.recv.setRate(e.cfg.Rate.Limit())
	}
}

// stopReceivers stops the receivers at a graceful stop and reports
// whether blocks are left for a last batch.
func (e *Engine) stopReceivers() bool {
	if e.recv == nil {
		return false
	}
	e.recv.stop(receiverStopTimeout)
	return e.recv.blocks.pending() > 0
}

// Receivers returns the state of each of the job's receivers.
func (e *Engine) Receivers() []ReceiverState {
	if e.recv == nil {
		return nil
	}
	return e.recv.states()
}
