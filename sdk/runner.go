package sdk

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// processor is the plugin side of the protocol in Go types: what the gRPC
// server calls. Errors are *StageError for failures of the job's code,
// ErrNotConfigured, ErrAlreadyConfigured or ErrUnsupported for calls that
// come at the wrong time, or the context's error.
type processor interface {
	configure(ctx context.Context, conf map[string]string, args, hostFeatures []string) (Capabilities, []StageSpec, error)
	processPartition(ctx context.Context, p *Partition) (partitionResult, error)
	reduce(ctx context.Context, groups []KeyValues) ([]KeyValue, error)
	updateState(ctx context.Context, batchTime time.Time, in []StateInput) ([]StateOutput, error)
	reduceKeys(ctx context.Context, call *ReduceKeysCall) (ReduceKeysResult, error)
}

// rejection is a rejected record by its index in the partition; the host
// holds the records, so they do not travel back.
type rejection struct {
	index  int
	stage  Stage
	reason string
}

// partitionResult is a ProcessPartition result on the plugin side.
type partitionResult struct {
	outputs    []Output
	rejected   []rejection
	aggregates []KeyValue
	keyed      []KeyedValues
	metrics    Metrics
}

// runner runs a job's stages inside the plugin.
type runner[E any] struct {
	job        Job[E]
	appender   AppendParser[E]
	configurer Configurer
	enricher   Enricher[E]
	aggregator Aggregator[E]
	updater    StateUpdater
	keyedJob   Keyed[E]
	// stages are the keyed stages the job declared at Configure.
	stages *Stages[E]
	log    *zap.Logger
	level  zap.AtomicLevel

	mu         sync.Mutex // serialises configure
	configured atomic.Bool
	receivers  receiverSet
}

// newRunner finds the job's optional interfaces. appLog is the job's
// logger and level its adjustable level (spark.log.level).
func newRunner[E any](job Job[E], appLog *zap.Logger, level zap.AtomicLevel) (*runner[E], error) {
	if err := checkJob(job); err != nil {
		return nil, err
	}
	r := &runner[E]{job: job, log: appLog, level: level}
	r.appender, _ = job.(AppendParser[E])
	r.configurer, _ = job.(Configurer)
	r.enricher, _ = job.(Enricher[E])
	r.aggregator, _ = job.(Aggregator[E])
	r.updater, _ = job.(StateUpdater)
	r.keyedJob, _ = job.(Keyed[E])
	return r, nil
}

func (r *runner[E]) capabilities() Capabilities {
	return Capabilities{Enrich: r.enricher != nil, Aggregate: r.aggregator != nil, UpdateState: r.updater != nil, Keyed: r.stages != nil, Receivers: r.receivers.infos()}
}

func (r *runner[E]) configure(ctx context.Context, conf map[string]string, args, hostFeatures []string) (Capabilities, []StageSpec, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.configured.Load() {
		return Capabilities{}, nil, ErrAlreadyConfigured
	}
	if v, ok := conf[ConfLogLevel]; ok {
		lvl, err := parseLogLevel(v)
		if err != nil {
			return Capabilities{}, nil, &StageError{Stage: StageConfigure, Message: err.Error()}
		}
		r.level.SetLevel(lvl)
	}
	if r.configurer != nil {
		jc := JobContext{Conf: conf, Args: args, Logger: r.log}
		if serr := r.guard(StageConfigure, "", func() error { return r.configurer.Configure(ctx, jc) }); serr != nil {
			return Capabilities{}, nil, serr
		}
	}
	if serr := r.guard(StageConfigure, "", func() error { return r.receivers.load(r.job) }); serr != nil {
		return Capabilities{}, nil, serr
	}
	if serr := r.declareStages(hostFeatures); serr != nil {
		return Capabilities{}, nil, serr
	}
	r.configured.Store(true)
	return r.capabilities(), r.stageSpecs(), nil
}

func (r *runner[E]) processPartition(ctx context.Context, p *Partition) (partitionResult, error) {
	var res partitionResult
	if !r.configured.Load() {
		return res, ErrNotConfigured
	}
	res.metrics.RecordsIn = int64(len(p.Records))

	start := time.Now()
	events, origin, err := r.parse(ctx, p.Records, &res)
	if err != nil {
		return res, err
	}
	res.metrics.Events = int64(len(events))
	res.metrics.Parse = time.Since(start)

	if r.enricher != nil {
		start = time.Now()
		var rej Rejections
		serr := r.guard(StageEnrich, "", func() error {
			var err error
			rej, err = r.enricher.Enrich(ctx, p.PartitionInfo, events)
			return err
		})
		if serr != nil {
			return res, serr
		}
		if len(rej) > 0 {
			var err *StageError
			events, origin, err = applyRejections(rej, events, origin, &res.rejected)
			if err != nil {
				return res, err
			}
		}
		res.metrics.Enrich = time.Since(start)
	}

	start = time.Now()
	serr := r.guard(StageEmit, "", func() error {
		var err error
		res.outputs, err = r.job.Emit(ctx, p.PartitionInfo, events)
		return err
	})
	if serr != nil {
		return res, serr
	}
	res.metrics.Emit = time.Since(start)

	if r.aggregator != nil {
		start = time.Now()
		aggs, serr := r.aggregate(events)
		if serr != nil {
			return res, serr
		}
		res.aggregates = aggs
		res.metrics.Aggregate = time.Since(start)
	}
	if r.stages != nil {
		start = time.Now()
		if res.keyed, serr = r.keyValues(events); serr != nil {
			return res, serr
		}
		res.metrics.Aggregate += time.Since(start)
	}
	res.metrics.Rejected = int64(len(res.rejected))
	res.metrics.Outputs = int64(len(res.outputs))
	res.metrics.Aggregates = int64(len(res.aggregates))
	return res, nil
}

// parse runs Parse on each record and returns their events, with the
// index of the record each came from (origin), so that a later rejection
// can name its record. A returned error rejects the record; a panic fails
// the whole call with a StageError naming the record, so that the task
// fails and is retried (on another executor where there is one) up to
// spark.task.maxFailures, as a failing task does in Spark. One recover
// covers the whole loop, since a panic ends it anyway.
func (r *runner[E]) parse(ctx context.Context, recs []Record, res *partitionResult) (events []E, origin []int, err error) {
	i := 0
	defer func() {
		if v := recover(); v != nil {
			rec := &recs[i]
			r.log.Error("job stage panicked", zap.String("stage", string(StageParse)),
				zap.String("topic", rec.Topic), zap.Int32("partition", rec.Partition), zap.Int64("offset", rec.Offset),
				zap.Any("panic", v), zap.Stack("stack"))
			events, origin = nil, nil
			err = &StageError{Stage: StageParse, Panic: true, Message: fmt.Sprintf("record %s-%d at offset %d: %v", rec.Topic, rec.Partition, rec.Offset, v)}
		}
	}()
	events = make([]E, 0, len(recs))
	// Only Enrich's rejections need to know each event's record.
	track := r.enricher != nil
	if track {
		origin = make([]int, 0, len(recs))
	}
	for ; i < len(recs); i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		if r.appender != nil {
			prev := events
			var perr error
			events, perr = r.appender.AppendParse(events, recs[i])
			switch n := len(events) - len(prev); {
			case perr != nil:
				events = prev
				res.rejected = append(res.rejected, rejection{index: i, stage: StageParse, reason: perr.Error()})
			case n == 0:
				res.metrics.Filtered++
			case track:
				for range n {
					origin = append(origin, i)
				}
			}
			continue
		}
		evs, perr := r.job.Parse(recs[i])
		switch {
		case perr != nil:
			res.rejected = append(res.rejected, rejection{index: i, stage: StageParse, reason: perr.Error()})
		case len(evs) == 0:
			res.metrics.Filtered++
		default:
			events = append(events, evs...)
			for range evs {
				if track {
					origin = append(origin, i)
				}
			}
		}
	}
	return events, origin, nil
}

// applyRejections removes the events Enrich rejected and records their
// records' rejections in index order.
func applyRejections[E any](rej Rejections, events []E, origin []int, out *[]rejection) ([]E, []int, *StageError) {
	idx := make([]int, 0, len(rej))
	for i := range rej {
		if i < 0 || i >= len(events) {
			return nil, nil, &StageError{Stage: StageEnrich, Message: fmt.Sprintf("rejected event index %d, but there are %d events", i, len(events))}
		}
		idx = append(idx, i)
	}
	slices.Sort(idx)
	drop := make([]bool, len(events))
	for _, i := range idx {
		reason := "rejected without a reason"
		if err := rej[i]; err != nil {
			reason = err.Error()
		}
		*out = append(*out, rejection{index: origin[i], stage: StageEnrich, reason: reason})
		drop[i] = true
	}
	kept, keptOrigin := events[:0], origin[:0]
	for i := range events {
		if !drop[i] {
			kept = append(kept, events[i])
			keptOrigin = append(keptOrigin, origin[i])
		}
	}
	return kept, keptOrigin, nil
}

// aggregate reduces the events' partial aggregates by key, keeping the
// order in which keys first appear so that results are reproducible.
func (r *runner[E]) aggregate(events []E) (out []KeyValue, serr *StageError) {
	key := ""
	defer func() {
		if v := recover(); v != nil {
			out, serr = nil, r.panicked(StageAggregate, key, v)
		}
	}()
	index := make(map[string]int)
	for _, e := range events {
		key = ""
		k, partial, ok := r.aggregator.Aggregate(e)
		if !ok {
			continue
		}
		key = k
		if i, seen := index[k]; seen {
			merged, err := r.aggregator.Reduce(out[i].Value, partial)
			if err != nil {
				return nil, &StageError{Stage: StageAggregate, Key: k, Message: "reduce: " + err.Error()}
			}
			out[i].Value = merged
			continue
		}
		index[k] = len(out)
		out = append(out, KeyValue{Key: k, Value: partial})
	}
	return out, nil
}

func (r *runner[E]) reduce(ctx context.Context, groups []KeyValues) ([]KeyValue, error) {
	if !r.configured.Load() {
		return nil, ErrNotConfigured
	}
	if r.aggregator == nil {
		return nil, fmt.Errorf("%w: Reduce needs the job to implement Aggregator", ErrUnsupported)
	}
	out := make([]KeyValue, len(groups))
	for i, g := range groups {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(g.Values) == 0 {
			return nil, &StageError{Stage: StageReduce, Key: g.Key, Message: "no values to reduce"}
		}
		acc := g.Values[0]
		serr := r.guard(StageReduce, g.Key, func() error {
			for _, v := range g.Values[1:] {
				var err error
				if acc, err = r.aggregator.Reduce(acc, v); err != nil {
					return err
				}
			}
			return nil
		})
		if serr != nil {
			return nil, serr
		}
		out[i] = KeyValue{Key: g.Key, Value: acc}
	}
	return out, nil
}

func (r *runner[E]) updateState(ctx context.Context, batchTime time.Time, in []StateInput) ([]StateOutput, error) {
	if !r.configured.Load() {
		return nil, ErrNotConfigured
	}
	if r.updater == nil {
		return nil, fmt.Errorf("%w: UpdateState needs the job to implement StateUpdater", ErrUnsupported)
	}
	out := make([]StateOutput, len(in))
	for i, s := range in {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var state []byte
		var keep bool
		serr := r.guard(StageUpdateState, s.Key, func() error {
			var err error
			state, keep, err = r.updater.UpdateState(batchTime, s.Key, s.Values, s.Old)
			return err
		})
		if serr != nil {
			return nil, serr
		}
		if keep {
			state = nonNil(state)
		} else {
			state = nil
		}
		out[i] = StateOutput{Key: s.Key, State: state, Keep: keep}
	}
	return out, nil
}

// guard runs one stage of the job's code, turning its error or panic
// into a StageError so that the plugin keeps serving.
func (r *runner[E]) guard(stage Stage, key string, fn func() error) (serr *StageError) {
	defer func() {
		if v := recover(); v != nil {
			serr = r.panicked(stage, key, v)
		}
	}()
	if err := fn(); err != nil {
		return &StageError{Stage: stage, Key: key, Message: err.Error()}
	}
	return nil
}

// panicked logs a recovered panic with its stack to the job's log, where
// its author looks, and describes it for the caller. It must be called
// from the deferred function that recovered, so that the stack still
// shows where the panic happened.
func (r *runner[E]) panicked(stage Stage, key string, v any) *StageError {
	r.log.Error("job stage panicked", zap.String("stage", string(stage)), zap.String("key", key), zap.Any("panic", v), zap.Stack("stack"))
	return &StageError{Stage: stage, Key: key, Panic: true, Message: fmt.Sprint(v)}
}
