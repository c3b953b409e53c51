package sdk

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// Job is what every job implements: it parses records into events of type
// E and emits outputs from them. A job may also implement Configurer,
// Enricher[E], Aggregator[E] and StateUpdater; Serve finds them by type
// assertion.
//
// The stages of different partitions may run at the same time on different
// goroutines, so a job must be safe for concurrent use once configured. The
// stages of one partition run one after the other.
type Job[E any] interface {
	Parser[E]
	Emitter[E]
}

// Parser turns records into events: map (one event), flatMap (several) or
// filter (none).
type Parser[E any] interface {
	// Parse returns the record's events. A non-nil error rejects the
	// record: its text is the reason kept with the record for the
	// dead-letter output. Returning no events and no error drops the
	// record on purpose; it is counted as filtered. A panic in Parse
	// rejects the record with the panic as the reason.
	Parse(rec Record) ([]E, error)
}

// AppendParser is implemented by jobs that parse a record by appending its
// events to the partition's, as append does, rather than returning a
// slice of them: that spares an allocation per record, which at millions
// of records a second is much of a simple job's cost. When a job has
// AppendParse, the framework calls it instead of Parse.
type AppendParser[E any] interface {
	// AppendParse appends the record's events to events and returns the
	// extended slice; it must give the events Parse gives. Errors and
	// panics mean what they mean for Parse, and the events appended
	// before an error are dropped.
	AppendParse(events []E, rec Record) ([]E, error)
}

// Emitter produces the outputs of a partition. The framework writes them,
// so that a batch that is run again after a failure writes the same
// outputs for the same batch and partition, which the sink can then
// deduplicate: Emit should return the same outputs, in the same order, for
// the same events.
type Emitter[E any] interface {
	// Emit returns the outputs for the partition's events, which are
	// those Parse produced less those Enrich rejected. It is called once
	// per chunk of a partition's batch (a chunk is at most a quarter of
	// spindle.task.maxRecordsInFlight offsets, so most partitions are one
	// chunk), and once even when no events remain. A replay cuts the same
	// chunks. An error fails the partition, which the framework retries.
	Emit(ctx context.Context, p PartitionInfo, events []E) ([]Output, error)
}

// Configurer is implemented by jobs that need their configuration or a
// logger before the first partition.
type Configurer interface {
	// Configure is called once, before any other stage. An error fails
	// the job's start.
	Configure(ctx context.Context, jc JobContext) error
}

// JobContext is what a job is configured with.
type JobContext struct {
	// Conf holds the application's spark.* and spindle.* keys, including
	// keys Spindle does not know, such as spark.streaming.* keys.
	Conf map[string]string
	// Args are the job's arguments as given to spindle submit after the
	// job binary.
	Args []string
	// Logger writes the job's log: JSON lines that end up in the
	// container's app.log, apart from the framework's log. Its level is
	// spark.log.level when set, otherwise INFO.
	Logger *zap.Logger
}

// Rejections maps the index of an event, in the slice given to Enrich, to
// the reason it is rejected.
type Rejections map[int]error

// Enricher is implemented by jobs that enrich a whole partition's events at
// once, as Spark's mapPartitions does, typically with one batched call to
// an external system instead of one call per event.
type Enricher[E any] interface {
	// Enrich updates events in place. Events it cannot enrich it rejects
	// through the returned Rejections: each is kept, with the record it
	// came from and the reason, for the dead-letter output, and is not
	// emitted or aggregated. An error, such as an unreachable external
	// system, fails the whole partition, which the framework retries.
	Enrich(ctx context.Context, p PartitionInfo, events []E) (Rejections, error)
}

// Aggregator is implemented by jobs that aggregate events by key, as
// Spark's reduceByKey does. Partial aggregates are reduced within each
// partition, then across partitions by the driver.
type Aggregator[E any] interface {
	// Aggregate returns the event's key and its partial aggregate, or ok
	// false when the event contributes to no key.
	Aggregate(e E) (key string, partial []byte, ok bool)
	// Reduce combines two partial aggregates of the same key. It must be
	// associative and commutative, because the order in which partitions
	// are combined is not fixed, and must not modify a or b, which may be
	// slices Aggregate returned. An error fails the call that reduced.
	Reduce(a, b []byte) ([]byte, error)
}

// StateUpdater is implemented by jobs that keep per-key state across
// batches, as Spark's updateStateByKey does. It needs an Aggregator, whose
// reduced values are its input; the framework checkpoints the state.
type StateUpdater interface {
	// UpdateState returns the key's new state from the values of the
	// batch at batchTime and the previous state old (nil when the key
	// has none yet). It is called for every key with new values and every
	// key that has state, so that keys can expire; keep false removes
	// the key's state.
	UpdateState(batchTime time.Time, key string, values [][]byte, old []byte) (state []byte, keep bool, err error)
}
