package sdk

import (
	"bytes"
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

func TestRecordRoundTrip(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := recordFromProto(wire(t, recordToProto(&tc.rec), &jobpb.Record{}))
			if !recordsEqual(got, tc.rec) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, tc.rec)
			}
			if !tc.rec.Timestamp.IsZero() && got.Timestamp.Location() != time.UTC {
				t.Errorf("timestamp location %v, want UTC", got.Timestamp.Location())
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
	got := partitionFromProto(wire(t, partitionToProto(&p), &jobpb.ProcessPartitionRequest{}))
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
	f.Fuzz(func(t *testing.T, topic string, partition int32, offset int64, key []byte, keyNil bool, value []byte, valueNil bool,
		sec int64, nsec uint32, hkey string, hval []byte, hvalNil bool, nHeaders uint8, raw []byte) {
		rec := Record{Topic: topic, Partition: partition, Offset: offset, Key: orNil(key, keyNil), Value: orNil(value, valueNil),
			Timestamp: time.Unix(sec, int64(nsec%1_000_000_000))}
		for i := range int(nHeaders % 4) {
			rec.Headers = append(rec.Headers, Header{Key: hkey + string(rune('a'+i)), Value: orNil(hval, hvalNil)})
		}

		// Go → proto → wire → proto → Go gives the record back, or, for a
		// topic that is not UTF-8 (Kafka forbids it), a descriptive error.
		b, err := proto.Marshal(recordToProto(&rec))
		if !utf8.ValidString(topic) {
			if err == nil || !strings.Contains(err.Error(), "UTF-8") {
				t.Fatalf("topic %q: marshal error %v, want one about UTF-8", topic, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("marshal %#v: %v", rec, err)
		}
		var pr jobpb.Record
		if err := proto.Unmarshal(b, &pr); err != nil {
			t.Fatalf("unmarshal: %v", err)
		}
		if got := recordFromProto(&pr); !recordsEqual(got, rec) {
			t.Fatalf("round trip:\n got %#v\nwant %#v", got, rec)
		}

		// Whatever a peer sends that decodes is translated without
		// panicking, and translating it again changes nothing.
		var req jobpb.ProcessPartitionRequest
		if proto.Unmarshal(raw, &req) != nil {
			return
		}
		p := partitionFromProto(&req)
		b2, err := proto.Marshal(partitionToProto(&p))
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
		p2 := partitionFromProto(&req2)
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
