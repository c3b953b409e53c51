package sdk

import (
	"fmt"
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

// partitionToProto takes the buffers of the records' key and value
// columns from pool when pool is not nil.
func partitionToProto(p *Partition, pool *bufferPool) *jobpb.ProcessPartitionRequest {
	return &jobpb.ProcessPartitionRequest{
		BatchTime: timeToProto(p.BatchTime),
		Topic:     p.Topic,
		Partition: p.Partition,
		Records:   recordsToProto(p.Records, pool),
	}
}

// partitionFromProto fails, with ErrProtocol, on records whose columns do
// not fit together. The records go into into when it has room.
func partitionFromProto(req *jobpb.ProcessPartitionRequest, into []Record) (Partition, error) {
	recs, err := recordsFromProto(req.GetRecords(), into)
	return partitionWith(req, recs, err)
}

// partitionFromShared is partitionFromProto for a request whose records'
// bulk columns are in records, a lane of shared memory.
func partitionFromShared(req *jobpb.ProcessPartitionRequest, records []byte, into []Record) (Partition, error) {
	recs, err := sharedRecordsFromProto(req.GetRecords(), records, into)
	return partitionWith(req, recs, err)
}

func partitionWith(req *jobpb.ProcessPartitionRequest, recs []Record, err error) (Partition, error) {
	if err != nil {
		return Partition{}, err
	}
	return Partition{
		PartitionInfo: PartitionInfo{
			BatchTime: timeFromProto(req.GetBatchTime()),
			Topic:     req.GetTopic(),
			Partition: req.GetPartition(),
		},
		Records: recs,
	}, nil
}

// recordsToProto lays the records out column by column (jobpb.Records),
// taking the buffers of the key and value columns from pool when pool is
// not nil.
func recordsToProto(recs []Record, pool *bufferPool) *jobpb.Records {
	n := len(recs)
	pr := &jobpb.Records{Count: uint32(n), OffsetDeltas: make([]int64, n)}
	topics := newDictionary(n, func(i int) string { return recs[i].Topic })
	pr.Topics, pr.TopicIndexes = topics.values, topics.indexes
	partitions := newDictionary(n, func(i int) int32 { return recs[i].Partition })
	pr.Partitions, pr.PartitionIndexes = partitions.values, partitions.indexes
	timed, prev := false, int64(0)
	for i := range recs {
		r := &recs[i]
		// Offsets go up by one or a little more, so their differences
		// take a byte where the offsets take several.
		pr.OffsetDeltas[i] = r.Offset - prev
		prev = r.Offset
		timed = timed || !r.Timestamp.IsZero()
	}
	pr.KeyLengths, pr.Keys = nullableColumn(n, func(i int) []byte { return recs[i].Key }, pool)
	pr.ValueLengths, pr.Values = nullableColumn(n, func(i int) []byte { return recs[i].Value }, pool)
	if timed {
		pr.TimestampSecondDeltas, pr.TimestampNanos = make([]int64, n), make([]uint32, n)
		prev = 0
		for i := range recs {
			// The zero time is 0001-01-01T00:00:00Z, so a record without a
			// time needs no mark of its own.
			sec := recs[i].Timestamp.Unix()
			pr.TimestampSecondDeltas[i] = sec - prev
			prev = sec
			pr.TimestampNanos[i] = uint32(recs[i].Timestamp.Nanosecond())
		}
	}
	headersToProto(recs, pr)
	return pr
}

// headersToProto lays the records' headers out in pr's header columns,
// which it leaves empty when no record has headers.
func headersToProto(recs []Record, pr *jobpb.Records) {
	headers := 0
	for i := range recs {
		headers += len(recs[i].Headers)
	}
	if headers == 0 {
		return
	}
	pr.HeaderCounts = make([]uint32, len(recs))
	all := make([]Header, 0, headers)
	for i := range recs {
		pr.HeaderCounts[i] = uint32(len(recs[i].Headers))
		all = append(all, recs[i].Headers...)
	}
	pr.HeaderKeyLengths, pr.HeaderKeys = stringColumn(len(all), func(i int) string { return all[i].Key })
	pr.HeaderValueLengths, pr.HeaderValues = nullableColumn(len(all), func(i int) []byte { return all[i].Value }, nil)
}

// recordsFromProto undoes recordsToProto, into into when it has room.
// The records' keys, values and headers share a few allocations; each is a
// slice whose capacity ends where it does. Columns that do not fit
// together fail with ErrProtocol.
func recordsFromProto(pr *jobpb.Records, into []Record) ([]Record, error) {
	n := int(pr.GetCount())
	// Offsets have an entry per record, which bounds a count that would
	// allocate more than the message could describe.
	if len(pr.GetOffsetDeltas()) != n {
		return nil, fmt.Errorf("%w: records: %d offsets for %d records", ErrProtocol, len(pr.GetOffsetDeltas()), n)
	}
	secs, nanos := pr.GetTimestampSecondDeltas(), pr.GetTimestampNanos()
	if (len(secs) != 0 || len(nanos) != 0) && (len(secs) != n || len(nanos) != n) {
		return nil, fmt.Errorf("%w: records: %d timestamp seconds and %d nanoseconds for %d records", ErrProtocol, len(secs), len(nanos), n)
	}
	offset := int64(0)
	recs, err := newRecords(pr, n, into, func(i int) int64 {
		offset += pr.OffsetDeltas[i]
		return offset
	})
	if err != nil || n == 0 {
		return nil, err
	}
	if len(secs) != 0 {
		sec := int64(0)
		for i := range recs {
			sec += secs[i]
			recs[i].Timestamp = time.Unix(sec, int64(nanos[i])).UTC()
		}
	}
	if err := splitNullable("keys", n, pr.GetKeyLengths(), pr.GetKeys(), func(i int, b []byte) { recs[i].Key = b }); err != nil {
		return nil, err
	}
	if err := splitNullable("values", n, pr.GetValueLengths(), pr.GetValues(), func(i int, b []byte) { recs[i].Value = b }); err != nil {
		return nil, err
	}
	if err := headersFromProto(pr, recs); err != nil {
		return nil, err
	}
	return recs, nil
}

// newRecords returns n records, into into when it has room, each with
// its topic and partition from pr's columns and offset(i) as its offset,
// asked in order; nil for none.
func newRecords(pr *jobpb.Records, n int, into []Record, offset func(i int) int64) ([]Record, error) {
	topic, err := lookup("topics", n, pr.GetTopics(), pr.GetTopicIndexes())
	if err != nil {
		return nil, err
	}
	partition, err := lookup("partitions", n, pr.GetPartitions(), pr.GetPartitionIndexes())
	if err != nil || n == 0 {
		return nil, err
	}
	recs := into[:0]
	if cap(recs) < n {
		recs = make([]Record, n)
	}
	recs = recs[:n]
	for i := range recs {
		// A whole record, so that a reused slice keeps nothing of its
		// last use.
		recs[i] = Record{Topic: topic(i), Partition: partition(i), Offset: offset(i)}
	}
	return recs, nil
}

// headersFromProto gives each record its headers, all of them slices of
// one allocation.
func headersFromProto(pr *jobpb.Records, recs []Record) error {
	counts := pr.GetHeaderCounts()
	if len(counts) == 0 {
		if len(pr.GetHeaderKeyLengths()) != 0 || len(pr.GetHeaderValueLengths()) != 0 {
			return fmt.Errorf("%w: records: header columns without header counts", ErrProtocol)
		}
		return nil
	}
	if len(counts) != len(recs) {
		return fmt.Errorf("%w: records: %d header counts for %d records", ErrProtocol, len(counts), len(recs))
	}
	total := uint64(0)
	for _, c := range counts {
		total += uint64(c)
	}
	if total != uint64(len(pr.GetHeaderKeyLengths())) {
		return fmt.Errorf("%w: records: header counts add up to %d, but there are %d header keys", ErrProtocol, total, len(pr.GetHeaderKeyLengths()))
	}
	all := make([]Header, total)
	if err := splitStrings("header keys", len(all), pr.GetHeaderKeyLengths(), pr.GetHeaderKeys(), func(i int, s string) { all[i].Key = s }); err != nil {
		return err
	}
	if err := splitNullable("header values", len(all), pr.GetHeaderValueLengths(), pr.GetHeaderValues(), func(i int, b []byte) { all[i].Value = b }); err != nil {
		return err
	}
	off := 0
	for i, c := range counts {
		if c > 0 {
			end := off + int(c)
			recs[i].Headers = all[off:end:end]
			off = end
		}
	}
	return nil
}

// outputsToProto lays the outputs out column by column (jobpb.Outputs),
// taking the buffers of the key and value columns from pool when pool is
// not nil; nil when there are no outputs.
func outputsToProto(outs []Output, pool *bufferPool) *jobpb.Outputs {
	n := len(outs)
	if n == 0 {
		return nil
	}
	po := &jobpb.Outputs{Count: uint32(n)}
	po.KeyLengths, po.Keys = nullableColumn(n, func(i int) []byte { return outs[i].Key }, pool)
	po.ValueLengths, po.Values = nullableColumn(n, func(i int) []byte { return outs[i].Value }, pool)
	if po.ValueLengths == nil {
		po.ValueLengths = make([]uint64, n) // every value nil
	}
	destinationsToProto(outs, po)
	return po
}

// destinationsToProto lays the outputs' destinations out in po's
// destination columns.
func destinationsToProto(outs []Output, po *jobpb.Outputs) {
	dests := newDictionary(len(outs), func(i int) string { return outs[i].Destination })
	po.DestinationIndexes = dests.indexes
	if len(dests.values) > 0 {
		po.Destinations = make([][]byte, len(dests.values))
		for i, d := range dests.values {
			po.Destinations[i] = []byte(d)
		}
	}
}

// destinationsFromProto returns the destination of each of n outputs, or
// nil when every output goes to the sink's default.
func destinationsFromProto(po *jobpb.Outputs, n int) (func(i int) string, error) {
	if len(po.GetDestinations()) == 0 && len(po.GetDestinationIndexes()) == 0 {
		return nil, nil
	}
	dests := make([]string, len(po.GetDestinations()))
	for i, d := range po.GetDestinations() {
		dests[i] = string(d)
	}
	return lookup("destinations", n, dests, po.GetDestinationIndexes())
}

// outputsFromProto undoes outputsToProto. The outputs' keys and values
// share a few allocations. Columns that do not fit together fail with
// ErrProtocol.
func outputsFromProto(po *jobpb.Outputs) ([]Output, error) {
	n := int(po.GetCount())
	if n == 0 {
		if len(po.GetKeyLengths()) != 0 || len(po.GetValueLengths()) != 0 || len(po.GetDestinationIndexes()) != 0 || len(po.GetDestinations()) != 0 {
			return nil, fmt.Errorf("%w: outputs: columns for a count of 0", ErrProtocol)
		}
		return nil, nil
	}
	// Value lengths have an entry per output, which bounds a count that
	// would allocate more than the message could describe.
	if len(po.GetValueLengths()) != n {
		return nil, fmt.Errorf("%w: outputs: %d value lengths for %d outputs", ErrProtocol, len(po.GetValueLengths()), n)
	}
	dest, err := destinationsFromProto(po, n)
	if err != nil {
		return nil, err
	}
	outs := make([]Output, n)
	if err := splitNullable("keys", n, po.GetKeyLengths(), po.GetKeys(), func(i int, b []byte) { outs[i].Key = b }); err != nil {
		return nil, err
	}
	if err := splitNullable("values", n, po.GetValueLengths(), po.GetValues(), func(i int, b []byte) { outs[i].Value = b }); err != nil {
		return nil, err
	}
	if dest != nil {
		for i := range outs {
			outs[i].Destination = dest(i)
		}
	}
	return outs, nil
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
	StageConfigure:    jobpb.Stage_STAGE_CONFIGURE,
	StageParse:        jobpb.Stage_STAGE_PARSE,
	StageEnrich:       jobpb.Stage_STAGE_ENRICH,
	StageEmit:         jobpb.Stage_STAGE_EMIT,
	StageAggregate:    jobpb.Stage_STAGE_AGGREGATE,
	StageReduce:       jobpb.Stage_STAGE_REDUCE,
	StageUpdateState:  jobpb.Stage_STAGE_UPDATE_STATE,
	StageKey:          jobpb.Stage_STAGE_KEY,
	StageInverse:      jobpb.Stage_STAGE_INVERSE,
	StageMapWithState: jobpb.Stage_STAGE_MAP_WITH_STATE,
	StageEmitKeyed:    jobpb.Stage_STAGE_EMIT_KEYED,
	StageTable:        jobpb.Stage_STAGE_TABLE,
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
	return &jobpb.Capabilities{Enrich: c.Enrich, Aggregate: c.Aggregate, UpdateState: c.UpdateState, Receivers: receiverInfosToProto(c.Receivers)}
}

func capabilitiesFromProto(p *jobpb.Capabilities) Capabilities {
	return Capabilities{Enrich: p.GetEnrich(), Aggregate: p.GetAggregate(), UpdateState: p.GetUpdateState(), Receivers: receiverInfosFromProto(p.GetReceivers())}
}
