package sdk

import (
	"strings"
	"time"

	"github.com/spindlehq/spindle/api/jobpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The functions below translate between the Go types of this package and
// the jobpb messages; both sides of the plugin boundary use them.

func timeToProto(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return &timestamppb.Timestamp{Seconds: t.Unix(), Nanos: int32(t.Nanosecond())}
}

func timeFromProto(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return time.Unix(ts.GetSeconds(), int64(ts.GetNanos())).UTC()
}

func recordToProto(r *Record) *jobpb.Record {
	pr := &jobpb.Record{
		Topic:     r.Topic,
		Partition: r.Partition,
		Offset:    r.Offset,
		Key:       r.Key,
		Value:     r.Value,
		Timestamp: timeToProto(r.Timestamp),
	}
	if len(r.Headers) > 0 {
		pr.Headers = make([]*jobpb.Header, len(r.Headers))
		for i, h := range r.Headers {
			pr.Headers[i] = &jobpb.Header{Key: []byte(h.Key), Value: h.Value}
		}
	}
	return pr
}

func recordFromProto(pr *jobpb.Record) Record {
	r := Record{
		Topic:     pr.GetTopic(),
		Partition: pr.GetPartition(),
		Offset:    pr.GetOffset(),
		Key:       pr.Key,
		Value:     pr.Value,
		Timestamp: timeFromProto(pr.GetTimestamp()),
	}
	if hs := pr.GetHeaders(); len(hs) > 0 {
		r.Headers = make([]Header, len(hs))
		for i, h := range hs {
			r.Headers[i] = Header{Key: string(h.GetKey()), Value: h.Value}
		}
	}
	return r
}

func partitionToProto(p *Partition) *jobpb.ProcessPartitionRequest {
	req := &jobpb.ProcessPartitionRequest{
		BatchTime: timeToProto(p.BatchTime),
		Topic:     p.Topic,
		Partition: p.Partition,
		Records:   make([]*jobpb.Record, len(p.Records)),
	}
	for i := range p.Records {
		req.Records[i] = recordToProto(&p.Records[i])
	}
	return req
}

func partitionFromProto(req *jobpb.ProcessPartitionRequest) Partition {
	p := Partition{
		PartitionInfo: PartitionInfo{
			BatchTime: timeFromProto(req.GetBatchTime()),
			Topic:     req.GetTopic(),
			Partition: req.GetPartition(),
		},
		Records: make([]Record, len(req.GetRecords())),
	}
	for i, pr := range req.GetRecords() {
		p.Records[i] = recordFromProto(pr)
	}
	return p
}

func outputsToProto(outs []Output) []*jobpb.Output {
	if len(outs) == 0 {
		return nil
	}
	po := make([]*jobpb.Output, len(outs))
	for i, o := range outs {
		po[i] = &jobpb.Output{Key: o.Key, Value: o.Value, Destination: o.Destination}
	}
	return po
}

func outputsFromProto(po []*jobpb.Output) []Output {
	if len(po) == 0 {
		return nil
	}
	outs := make([]Output, len(po))
	for i, o := range po {
		outs[i] = Output{Key: o.Key, Value: o.Value, Destination: o.GetDestination()}
	}
	return outs
}

func keyValuesToProto(kvs []KeyValue) []*jobpb.KeyValue {
	if len(kvs) == 0 {
		return nil
	}
	p := make([]*jobpb.KeyValue, len(kvs))
	for i, kv := range kvs {
		p[i] = &jobpb.KeyValue{Key: []byte(kv.Key), Value: kv.Value}
	}
	return p
}

func keyValuesFromProto(p []*jobpb.KeyValue) []KeyValue {
	if len(p) == 0 {
		return nil
	}
	kvs := make([]KeyValue, len(p))
	for i, kv := range p {
		kvs[i] = KeyValue{Key: string(kv.GetKey()), Value: kv.GetValue()}
	}
	return kvs
}

func groupsToProto(groups []KeyValues) []*jobpb.KeyValues {
	p := make([]*jobpb.KeyValues, len(groups))
	for i, g := range groups {
		p[i] = &jobpb.KeyValues{Key: []byte(g.Key), Values: g.Values}
	}
	return p
}

func groupsFromProto(p []*jobpb.KeyValues) []KeyValues {
	groups := make([]KeyValues, len(p))
	for i, g := range p {
		groups[i] = KeyValues{Key: string(g.GetKey()), Values: g.GetValues()}
	}
	return groups
}

func stateInputsToProto(in []StateInput) []*jobpb.StateInput {
	p := make([]*jobpb.StateInput, len(in))
	for i, s := range in {
		p[i] = &jobpb.StateInput{Key: []byte(s.Key), Values: s.Values, Old: s.Old}
	}
	return p
}

func stateInputsFromProto(p []*jobpb.StateInput) []StateInput {
	in := make([]StateInput, len(p))
	for i, s := range p {
		in[i] = StateInput{Key: string(s.GetKey()), Values: s.GetValues(), Old: s.Old}
	}
	return in
}

func stateOutputsToProto(out []StateOutput) []*jobpb.StateOutput {
	p := make([]*jobpb.StateOutput, len(out))
	for i, s := range out {
		ps := &jobpb.StateOutput{Key: []byte(s.Key), Keep: s.Keep}
		if s.Keep {
			// Presence on the wire keeps an empty state apart from none.
			ps.State = nonNil(s.State)
		}
		p[i] = ps
	}
	return p
}

func stateOutputsFromProto(p []*jobpb.StateOutput) []StateOutput {
	out := make([]StateOutput, len(p))
	for i, s := range p {
		o := StateOutput{Key: string(s.GetKey()), Keep: s.GetKeep()}
		if o.Keep {
			o.State = nonNil(s.State)
		}
		out[i] = o
	}
	return out
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

var stageToProtoMap = map[Stage]jobpb.Stage{
	StageConfigure:   jobpb.Stage_STAGE_CONFIGURE,
	StageParse:       jobpb.Stage_STAGE_PARSE,
	StageEnrich:      jobpb.Stage_STAGE_ENRICH,
	StageEmit:        jobpb.Stage_STAGE_EMIT,
	StageAggregate:   jobpb.Stage_STAGE_AGGREGATE,
	StageReduce:      jobpb.Stage_STAGE_REDUCE,
	StageUpdateState: jobpb.Stage_STAGE_UPDATE_STATE,
}

func stageToProto(s Stage) jobpb.Stage {
	return stageToProtoMap[s]
}

func stageFromProto(s jobpb.Stage) Stage {
	for k, v := range stageToProtoMap {
		if v == s {
			return k
		}
	}
	return Stage("unknown")
}

// cleanText makes job-supplied text valid UTF-8, which proto3 strings
// require: a reason quoting a malformed record must not fail the call.
func cleanText(s string) string {
	return strings.ToValidUTF8(s, "\uFFFD")
}

func stageErrorToProto(e *StageError) *jobpb.StageError {
	if e == nil {
		return nil
	}
	return &jobpb.StageError{Stage: stageToProto(e.Stage), Message: cleanText(e.Message), Panic: e.Panic, Key: []byte(e.Key)}
}

func stageErrorFromProto(p *jobpb.StageError) *StageError {
	if p == nil {
		return nil
	}
	return &StageError{Stage: stageFromProto(p.GetStage()), Message: p.GetMessage(), Panic: p.GetPanic(), Key: string(p.GetKey())}
}

func metricsToProto(m Metrics) *jobpb.Metrics {
	return &jobpb.Metrics{
		RecordsIn:   m.RecordsIn,
		Events:      m.Events,
		Filtered:    m.Filtered,
		Rejected:    m.Rejected,
		Outputs:     m.Outputs,
		Aggregates:  m.Aggregates,
		ParseNs:     int64(m.Parse),
		EnrichNs:    int64(m.Enrich),
		EmitNs:      int64(m.Emit),
		AggregateNs: int64(m.Aggregate),
		TotalNs:     int64(m.Total),
	}
}

func metricsFromProto(p *jobpb.Metrics) Metrics {
	return Metrics{
		RecordsIn:  p.GetRecordsIn(),
		Events:     p.GetEvents(),
		Filtered:   p.GetFiltered(),
		Rejected:   p.GetRejected(),
		Outputs:    p.GetOutputs(),
		Aggregates: p.GetAggregates(),
		Parse:      time.Duration(p.GetParseNs()),
		Enrich:     time.Duration(p.GetEnrichNs()),
		Emit:       time.Duration(p.GetEmitNs()),
		Aggregate:  time.Duration(p.GetAggregateNs()),
		Total:      time.Duration(p.GetTotalNs()),
	}
}

func capabilitiesToProto(c Capabilities) *jobpb.Capabilities {
	return &jobpb.Capabilities{Enrich: c.Enrich, Aggregate: c.Aggregate, UpdateState: c.UpdateState}
}

func capabilitiesFromProto(p *jobpb.Capabilities) Capabilities {
	return Capabilities{Enrich: p.GetEnrich(), Aggregate: p.GetAggregate(), UpdateState: p.GetUpdateState()}
}
