package sdk

import "time"

// Result is what one ProcessPartition call returns.
type Result struct {
	// Outputs are the job's outputs for the sink, in the order Emit
	// returned them.
	Outputs []Output
	// Rejected are the records kept for the dead-letter output.
	Rejected []Rejected
	// Aggregates holds one partial aggregate per key, already reduced
	// within the partition, in the order the keys first appeared.
	Aggregates []KeyValue
	// Keyed holds the keyed values the partition gives each keyed stage,
	// by stage and side: for a ReduceByKey stage one value per key,
	// reduced within the partition.
	Keyed []KeyedValues
	// Metrics describe the call.
	Metrics Metrics
}

// Rejected is a record a stage rejected, with the reason.
type Rejected struct {
	// Record is the rejected record, as it was given.
	Record Record
	// Stage is StageParse or StageEnrich.
	Stage Stage
	// Reason is the text of the error the stage gave, or of its panic.
	Reason string
}

// Metrics count one ProcessPartition call's records and time each stage,
// as measured inside the plugin.
type Metrics struct {
	// RecordsIn is the number of records given.
	RecordsIn int64
	// Events is the number of events Parse produced.
	Events int64
	// Filtered is the number of records Parse dropped on purpose (no
	// events, no error).
	Filtered int64
	// Rejected is the number of rejections (len(Result.Rejected)).
	Rejected int64
	// Outputs is the number of outputs Emit returned.
	Outputs int64
	// Aggregates is the number of keys in Result.Aggregates.
	Aggregates int64
	// Parse is the time spent in Parse, over all records.
	Parse time.Duration
	// Enrich is the time spent in Enrich.
	Enrich time.Duration
	// Emit is the time spent in Emit.
	Emit time.Duration
	// Aggregate is the time spent in Aggregate and Reduce.
	Aggregate time.Duration
	// Total is the whole call inside the plugin, translation included.
	Total time.Duration
}

// Capabilities lists the optional interfaces a job implements, so that
// the driver knows whether to reduce and keep state.
type Capabilities struct {
	// Enrich: the job implements Enricher.
	Enrich bool
	// Aggregate: the job implements Aggregator.
	Aggregate bool
	// UpdateState: the job implements StateUpdater.
	UpdateState bool
	// Keyed: the job has keyed stages (Keyed); JobClient.Stages lists
	// them.
	Keyed bool
	// Receivers are the job's receivers (Receiving), by stream id.
	Receivers []ReceiverInfo
}

// KeyedValues are the keyed values of one side of one keyed stage, from
// one partition: Keys[i] has Values[i].
type KeyedValues struct {
	// Stage is the stage's position among the job's keyed stages.
	Stage int
	// Side is 0, or 1 for the right side of a join.
	Side   int
	Keys   []string
	Values [][]byte
}
