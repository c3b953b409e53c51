package driver

import (
	"context"
	"fmt"
	"sort"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver/taskscheduler"
	"github.com/spindlehq/spindle/sdk"
	"go.uber.org/zap"
)

// reduceTask is one reduce partition of one keyed stage.
type reduceTask struct {
	stage, partition int
}

// runReduce runs a batch's reduce stage: a task per reduce partition of
// each keyed stage (a stage without state skips a batch without map
// tasks). A task that cannot fetch map outputs is not failed: the map
// outputs it names, and every other one its node served, are run again
// from their offset ranges, and the tasks that could not fetch run
// again, up to spark.stage.maxConsecutiveAttempts attempts.
func (s *stageRunner) runReduce(ctx context.Context, e *Engine, batchTime time.Time) (stageStats, error) {
	batchMs := batchTime.UnixMilli()
	var st stageStats
	s.mu.Lock()
	b := s.maps[batchMs]
	s.pendingCheckpoint = map[string]bool{}
	var pending []reduceTask
	for i, sp := range s.cfg.Specs {
		if sp.State == sdk.StateNone && len(b.outputs) == 0 {
			continue
		}
		if sp.State != sdk.StateNone {
			s.pendingCheckpoint[sp.Name] = s.checkpointAtLocked(sp, batchMs, b.prevMs)
		}
		for p := range int(s.partitions[i]) {
			pending = append(pending, reduceTask{i, p})
		}
	}
	s.mu.Unlock()
	// named are the batches whose map outputs reduce tasks could not
	// fetch: a partition rebuilt on an executor that did not hold it
	// needs earlier batches than this one, which must be written again
	// too.
	named := map[int64]bool{}
	for attempt := 1; len(pending) > 0; attempt++ {
		if attempt > s.cfg.MaxStageAttempts {
			return st, fmt.Errorf("driver: batch %s: the reduce stage could not fetch its map outputs in %d attempts (%s), each after running the lost map tasks again",
				batchTime.Format(time.RFC3339Nano), s.cfg.MaxStageAttempts, conf.KeyStageMaxAttempts)
		}
		st.stageAttempts = int64(attempt)
		n, err := s.ensureMaps(ctx, e, batchTime, s.neededBatches(batchMs, pending, named))
		st.mapsRecomputed += int64(n)
		if err != nil {
			return st, err
		}
		tasks := make([]taskscheduler.Task, len(pending))
		byID := map[string]reduceTask{}
		for i, rt := range pending {
			id := reduceTaskID(s.cfg.Specs[rt.stage].Name, rt.partition)
			tasks[i] = taskscheduler.Task{ID: id, Partition: id}
			byID[id] = rt
		}
		results, err := e.runTaskSet(ctx, batchTime, tasks, func(a taskscheduler.Assignment) *pb.LaunchTask {
			return s.reduceLaunch(batchMs, byID[a.TaskID], a)
		})
		if err != nil {
			return st, err
		}
		var failed []reduceTask
		for id, res := range results {
			ff := res.GetFetchFailed()
			if ff == nil {
				st.add(res)
				continue
			}
			failed = append(failed, byID[id])
			st.fetchFailures++
			s.loseMaps(ff.GetMaps())
			for _, m := range ff.GetMaps() {
				named[m.GetBatchMs()] = true
			}
			lost := 0
			if ff.GetAddress() != "" {
				lost = s.lose(ff.GetAddress())
			}
			s.lg.Warn("reduce task could not fetch map outputs; the map tasks that wrote them run again from their offsets",
				zap.String("task", id), zap.String("address", ff.GetAddress()), zap.Int("named", len(ff.GetMaps())), zap.Int("lostThere", lost), zap.String("error", ff.GetMessage()))
		}
		sort.Slice(failed, func(i, j int) bool {
			return failed[i].stage < failed[j].stage || (failed[i].stage == failed[j].stage && failed[i].partition < failed[j].partition)
		})
		pending = failed
	}
	s.mu.Lock()
	st.shuffleRecords, st.shuffleBytes = b.records, b.bytes
	s.mu.Unlock()
	return st, nil
}

func (st *stageStats) add(res *pb.TaskStatus) {
	sh := res.GetShuffle()
	st.outputs += res.GetMetrics().GetRecordsOut()
	st.stateKeys += sh.GetStateKeys()
	st.stateBytes += sh.GetStateBytes()
	st.checkpointBytes += sh.GetCheckpointBytes()
	if sh.GetRestored() {
		st.restored++
		st.restoreMs = max(st.restoreMs, time.Duration(sh.GetRestoreNanos()).Milliseconds())
	}
}

// neededBatches are the batches whose map outputs the pending tasks will
// fetch: the batch's own, those a fetch failed for (named), and, for a
// stateful partition whose executor is gone (or unknown, after a
// restart), those after its newest checkpoint, which it is rebuilt
// through.
func (s *stageRunner) neededBatches(batchMs int64, pending []reduceTask, named map[int64]bool) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	need := map[int64]bool{batchMs: true}
	for ms := range named {
		if s.maps[ms] != nil {
			need[ms] = true
		}
	}
	for _, rt := range pending {
		sp := s.cfg.Specs[rt.stage]
		cks := s.checkpoints[sp.Name]
		if sp.State == sdk.StateNone || len(cks) == 0 || s.alive[s.holders[reduceTaskID(sp.Name, rt.partition)]] {
			continue
		}
		for ms := range s.maps {
			if ms > cks[0] && ms <= s.lastMs {
				need[ms] = true
			}
		}
	}
	out := make([]int64, 0, len(need))
	for ms := range need {
		out = append(out, ms)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// reduceLaunch is the launch of reduce task rt of the batch.
func (s *stageRunner) reduceLaunch(batchMs int64, rt reduceTask, a taskscheduler.Assignment) *pb.LaunchTask {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := s.cfg.Specs[rt.stage]
	b := s.maps[batchMs]
	r := &pb.ReduceTask{
		Stage: int32(rt.stage), Partition: int32(rt.partition), Partitions: s.partitions[rt.stage],
		Maps: b.outputsFor(), WindowEnd: windowEnd(sp, batchMs, b.prevMs),
	}
	if sp.State != sdk.StateNone {
		r.State = s.statePlanLocked(sp)
	}
	return &pb.LaunchTask{TaskId: a.TaskID, Attempt: int32(a.Attempt), Tid: a.TID, BatchTimeUnixMs: batchMs, Reduce: r}
}

// statePlanLocked is where a stateful stage's partitions start from: the
// last committed batch's state, which an executor that does not hold it
// rebuilds from a checkpoint and the batches after it.
func (s *stageRunner) statePlanLocked(sp sdk.StageSpec) *pb.StatePlan {
	cks := s.checkpoints[sp.Name]
	plan := &pb.StatePlan{Checkpoints: cks, Checkpoint: s.pendingCheckpoint[sp.Name]}
	if len(cks) == 0 {
		return plan // the stage's first batch: the empty state
	}
	plan.BaseMs = s.lastMs
	oldest := cks[len(cks)-1]
	plan.KeepFromMs = oldest
	var batches []int64
	for ms := range s.maps {
		if ms > oldest && ms <= s.lastMs {
			batches = append(batches, ms)
		}
	}
	sort.Slice(batches, func(i, j int) bool { return batches[i] < batches[j] })
	for _, ms := range batches {
		b := s.maps[ms]
		plan.Replay = append(plan.Replay, &pb.ReplayBatch{BatchMs: ms, Maps: b.outputsFor(), WindowEnd: windowEnd(sp, ms, b.prevMs)})
	}
	return plan
}

// checkpointAtLocked decides whether a stateful stage's state after
// batchMs is checkpointed: at its first batch, then at the first batch of
// each checkpoint interval.
func (s *stageRunner) checkpointAtLocked(sp sdk.StageSpec, batchMs, prevMs int64) bool {
	if len(s.checkpoints[sp.Name]) == 0 {
		return true
	}
	iv := s.cfg.CheckpointInterval.Milliseconds()
	return batchMs/iv != prevMs/iv
}

// windowEnd reports whether the batch at batchMs, after the one at
// prevMs, ends a window of a windowed stage: it is the first batch of a
// slide (or the first batch of all). The window is the batches after
// batchMs less the window's duration, up to it.
func windowEnd(sp sdk.StageSpec, batchMs, prevMs int64) bool {
	if sp.State != sdk.StateWindow {
		return false
	}
	slide := sp.Slide.Milliseconds()
	return prevMs == 0 || batchMs/slide != prevMs/slide
}
