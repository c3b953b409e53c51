package driver

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/sdk"
	"go.uber.org/zap"
)

// StagesConfig is how the driver runs a job's keyed stages.
type StagesConfig struct {
	// Specs are the job's keyed stages (sdk.JobClient.Stages).
	Specs []sdk.StageSpec
	// DefaultPartitions is spark.default.parallelism, for stages that set
	// none.
	DefaultPartitions int
	// CheckpointInterval is spindle.state.checkpointInterval.
	CheckpointInterval time.Duration
	// ServiceEnabled is spark.shuffle.service.enabled: map outputs
	// outlive their executors.
	ServiceEnabled bool
	// MaxStageAttempts is spark.stage.maxConsecutiveAttempts.
	MaxStageAttempts int
}

// minCheckpointInterval is Spark's: a stateful DStream checkpoints at
// the smallest multiple of its slide of at least 10 s.
const minCheckpointInterval = 10 * time.Second

// StagesConfigFromApp reads the keyed stages' settings; specs are the
// job's stages.
func StagesConfigFromApp(a conf.AppConf, specs []sdk.StageSpec) StagesConfig {
	c := StagesConfig{
		Specs:            specs,
		ServiceEnabled:   a.Bool(conf.KeyShuffleServiceEnabled),
		MaxStageAttempts: int(a.Int(conf.KeyStageMaxAttempts)),
	}
	if a.IsSet(conf.KeyDefaultParallelism) {
		c.DefaultPartitions = int(a.Int(conf.KeyDefaultParallelism))
	} else {
		c.DefaultPartitions = max(2, int(a.Int(conf.KeyExecutorInstances)*a.Int(conf.KeyExecutorCores)))
	}
	batch := a.Duration(conf.KeyBatchDuration)
	if a.IsSet(conf.KeyStateCheckpointInterval) {
		c.CheckpointInterval = a.Duration(conf.KeyStateCheckpointInterval)
	} else {
		c.CheckpointInterval = batch * time.Duration((minCheckpointInterval+batch-1)/batch)
	}
	return c
}

// metaPartitions prefixes a stage's number of reduce partitions in a
// batch's offsets entry: a stage's keyed state is partitioned by it, so
// the number stays what the checkpoint started with.
const metaPartitions = "partitions/"

// Commit statistics of keyed stages, per stage: the two newest state
// checkpoints, which a partition's state is rebuilt from.
const (
	statCheckpoint     = "stateCheckpointMs/"
	statCheckpointPrev = "stateCheckpointPrevMs/"
)

// stageRunner is the driver's side of keyed stages: it keeps where each
// batch's map outputs are (Spark's MapOutputTracker), runs each batch's
// reduce stage, runs lost map tasks again from their offset ranges, and
// plans where each partition's keyed state starts from.
type stageRunner struct {
	cfg   StagesConfig
	batch time.Duration
	lg    *zap.Logger
	// partitions holds each stage's number of reduce partitions.
	partitions []int32

	mu sync.Mutex
	// maps holds the map outputs of the batches whose outputs may still
	// be needed: the current one, and those after each stateful stage's
	// older checkpoint.
	maps map[int64]*batchMaps
	// lastMs is the last committed batch: the state every stateful
	// reduce task of the next batch starts from.
	lastMs int64
	// checkpoints holds each stateful stage's committed state checkpoints,
	// newest first (at most two).
	checkpoints map[string][]int64
	// pendingCheckpoint is the batch under way's checkpointed stages.
	pendingCheckpoint map[string]bool
	// alive are the registered executors; holders the executor each
	// reduce partition's state was last updated on; execAddrs each
	// executor's own map output server.
	alive     map[string]bool
	holders   map[string]string
	execAddrs map[string]string
}

func newStageRunner(cfg StagesConfig, batch time.Duration, retainBatches int, lg *zap.Logger) (*stageRunner, error) {
	if cfg.MaxStageAttempts < 1 {
		cfg.MaxStageAttempts = 1
	}
	if cfg.DefaultPartitions < 1 {
		cfg.DefaultPartitions = 2
	}
	s := &stageRunner{cfg: cfg, batch: batch, lg: lg, maps: map[int64]*batchMaps{}, checkpoints: map[string][]int64{},
		alive: map[string]bool{}, holders: map[string]string{}, execAddrs: map[string]string{}, partitions: make([]int32, len(cfg.Specs))}
	var errs []error
	stateful := false
	for i, sp := range cfg.Specs {
		s.partitions[i] = int32(sp.Partitions)
		if sp.Partitions == 0 {
			s.partitions[i] = int32(cfg.DefaultPartitions)
		}
		if sp.State == sdk.StateWindow && (sp.Window%batch != 0 || sp.Slide%batch != 0) {
			errs = append(errs, fmt.Errorf("driver: keyed stage %q: window %v and slide %v must be multiples of %s = %v", sp.Name, sp.Window, sp.Slide, conf.KeyBatchDuration, batch))
		}
		stateful = stateful || sp.State != sdk.StateNone
	}
	if stateful {
		if cfg.CheckpointInterval <= 0 {
			errs = append(errs, fmt.Errorf("driver: %s must be positive", conf.KeyStateCheckpointInterval))
		} else if need := 2*int((cfg.CheckpointInterval+batch-1)/batch) + 2; retainBatches < need {
			errs = append(errs, fmt.Errorf("driver: %s = %d keeps fewer batches than keyed state is rebuilt from: two state checkpoint intervals (%s = %v) of %v batches need %d; raise it",
				conf.KeyRetainBatches, retainBatches, conf.KeyStateCheckpointInterval, cfg.CheckpointInterval, batch, need))
		}
	}
	return s, errors.Join(errs...)
}

// recordPartitions records each stage's number of reduce partitions in a
// batch's offsets entry.
func (s *stageRunner) recordPartitions(meta map[string]string) {
	for i, sp := range s.cfg.Specs {
		meta[metaPartitions+sp.Name] = strconv.Itoa(int(s.partitions[i]))
	}
}

// usePartitions takes the numbers of reduce partitions a checkpoint's
// batch recorded, warning of a stage whose setting has changed since.
func (s *stageRunner) usePartitions(meta map[string]string) error {
	for i, sp := range s.cfg.Specs {
		v, ok := meta[metaPartitions+sp.Name]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > sdk.MaxStagePartitions {
			return fmt.Errorf("driver: offsets entry has %s%s = %q: want a number of partitions", metaPartitions, sp.Name, v)
		}
		if int32(n) != s.partitions[i] && sp.State != sdk.StateNone {
			s.lg.Warn("keyed stage keeps the number of partitions its checkpoint started with; its state is partitioned by it",
				zap.String("stage", sp.Name), zap.Int("partitions", n), zap.Int32("configured", s.partitions[i]))
		}
		if sp.State != sdk.StateNone {
			s.partitions[i] = int32(n)
		}
	}
	return nil
}

// onEvent follows executors: which are alive, and where each serves its
// own map outputs. Without the shuffle service, a lost executor's map
// outputs are lost with it.
func (s *stageRunner) onEvent(ev Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case ev.Added:
		s.alive[ev.ExecutorID] = true
	case ev.Lost:
		delete(s.alive, ev.ExecutorID)
		if addr, ok := s.execAddrs[ev.ExecutorID]; ok && !s.cfg.ServiceEnabled {
			if n := s.loseLocked(addr); n > 0 {
				s.lg.Warn("map outputs lost with their executor (no shuffle service)", zap.String("executor", ev.ExecutorID), zap.Int("outputs", n))
			}
		}
	}
	st := ev.Status
	if st == nil || !st.GetSucceeded() {
		return
	}
	if mo := st.GetMapOutput(); mo != nil && len(mo.GetAddresses()) > 0 {
		s.execAddrs[ev.ExecutorID] = mo.GetAddresses()[len(mo.GetAddresses())-1]
	}
	if isReduceTask(st.GetTaskId()) {
		s.holders[st.GetTaskId()] = ev.ExecutorID
	}
}

// reduceTaskID names reduce partition p of a stage, as a task and as the
// locality key that sends it back to the executor holding its state.
func reduceTaskID(stage string, p int) string { return "~" + stage + "-" + strconv.Itoa(p) }

func isReduceTask(id string) bool { return len(id) > 0 && id[0] == '~' }

// stageStats are a batch's keyed stages' figures, for its commit and
// BatchInfo.
type stageStats struct {
	outputs                      int64
	shuffleRecords, shuffleBytes int64
	stateKeys, stateBytes        int64
	checkpointBytes              int64
	fetchFailures                int64
	mapsRecomputed               int64
	stageAttempts                int64
	restored                     int64
	restoreMs                    int64
}

// commitStats adds a batch's keyed-stage figures to its commit, and each
// stateful stage's two newest checkpoints as they are once it commits.
func (s *stageRunner) commitStats(batchMs int64, st stageStats, stats map[string]int64) {
	stats["shuffleRecords"], stats["shuffleBytes"] = st.shuffleRecords, st.shuffleBytes
	stats["stateKeys"], stats["stateBytes"], stats["stateCheckpointBytes"] = st.stateKeys, st.stateBytes, st.checkpointBytes
	stats["fetchFailures"], stats["mapsRecomputed"], stats["reduceAttempts"] = st.fetchFailures, st.mapsRecomputed, st.stageAttempts
	stats["stateRestored"], stats["stateRestoreMs"] = st.restored, st.restoreMs
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, cks := range s.checkpointsAfterLocked(batchMs) {
		if len(cks) > 0 {
			stats[statCheckpoint+name] = cks[0]
		}
		if len(cks) > 1 {
			stats[statCheckpointPrev+name] = cks[1]
		}
	}
}

// checkpointsAfterLocked is each stateful stage's two newest checkpoints
// once batchMs commits.
func (s *stageRunner) checkpointsAfterLocked(batchMs int64) map[string][]int64 {
	out := map[string][]int64{}
	for _, sp := range s.cfg.Specs {
		if sp.State == sdk.StateNone {
			continue
		}
		cks := s.checkpoints[sp.Name]
		if s.pendingCheckpoint[sp.Name] {
			cks = append([]int64{batchMs}, cks...)
		}
		out[sp.Name] = cks[:min(len(cks), 2)]
	}
	return out
}

// committed moves on to the batch after batchMs: its state checkpoints
// count, and the map outputs no rebuild can need are forgotten.
func (s *stageRunner) committed(batchMs int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checkpoints = s.checkpointsAfterLocked(batchMs)
	s.pendingCheckpoint = nil
	s.lastMs = batchMs
	keep := s.retainFromLocked()
	var drop []int64
	for ms := range s.maps {
		if ms < keep {
			drop = append(drop, ms)
		}
	}
	sort.Slice(drop, func(i, j int) bool { return drop[i] < drop[j] })
	for _, ms := range drop {
		delete(s.maps, ms)
	}
}

// retainFromLocked is the first batch whose map outputs a stateful
// partition may be rebuilt through: the one after each stage's older
// checkpoint; for a job without state, the batch after the last commit.
func (s *stageRunner) retainFromLocked() int64 {
	from := s.lastMs + 1
	for _, sp := range s.cfg.Specs {
		if sp.State == sdk.StateNone {
			continue
		}
		cks := s.checkpoints[sp.Name]
		if len(cks) == 0 {
			return 0
		}
		from = min(from, cks[len(cks)-1]+1)
	}
	return from
}

// mapLaunch makes a launch of a batch's map side a map task of the keyed
// stages.
func (s *stageRunner) mapLaunch(lt *pb.LaunchTask) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.maps[lt.GetBatchTimeUnixMs()]
	if b == nil {
		return
	}
	idx, ok := b.index[lt.GetTaskId()]
	if !ok {
		return
	}
	lt.Map = &pb.MapTask{MapIndex: int32(idx), Partitions: s.partitions}
	lt.ShuffleRetainFromMs = s.retainFromLocked()
}
