package driver

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver/taskscheduler"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/wal"
	"go.uber.org/zap"
)

// ReceiversConfig configures a job's receivers (receiverSettings builds
// it from the application's keys).
type ReceiversConfig struct {
	// Streams are the job's receivers, by stream id.
	Streams []sdk.ReceiverInfo
	// WAL is the write-ahead logs when
	// spark.streaming.receiver.writeAheadLog.enable is set, else nil.
	WAL *wal.Log
	// BlockInterval, MaxRate (records/s, 0 none), RestartDelay and
	// MaxFailures (0: for ever) are the receivers' keys.
	BlockInterval time.Duration
	MaxRate       int64
	RestartDelay  time.Duration
	MaxFailures   int
	// Batching and RecordTimeout are the driver log's allowBatching and
	// batchingTimeout.
	Batching      bool
	RecordTimeout time.Duration
}

// ReceiverState is one receiver as Spark's streaming REST API shows it,
// with its metrics.
type ReceiverState struct {
	StreamID     int
	Name         string
	Active       bool
	ExecutorID   string
	ExecutorHost string
	// Records and Blocks are what it stored since the driver started;
	// WALWrite the time its executors spent writing them to the
	// write-ahead log.
	Records, Blocks int64
	WALWrite        time.Duration
	// Errors counts its reported errors, restarts and failed runs.
	Errors int64
	// RecordsLost counts the records of its blocks that were held only in
	// the memory of an executor that was lost before their batch ran
	// (the write-ahead log off).
	RecordsLost   int64
	LastError     string
	LastErrorTime time.Time
	// Started is when its current run began; zero when not running.
	Started time.Time
}

// receiverTracker is the driver's ReceiverTracker: it places each
// receiver on an executor with a free core (its preferred host first),
// starts it again elsewhere when its executor is lost or it fails, sends
// it its rate, records the blocks it stores and keeps its metrics.
type receiverTracker struct {
	cfg    ReceiversConfig
	ep     *Endpoint
	sched  *taskscheduler.Scheduler
	blocks *blockTracker
	lg     *zap.Logger

	mu       sync.Mutex
	recv     []*receiverRun
	byTID    map[int64]int
	stopping bool
	// bpRate is the backpressure rate of the whole stream; 0 for none.
	bpRate float64
	fatal  chan error
	// lostBlocks are the blocks counted in RecordsLost, counted once
	// however often their task is launched.
	lostBlocks map[string]bool
	// recording counts, by stream, the blocks being recorded.
	recording map[int]int
	kick      chan struct{}
	ended     chan struct{}
	ctx       context.Context
}

// receiverRun is one receiver's state.
type receiverRun struct {
	ReceiverState
	preferred string
	tid       int64
	attempt   int
	notBefore time.Time
	// failures counts runs in a row that failed without storing a block;
	// avoid is the executor of the last failure.
	failures int
	stored   bool
	avoid    string
}

func newReceiverTracker(cfg ReceiversConfig, ep *Endpoint, sched *taskscheduler.Scheduler, blocks *blockTracker, lg *zap.Logger) *receiverTracker {
	t := &receiverTracker{cfg: cfg, ep: ep, sched: sched, blocks: blocks, lg: lg, byTID: map[int64]int{}, lostBlocks: map[string]bool{}, recording: map[int]int{},
		fatal: make(chan error, 1), kick: make(chan struct{}, 1), ended: make(chan struct{}, 1), ctx: context.Background()}
	for i, s := range cfg.Streams {
		t.recv = append(t.recv, &receiverRun{ReceiverState: ReceiverState{StreamID: i, Name: s.Name}, preferred: s.PreferredLocation})
	}
	return t
}

func (t *receiverTracker) wake() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// run places receivers until ctx ends.
func (t *receiverTracker) run(ctx context.Context) {
	t.mu.Lock()
	t.ctx = ctx
	t.mu.Unlock()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		t.place()
		select {
		case <-ctx.Done():
			return
		case <-t.kick:
		case <-tick.C:
		}
	}
}

// place launches every receiver that is not running and may start.
func (t *receiverTracker) place() {
	t.mu.Lock()
	if t.stopping {
		t.mu.Unlock()
		return
	}
	now := time.Now()
	var todo []*receiverRun
	for _, r := range t.recv {
		if r.tid == 0 && !now.Before(r.notBefore) && t.recording[r.StreamID] == 0 {
			todo = append(todo, r)
		}
	}
	t.mu.Unlock()
	for _, r := range todo {
		t.launch(r)
	}
}

// launch places r on the best executor with a free core, if any.
func (t *receiverTracker) launch(r *receiverRun) {
	execs := t.sched.Executors()
	t.mu.Lock()
	counts := map[string]int{}
	for _, o := range t.recv {
		if o.tid != 0 {
			counts[o.ExecutorID]++
		}
	}
	t.mu.Unlock()
	ids := receiverCandidates(execs, r.preferred, r.avoid, counts, t.cfg.WAL != nil)
	if len(ids) == 0 {
		return
	}
	for _, id := range ids {
		tid, ok := t.sched.Reserve(id)
		if !ok {
			continue
		}
		t.mu.Lock()
		r.tid, r.ExecutorID, r.ExecutorHost = tid, id, execs[id].Host
		r.attempt++
		r.stored = false
		t.byTID[tid] = r.StreamID
		rate := t.rateLocked()
		attempt := r.attempt
		t.mu.Unlock()
		err := t.ep.Launch(id, &pb.LaunchTask{TaskId: fmt.Sprintf("receiver-%d", r.StreamID), Attempt: int32(attempt), Tid: tid, Receiver: &pb.ReceiverLaunch{
			StreamId: int32(r.StreamID), Name: r.Name, BlockIntervalMs: t.cfg.BlockInterval.Milliseconds(), RateLimit: rate,
			RestartDelayMs: t.cfg.RestartDelay.Milliseconds(), WriteAheadLog: t.cfg.WAL != nil, PreviousBlock: t.blocks.newestPath(r.StreamID),
		}})
		if err != nil {
			t.lg.Warn("receiver not launched; trying again", zap.Int("stream", r.StreamID), zap.String("executor", id), zap.Error(err))
			t.sched.TaskFinished(tid, id, nil)
			t.mu.Lock()
			delete(t.byTID, tid)
			r.tid, r.ExecutorID, r.ExecutorHost = 0, "", ""
			t.mu.Unlock()
			continue
		}
		t.lg.Info("receiver launched", zap.Int("stream", r.StreamID), zap.String("name", r.Name), zap.String("executor", id), zap.String("host", execs[id].Host), zap.Int64("tid", tid), zap.Int("attempt", attempt))
		return
	}
}

// receiverCandidates are the executors a receiver may start on, best
// first: those with a free core (two without the write-ahead log, whose
// blocks' tasks run only on the receiver's executor), on its preferred
// host first, then not where it last failed (avoid), then with the
// fewest receivers (counts), then by id.
func receiverCandidates(execs map[string]taskscheduler.ExecutorCores, preferred, avoid string, counts map[string]int, wal bool) []string {
	need := 1
	if !wal {
		need = 2
	}
	ids := make([]string, 0, len(execs))
	for id, e := range execs {
		if e.Cores-e.Busy >= need {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := ids[i], ids[j]
		if pa, pb := execs[a].Host == preferred, execs[b].Host == preferred; pa != pb {
			return pa
		}
		if fa, fb := a == avoid, b == avoid; fa != fb {
			return fb
		}
		if counts[a] != counts[b] {
			return counts[a] < counts[b]
		}
		return a < b
	})
	return ids
}

// rateLocked is one receiver's rate: its share of the backpressure rate,
// capped by spark.streaming.receiver.maxRate; 0 for none.
func (t *receiverTracker) rateLocked() float64 {
	rate := 0.0
	if t.bpRate > 0 && len(t.recv) > 0 {
		rate = t.bpRate / float64(len(t.recv))
	}
	if m := float64(t.cfg.MaxRate); m > 0 && (rate == 0 || m < rate) {
		rate = m
	}
	return rate
}

// setRate divides the backpressure rate among the receivers and sends
// each running one its share.
func (t *receiverTracker) setRate(total float64) {
	t.mu.Lock()
	t.bpRate = total
	rate := t.rateLocked()
	type target struct {
		exec string
		tid  int64
	}
	var to []target
	for _, r := range t.recv {
		if r.tid != 0 {
			to = append(to, target{r.ExecutorID, r.tid})
		}
	}
	t.mu.Unlock()
	for _, x := range to {
		if err := t.ep.Send(x.exec, &pb.DriverMessage{Message: &pb.DriverMessage_ReceiverRate{ReceiverRate: &pb.ReceiverRate{Tid: x.tid, RateLimit: rate}}}); err != nil {
			t.lg.Debug("receiver rate not sent", zap.String("executor", x.exec), zap.Error(err))
		}
	}
}

// onEvent follows executors, receivers' statuses and stored blocks; it
// reports whether the event was the receivers' alone (the end of a
// receiver launch, a block, a receiver's status).
func (t *receiverTracker) onEvent(ev Event) bool {
	switch {
	case ev.Added:
		t.wake()
	case ev.Lost:
		t.executorLost(ev.ExecutorID, ev.Reason)
	case ev.AddBlock != nil:
		t.recordingBlock(int(ev.AddBlock.GetStreamId()), 1)
		go func() {
			defer t.recordingBlock(int(ev.AddBlock.GetStreamId()), -1)
			t.addBlock(ev.ExecutorID, ev.AddBlock)
		}()
		return true
	case ev.Receiver != nil:
		t.receiverStatus(ev.Receiver)
		return true
	case ev.Status != nil:
		return t.maybeEnded(ev.ExecutorID, ev.Status)
	}
	return false
}

func (t *receiverTracker) errorLocked(r *receiverRun, msg string) {
	r.Errors++
	r.LastError, r.LastErrorTime = msg, time.Now()
}

func (t *receiverTracker) executorLost(id, reason string) {
	t.mu.Lock()
	for _, r := range t.recv {
		if r.tid != 0 && r.ExecutorID == id {
			delete(t.byTID, r.tid)
			r.tid, r.Active, r.Started = 0, false, time.Time{}
			t.errorLocked(r, fmt.Sprintf("executor %s lost: %s", id, reason))
			t.lg.Warn("receiver's executor lost; starting it elsewhere", zap.Int("stream", r.StreamID), zap.String("executor", id), zap.String("reason", reason))
		}
	}
	t.mu.Unlock()
	t.signalEnded()
	t.wake()
}

func (t *receiverTracker) signalEnded() {
	select {
	case t.ended <- struct{}{}:
	default:
	}
}

// recordingBlock counts the blocks of stream being recorded. Until they
// are, the receiver is not started again: its new run must know the
// stream's newest block to drop what its source delivers again.
func (t *receiverTracker) recordingBlock(stream, delta int) {
	t.mu.Lock()
	t.recording[stream] += delta
	t.mu.Unlock()
	if delta < 0 {
		t.wake()
	}
}

// addBlock records a block and answers its executor.
func (t *receiverTracker) addBlock(exec string, m *pb.AddBlock) {
	t.mu.Lock()
	ctx := t.ctx
	t.mu.Unlock()
	info := wal.BlockInfo{ID: m.GetBlockId(), StreamID: int(m.GetStreamId()), Records: m.GetRecords(), Path: m.GetPath(), Executor: exec}
	err := t.blocks.record(ctx, info)
	ack := &pb.BlockAck{BlockId: m.GetBlockId()}
	if err != nil {
		ack.Error = err.Error()
	}
	if serr := t.ep.Send(exec, &pb.DriverMessage{Message: &pb.DriverMessage_BlockAck{BlockAck: ack}}); serr != nil {
		t.lg.Debug("block acknowledgement not sent; the executor sends the block again", zap.String("block", m.GetBlockId()), zap.Error(serr))
	}
	if err != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := int(m.GetStreamId()); s >= 0 && s < len(t.recv) {
		r := t.recv[s]
		r.Records += m.GetRecords()
		r.Blocks++
		r.WALWrite += time.Duration(m.GetWalWriteNanos())
		if r.tid == m.GetTid() {
			r.stored, r.failures = true, 0
		}
	}
}

func (t *receiverTracker) receiverStatus(st *pb.ReceiverStatus) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.byTID[st.GetTid()]
	if !ok {
		return
	}
	r := t.recv[s]
	switch st.GetState() {
	case pb.ReceiverStatus_STATE_STARTED:
		r.Active, r.Started = true, time.Now()
	case pb.ReceiverStatus_STATE_ERROR:
		t.errorLocked(r, st.GetMessage())
	case pb.ReceiverStatus_STATE_RESTARTING:
		r.Active, r.Started = false, time.Time{}
		t.errorLocked(r, "restarting: "+st.GetMessage())
	}
}

// maybeEnded handles the end of a receiver launch and reports whether
// st was one.
func (t *receiverTracker) maybeEnded(exec string, st *pb.TaskStatus) bool {
	t.mu.Lock()
	s, ok := t.byTID[st.GetTid()]
	if !ok {
		t.mu.Unlock()
		return false
	}
	delete(t.byTID, st.GetTid())
	// Its core is free now: the engine hands statuses to the scheduler
	// only while a batch runs tasks.
	t.sched.TaskFinished(st.GetTid(), exec, nil)
	r := t.recv[s]
	r.tid, r.Active, r.Started = 0, false, time.Time{}
	r.notBefore = time.Now().Add(t.cfg.RestartDelay)
	var fatal error
	switch {
	case t.stopping:
	case st.GetSucceeded():
		t.lg.Warn("receiver stopped; starting it again", zap.Int("stream", s), zap.String("executor", exec))
	default:
		t.errorLocked(r, st.GetError())
		r.avoid = exec
		if !r.stored {
			r.failures++
		}
		t.lg.Warn("receiver failed; starting it again", zap.Int("stream", s), zap.String("name", r.Name), zap.String("executor", exec),
			zap.Int("failuresInARow", r.failures), zap.Int("maxFailures", t.cfg.MaxFailures), zap.String("error", st.GetError()))
		if t.cfg.MaxFailures > 0 && r.failures >= t.cfg.MaxFailures {
			fatal = fmt.Errorf("%w: receiver %d (%s) failed %d times in a row without storing a block (%s = %d); last failure, on executor %s: %s",
				ErrNoRetry, s, r.Name, r.failures, conf.KeyReceiverMaxFailures, t.cfg.MaxFailures, exec, st.GetError())
			t.stopping = true
		}
	}
	t.mu.Unlock()
	if fatal != nil {
		select {
		case t.fatal <- fatal:
		default:
		}
	}
	t.signalEnded()
	t.wake()
	return true
}

// stop stops every receiver and waits, up to timeout, for their ends:
// each stores what it has buffered before it ends.
func (t *receiverTracker) stop(timeout time.Duration) {
	t.mu.Lock()
	t.stopping = true
	type run struct {
		exec string
		tid  int64
	}
	var runs []run
	for _, r := range t.recv {
		if r.tid != 0 {
			runs = append(runs, run{r.ExecutorID, r.tid})
		}
	}
	t.mu.Unlock()
	for _, x := range runs {
		t.ep.Kill(x.exec, x.tid, "the application is stopping")
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		t.mu.Lock()
		left := len(t.byTID)
		t.mu.Unlock()
		if left == 0 {
			return
		}
		select {
		case <-t.ended:
		case <-deadline.C:
			t.lg.Warn("receivers did not stop in time", zap.Int("running", left), zap.Duration("waited", timeout))
			return
		}
	}
}

// lost counts a block of stream that was held only in the memory of a
// lost executor.
func (t *receiverTracker) lost(stream int, block string, records int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lostBlocks[block] || stream < 0 || stream >= len(t.recv) {
		return
	}
	t.lostBlocks[block] = true
	t.recv[stream].RecordsLost += records
}

// states returns every receiver's state.
func (t *receiverTracker) states() []ReceiverState {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]ReceiverState, len(t.recv))
	for i, r := range t.recv {
		out[i] = r.ReceiverState
		if r.tid == 0 {
			out[i].ExecutorID, out[i].ExecutorHost = "", ""
		}
	}
	return out
}
