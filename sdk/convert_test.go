package sdk

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/spindlehq/spindle/api/jobpb"
	"google.golang.org/protobuf/proto"
)

// recordsEqual compares records as the protocol preserves them: times by
// instant, nil apart from empty for keys, values and header values, and an
// empty header list equal to none.
func recordsEqual(a, b Record) bool {
	if a.Topic != b.Topic || a.Partition != b.Partition || a.Offset != b.Offset ||
		!bytesSame(a.Key, b.Key) || !bytesSame(a.Value, b.Value) || !a.Timestamp.Equal(b.Timestamp) ||
		len(a.Headers) != len(b.Headers) {
		return false
	}
	for i := range a.Headers {
		if a.Headers[i].Key != b.Headers[i].Key || !bytesSame(a.Headers[i].Value, b.Headers[i].Value) {
			return false
		}
	}
	return true
}

// bytesSame is bytes.Equal that also tells nil from empty.
func bytesSame(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}

// wire sends a message through its encoding, as gRPC does.
func wire[M proto.Message](t testing.TB, m M, into M) M {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatalf("marshal %T: %v", m, err)
	}
	if err := proto.Unmarshal(b, into); err != nil {
		t.Fatalf("unmarshal %T: %v", m, err)
	}
	return into
}

// roundTrip sends records through the wire as a partition's columns.
func roundTrip(t testing.TB, recs []Record) []Record {
	t.Helper()
	got, err := recordsFromProto(wire(t, recordsToProto(recs, nil), &jobpb.Records{}), nil)
	if err != nil {
		t.Fatalf("records from the wire: %v", err)
	}
	return got
}

func TestRecordRoundTrip(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	cases := []struct {
		name string
		rec  Record
	}{
		{"zero", Record{}},
		{"full", Record{Topic: "orders", Partition: 7, Offset: 1 << 40, Key: []byte("k"), Value: []byte(`{"id":1}`),
			Timestamp: time.Date(2025, 3, 1, 12, 0, 0, 123456789, paris),
			Headers:   []Header{{Key: "a", Value: []byte("1")}, {Key: "a", Value: []byte("2")}, {Key: "nil"}, {Key: "empty", Value: []byte{}}}}},
		{"empty key and value are not nil", Record{Key: []byte{}, Value: []byte{}}},
		{"tombstone", Record{Key: []byte("k")}},
		{"before 1970", Record{Timestamp: time.Date(1969, 7, 20, 20, 17, 0, 1, time.UTC)}},
		{"binary header key", Record{Headers: []Header{{Key: "\xff\x00", Value: []byte{0}}}}},
		{"empty header key and value", Record{Headers: []Header{{Key: "", Value: []byte{}}}}},
		{"negative partition and offset", Record{Topic: "t", Partition: -1, Offset: -2}},
		{"extreme offset and time", Record{Offset: math.MaxInt64, Timestamp: time.Unix(math.MaxInt64/2, 999999999)}},
		{"least offset", Record{Offset: math.MinInt64, Timestamp: time.Unix(math.MinInt64/2, 0)}},
	}
	check := func(t *testing.T, got, want Record) {
		t.Helper()
		if !recordsEqual(got, want) {
			t.Errorf("round trip:\n got %#v\nwant %#v", got, want)
		}
		if !want.Timestamp.IsZero() && got.Timestamp.Location() != time.UTC {
			t.Errorf("timestamp location %v, want UTC", got.Timestamp.Location())
		}
		if want.Timestamp.IsZero() && !got.Timestamp.IsZero() {
			t.Errorf("a record without a time came back with %v", got.Timestamp)
		}
	}
	// Records travel in the message's columns, or in a lane of shared
	// memory with their small columns in the message.
	for path, trip := range map[string]func(testing.TB, []Record) []Record{"message": roundTrip, "lane": sharedRoundTrip} {
		var all []Record
		for _, tc := range cases {
			all = append(all, tc.rec)
			t.Run(path+"/"+tc.name, func(t *testing.T) {
				got := trip(t, []Record{tc.rec})
				if len(got) != 1 {
					t.Fatalf("%d records came back, want 1", len(got))
				}
				check(t, got[0], tc.rec)
			})
		}
		// Together, the records share columns: each must still get its own
		// fields back, and the absent ones as absent.
		t.Run(path+"/all in one partition", func(t *testing.T) {
			got := trip(t, all)
			if len(got) != len(all) {
				t.Fatalf("%d records came back, want %d", len(got), len(all))
			}
			for i := range all {
				check(t, got[i], all[i])
			}
		})
	}
}

// TestRecordFieldsDoNotOverlap: fields cut from one column must not let a
// job that appends to one overwrite the next.
func TestRecordFieldsDoNotOverlap(t *testing.T) {
	got := roundTrip(t, []Record{
		{Key: []byte("k1"), Value: []byte("v1"), Headers: []Header{{Key: "h", Value: []byte("x")}}},
		{Key: []byte("k2"), Value: []byte("v2"), Headers: []Header{{Key: "h", Value: []byte("y")}}},
	})
	_ = append(got[0].Key, '!')
	_ = append(got[0].Value, '!')
	_ = append(got[0].Headers, Header{Key: "extra"})
	_ = append(got[0].Headers[0].Value, '!')
	if string(got[1].Key) != "k2" || string(got[1].Value) != "v2" || got[1].Headers[0].Key != "h" || string(got[1].Headers[0].Value) != "y" {
		t.Errorf("appending to record 0 changed record 1: %#v", got[1])
	}
}

// TestReusedRecordsKeepNothing: records decoded into a slice that held
// others keep nothing of them.
func TestReusedRecordsKeepNothing(t *testing.T) {
	old := roundTrip(t, []Record{
		{Topic: "a", Key: []byte("k"), Value: []byte("v"), Timestamp: time.Unix(5, 0), Headers: []Header{{Key: "h"}}},
		{Topic: "a", Key: []byte("k2"), Value: []byte("v2"), Timestamp: time.Unix(6, 0)},
	})
	want := []Record{{Topic: "b", Offset: 7}}
	got, err := recordsFromProto(wire(t, recordsToProto(want, nil), &jobpb.Records{}), old)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || &got[0] != &old[0] {
		t.Fatalf("got %d records, reused %v; want 1 in the given slice", len(got), len(got) == 1 && &got[0] == &old[0])
	}
	if !recordsEqual(got[0], want[0]) || got[0].Key != nil || got[0].Value != nil || got[0].Headers != nil || !got[0].Timestamp.IsZero() {
		t.Errorf("reused record = %#v, want %#v", got[0], want[0])
	}
}

func TestOutputsRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		outs []Output
	}{
		{"none", nil},
		{"values only", []Output{{Value: []byte("a")}, {Value: []byte("bc")}}},
		{"nothing at all", []Output{{}, {}}},
		{"nil apart from empty", []Output{{Key: []byte{}, Value: []byte{}}, {Key: nil, Value: nil}, {Key: []byte("k")}}},
		{"one destination", []Output{{Value: []byte("a"), Destination: "t1"}, {Value: []byte("b"), Destination: "t1"}}},
		{"several destinations", []Output{{Value: []byte("a"), Destination: "t1"}, {Destination: ""}, {Value: []byte("c"), Destination: "t2"}, {Destination: "t1"}}},
		{"binary key and destination", []Output{{Key: []byte{0xff, 0}, Value: []byte{0}, Destination: "\xfe"}}},
	} {
		for path, trip := range map[string]func(testing.TB, []Output) []Output{"message": outputsRoundTrip, "lane": sharedOutputsRoundTrip} {
			t.Run(path+"/"+tc.name, func(t *testing.T) {
				got := trip(t, tc.outs)
				if len(got) != len(tc.outs) {
					t.Fatalf("%d outputs came back, want %d", len(got), len(tc.outs))
				}
				for i, want := range tc.outs {
					if !bytesSame(got[i].Key, want.Key) || !bytesSame(got[i].Value, want.Value) || got[i].Destination != want.Destination {
						t.Errorf("output %d = %#v, want %#v", i, got[i], want)
					}
				}
			})
		}
	}
}

// TestMalformedColumnsFail: columns that do not fit together are a
// protocol error that says what is wrong, never a panic or a silently
// shortened partition.
func TestMalformedColumnsFail(t *testing.T) {
	good := func() *jobpb.Records {
		return recordsToProto([]Record{
			{Topic: "a", Key: []byte("k"), Value: []byte("v"), Timestamp: time.Unix(1, 0), Headers: []Header{{Key: "h", Value: []byte("x")}}},
			{Topic: "b", Value: []byte("w")},
		}, nil)
	}
	for _, tc := range []struct {
		name   string
		mangle func(*jobpb.Records)
		want   string
	}{
		{"count beyond the columns", func(r *jobpb.Records) { r.Count = 1 << 31 }, "for 2147483648 records"},
		{"offsets missing", func(r *jobpb.Records) { r.OffsetDeltas = r.OffsetDeltas[:1] }, "1 offsets for 2 records"},
		{"partition index out of range", func(r *jobpb.Records) { r.Partitions, r.PartitionIndexes = []int32{1, 2}, []uint32{0, 2} }, "column partitions: field 1 has index 2"},
		{"topic index out of range", func(r *jobpb.Records) { r.TopicIndexes[1] = 5 }, "column topics: field 1 has index 5"},
		{"value runs past the column", func(r *jobpb.Records) { r.ValueLengths[1] = 10 }, "column values: field 1 of 9 bytes runs past"},
		{"bytes beyond the values", func(r *jobpb.Records) { r.Values = append(r.Values, 'x') }, "column values has 1 bytes beyond its fields"},
		{"keys without lengths", func(r *jobpb.Records) { r.KeyLengths = nil }, "column keys has 1 bytes but no lengths"},
		{"too few key lengths", func(r *jobpb.Records) { r.KeyLengths = r.KeyLengths[:1] }, "column keys has 1 lengths for 2 fields"},
		{"timestamps missing", func(r *jobpb.Records) { r.TimestampNanos = nil }, "2 timestamp seconds and 0 nanoseconds"},
		{"header counts off", func(r *jobpb.Records) { r.HeaderCounts[1] = 3 }, "header counts add up to 4, but there are 1 header keys"},
		{"header keys without counts", func(r *jobpb.Records) { r.HeaderCounts = nil }, "header columns without header counts"},
		{"header key runs past the column", func(r *jobpb.Records) { r.HeaderKeyLengths[0] = 2 }, "column header keys: field 0 of 2 bytes runs past"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := good()
			tc.mangle(r)
			_, err := recordsFromProto(wire(t, r, &jobpb.Records{}), nil)
			if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("recordsFromProto = %v, want ErrProtocol saying %q", err, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name string
		outs *jobpb.Outputs
		want string
	}{
		{"count beyond the columns", &jobpb.Outputs{Count: 1 << 31, ValueLengths: []uint64{0}}, "1 value lengths for 2147483648 outputs"},
		{"columns for no outputs", &jobpb.Outputs{KeyLengths: []uint64{1}}, "columns for a count of 0"},
		{"destination index out of range", &jobpb.Outputs{Count: 1, ValueLengths: []uint64{0}, Destinations: [][]byte{[]byte("d")}, DestinationIndexes: []uint32{1}}, "column destinations: field 0 has index 1, but there are 1 values"},
		{"value runs past the column", &jobpb.Outputs{Count: 1, ValueLengths: []uint64{3}, Values: []byte("a")}, "column values: field 0 of 2 bytes runs past"},
	} {
		t.Run("outputs "+tc.name, func(t *testing.T) {
			_, err := outputsFromProto(tc.outs)
			if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("outputsFromProto = %v, want ErrProtocol saying %q", err, tc.want)
			}
		})
	}
}

func TestRecordHeader(t *testing.T) {
	r := Record{Headers: []Header{{Key: "a", Value: []byte("1")}, {Key: "b"}, {Key: "a", Value: []byte("2")}}}
	if v, ok := r.Header("a"); !ok || string(v) != "2" {
		t.Errorf("Header(a) = %q, %v; want the last one, 2", v, ok)
	}
	if v, ok := r.Header("b"); !ok || v != nil {
		t.Errorf("Header(b) = %q, %v; want nil, true", v, ok)
	}
	if _, ok := r.Header("c"); ok {
		t.Error("Header(c) found a header that is not there")
	}
}

func TestPartitionRoundTrip(t *testing.T) {
	p := partition("a", "", "c")
	p.Records[1].Value = nil
	got, err := partitionFromProto(wire(t, partitionToProto(&p, nil), &jobpb.ProcessPartitionRequest{}), nil)
	if err != nil {
		t.Fatalf("partition from the wire: %v", err)
	}
	if got.PartitionInfo != p.PartitionInfo || len(got.Records) != len(p.Records) {
		t.Fatalf("partition = %+v, want %+v", got.PartitionInfo, p.PartitionInfo)
	}
	for i := range p.Records {
		if !recordsEqual(got.Records[i], p.Records[i]) {
			t.Errorf("record %d = %#v, want %#v", i, got.Records[i], p.Records[i])
		}
	}
}

func TestStageRoundTrip(t *testing.T) {
	for s := range stageToProtoMap {
		if got := stageFromProto(stageToProto(s)); got != s {
			t.Errorf("stage %s came back %s", s, got)
		}
	}
	if got := stageFromProto(jobpb.Stage(99)); got != "unknown" {
		t.Errorf("unknown stage = %q", got)
	}
}

func TestStateOutputsKeepEmptyStates(t *testing.T) {
	in := []StateOutput{{Key: "a", State: nil, Keep: true}, {Key: "b", State: []byte("x"), Keep: false}, {Key: "c", State: []byte{}, Keep: true}}
	resp := wire(t, &jobpb.UpdateStateResponse{States: stateOutputsToProto(in)}, &jobpb.UpdateStateResponse{})
	got := stateOutputsFromProto(resp.GetStates())
	want := []StateOutput{{Key: "a", State: []byte{}, Keep: true}, {Key: "b", Keep: false}, {Key: "c", State: []byte{}, Keep: true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("states = %#v, want %#v", got, want)
	}
}

func FuzzRecordRoundTrip(f *testing.F) {
	f.Add("orders", int32(3), int64(42), []byte("k"), false, []byte(`{"id":1}`), false, int64(1740830400), uint32(5), "h", []byte("v"), false, uint8(2), []byte(nil))
	f.Add("", int32(0), int64(0), []byte(nil), true, []byte(nil), true, int64(-62135596800), uint32(0), "", []byte(nil), true, uint8(0), []byte{0x0a, 0x02, 'a', 'b'})
	f.Add("t\xff", int32(-1), int64(-1), []byte{}, false, []byte{}, false, int64(-1), uint32(999999999), "\xfe", []byte{}, false, uint8(1), []byte{0x22, 0x03, 0x0a, 0x01, 0xff})
	// A well-formed request, for the fuzzer to mutate column by column.
	seed := partition("a b", "", "c")
	seed.Records[1].Key, seed.Records[2].Headers = nil, nil
	raw, err := proto.Marshal(partitionToProto(&seed, nil))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("in", int32(3), int64(100), []byte("k0"), false, []byte("a b"), false, int64(1740830400), uint32(0), "trace", []byte{0}, false, uint8(1), raw)
	f.Fuzz(func(t *testing.T, topic string, partition int32, offset int64, key []byte, keyNil bool, value []byte, valueNil bool,
		sec int64, nsec uint32, hkey string, hval []byte, hvalNil bool, nHeaders uint8, raw []byte) {
		rec := Record{Topic: topic, Partition: partition, Offset: offset, Key: orNil(key, keyNil), Value: orNil(value, valueNil),
			Timestamp: time.Unix(sec, int64(nsec%1_000_000_000))}
		for i := range int(nHeaders % 4) {
			rec.Headers = append(rec.Headers, Header{Key: hkey + string(rune('a'+i)), Value: orNil(hval, hvalNil)})
		}

		// Go → proto → wire → proto → Go gives the record back, alone and
		// among others that share its columns, or, for a topic that is not
		// UTF-8 (Kafka forbids it), a descriptive error; so does the way
		// through a lane.
		for _, recs := range [][]Record{{rec}, {{}, rec, rec}} {
			if utf8.ValidString(topic) {
				got := sharedRoundTrip(t, recs)
				for i := range recs {
					if !recordsEqual(got[i], recs[i]) {
						t.Fatalf("round trip of record %d through a lane:\n got %#v\nwant %#v", i, got[i], recs[i])
					}
				}
			}
			b, err := proto.Marshal(recordsToProto(recs, nil))
			if !utf8.ValidString(topic) {
				if err == nil || !strings.Contains(err.Error(), "UTF-8") {
					t.Fatalf("topic %q: marshal error %v, want one about UTF-8", topic, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("marshal %#v: %v", rec, err)
			}
			var pr jobpb.Records
			if err := proto.Unmarshal(b, &pr); err != nil {
				t.Fatalf("unmarshal: %v", err)
			}
			got, err := recordsFromProto(&pr, nil)
			if err != nil {
				t.Fatalf("records from the wire: %v", err)
			}
			if len(got) != len(recs) {
				t.Fatalf("%d records came back, want %d", len(got), len(recs))
			}
			for i := range recs {
				if !recordsEqual(got[i], recs[i]) {
					t.Fatalf("round trip of record %d:\n got %#v\nwant %#v", i, got[i], recs[i])
				}
			}
		}

		// Whatever a peer sends that decodes is translated without
		// panicking, or refused as a protocol error, and translating it
		// again changes nothing.
		var req jobpb.ProcessPartitionRequest
		if proto.Unmarshal(raw, &req) != nil {
			return
		}
		p, err := partitionFromProto(&req, nil)
		if err != nil {
			if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), "records") && !strings.Contains(err.Error(), "column") {
				t.Fatalf("partition from the wire: %v, want ErrProtocol naming the column", err)
			}
			return
		}
		b2, err := proto.Marshal(partitionToProto(&p, nil))
		if err != nil {
			if !strings.Contains(err.Error(), "UTF-8") {
				t.Fatalf("re-marshal: %v", err)
			}
			return
		}
		var req2 jobpb.ProcessPartitionRequest
		if err := proto.Unmarshal(b2, &req2); err != nil {
			t.Fatalf("re-unmarshal: %v", err)
		}
		p2, err := partitionFromProto(&req2, nil)
		if err != nil {
			t.Fatalf("re-translate: %v", err)
		}
		if !p2.BatchTime.Equal(p.BatchTime) || p2.Topic != p.Topic || p2.Partition != p.Partition || len(p2.Records) != len(p.Records) {
			t.Fatalf("partition changed: %+v → %+v", p.PartitionInfo, p2.PartitionInfo)
		}
		for i := range p.Records {
			if !recordsEqual(p2.Records[i], p.Records[i]) {
				t.Fatalf("record %d changed:\n%#v\n%#v", i, p.Records[i], p2.Records[i])
			}
		}
	})
}

func orNil(b []byte, isNil bool) []byte {
	if isNil {
		return nil
	}
	if b == nil {
		return []byte{}
	}
	return b
}
