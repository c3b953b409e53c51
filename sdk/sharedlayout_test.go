package sdk

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/api/jobpb"
	"google.golang.org/protobuf/proto"
)

// sharedRoundTrip sends records through a lane: their bulk columns laid
// out in shared memory, the rest through the wire.
func sharedRoundTrip(t testing.TB, recs []Record) []Record {
	t.Helper()
	buf := make([]byte, 1<<20)
	n, ok := putSharedRecords(buf, recs)
	if !ok {
		t.Fatalf("%d records do not fit in %d bytes", len(recs), len(buf))
	}
	got, err := sharedRecordsFromProto(wire(t, sharedRecordsToProto(recs), &jobpb.Records{}), buf[:n], nil)
	if err != nil {
		t.Fatalf("records from the lane: %v", err)
	}
	return got
}

// outputsRoundTrip sends outputs through the wire as a response's columns.
func outputsRoundTrip(t testing.TB, outs []Output) []Output {
	t.Helper()
	got, err := outputsFromProto(wire(t, &jobpb.ProcessPartitionResponse{Outputs: outputsToProto(outs, nil)}, &jobpb.ProcessPartitionResponse{}).GetOutputs())
	if err != nil {
		t.Fatalf("outputs from the wire: %v", err)
	}
	return got
}

// sharedOutputsRoundTrip sends outputs back through a lane.
func sharedOutputsRoundTrip(t testing.TB, outs []Output) []Output {
	t.Helper()
	buf := make([]byte, 1<<20)
	n, ok := putSharedOutputs(buf, outs)
	if !ok {
		t.Fatalf("%d outputs do not fit in %d bytes", len(outs), len(buf))
	}
	got, err := sharedOutputsFromProto(wire(t, sharedOutputsToProto(outs), &jobpb.Outputs{}), buf[:n])
	if err != nil {
		t.Fatalf("outputs from the lane: %v", err)
	}
	return got
}

// TestLaneFieldsDoNotOverlap: a job that appends to a record's key or
// value in a lane must not overwrite the next record's.
func TestLaneFieldsDoNotOverlap(t *testing.T) {
	got := sharedRoundTrip(t, []Record{{Key: []byte("k1"), Value: []byte("v1")}, {Key: []byte("k2"), Value: []byte("v2")}})
	_ = append(got[0].Key, '!')
	_ = append(got[0].Value, '!')
	if string(got[1].Key) != "k2" || string(got[1].Value) != "v2" {
		t.Errorf("appending to record 0 changed record 1: %#v", got[1])
	}
}

// TestPutSharedRefusesWhatDoesNotFit: columns larger than the lane are
// not written, so that the call goes over the connection instead.
func TestPutSharedRefusesWhatDoesNotFit(t *testing.T) {
	recs := []Record{{Value: make([]byte, 100)}}
	if _, ok := putSharedRecords(make([]byte, 120), recs); ok {
		t.Error("100 bytes of records fitted in a lane of 120 with their columns")
	}
	if _, ok := putSharedOutputs(make([]byte, 120), []Output{{Value: make([]byte, 100)}}); ok {
		t.Error("100 bytes of outputs fitted in a lane of 120 with their columns")
	}
}

func TestSharedColumnsRefuseWhatDoesNotFitTogether(t *testing.T) {
	recs := []Record{{Key: []byte("k"), Value: []byte("value")}, {Value: []byte("v2")}}
	good := make([]byte, 4096)
	n, _ := putSharedRecords(good, recs)
	good = good[:n]
	pr := sharedRecordsToProto(recs)
	c := layout(2, sharedKeyed, 1, 7, true)
	if c.end != n {
		t.Fatalf("layout of %d bytes, put wrote %d", c.end, n)
	}
	corrupt := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	for _, tc := range []struct {
		name string
		pr   *jobpb.Records
		src  []byte
		want string
	}{
		{"short", pr, good[:10], "shorter than their header"},
		{"magic", pr, corrupt(func(b []byte) []byte { b[0] ^= 1; return b }), "start with"},
		{"count", &jobpb.Records{Count: 3}, good, "hold 2 entries, the message says 3"},
		{"flags", pr, corrupt(func(b []byte) []byte { b[8] |= 0x80; return b }), "unknown flags"},
		{"truncated", pr, good[:len(good)-1], "but " + strconv.Itoa(len(good)-1) + " were given"},
		{"value runs past", pr, corrupt(func(b []byte) []byte { le.PutUint32(b[c.valueLens:], 200); return b }), "runs past"},
		{"huge count", &jobpb.Records{Count: 1 << 30}, corrupt(func(b []byte) []byte { le.PutUint32(b[4:], 1<<30); return b }), "cannot hold"},
		{"bulk columns in the message too", &jobpb.Records{Count: 2, OffsetDeltas: []int64{1, 1}}, good, "also carry bulk columns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sharedRecordsFromProto(tc.pr, tc.src, nil)
			if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrProtocol with %q", err, tc.want)
			}
		})
	}
}

// FuzzSharedRecords: whatever a lane and its message hold, the plugin
// translates it without panicking or reading outside the lane, or refuses
// it as a protocol error; what it accepts goes through a lane again
// unchanged.
func FuzzSharedRecords(f *testing.F) {
	seed := partition("a b", "", "c")
	seed.Records[1].Key = nil
	buf := make([]byte, 4096)
	n, _ := putSharedRecords(buf, seed.Records)
	raw, err := proto.Marshal(sharedRecordsToProto(seed.Records))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw, buf[:n])
	f.Add([]byte{0x08, 0x01}, []byte("SPR1\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, raw, lane []byte) {
		var pr jobpb.Records
		if proto.Unmarshal(raw, &pr) != nil {
			return
		}
		// The lane is cut from larger memory, as in an executor: a field
		// that ran past it would reach the canary.
		mem := append(append([]byte(nil), lane...), "canary"...)
		recs, err := sharedRecordsFromProto(&pr, mem[:len(lane):len(lane)], nil)
		if err != nil {
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("err = %v, want ErrProtocol", err)
			}
			return
		}
		if len(recs) != int(pr.GetCount()) {
			t.Fatalf("%d records for a count of %d", len(recs), pr.GetCount())
		}
		for i := range recs {
			if strings.Contains(string(recs[i].Value), "canary") || strings.Contains(string(recs[i].Key), "canary") {
				t.Fatalf("record %d reaches past the lane", i)
			}
		}
		again := sharedRoundTrip(t, recs)
		for i := range recs {
			if !recordsEqual(again[i], recs[i]) {
				t.Fatalf("record %d changed through a lane:\n%#v\n%#v", i, recs[i], again[i])
			}
		}
	})
}

// FuzzSharedOutputs: whatever a plugin writes in its lane and message, the
// host takes the outputs or refuses them as a protocol error, without
// panicking.
func FuzzSharedOutputs(f *testing.F) {
	outs := []Output{{Key: []byte("k"), Value: []byte("v"), Destination: "d"}, {Value: []byte("w")}}
	buf := make([]byte, 4096)
	n, _ := putSharedOutputs(buf, outs)
	raw, err := proto.Marshal(sharedOutputsToProto(outs))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw, buf[:n])
	f.Add([]byte{0x08, 0x00}, []byte("SPO1\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, raw, region []byte) {
		var po jobpb.Outputs
		if proto.Unmarshal(raw, &po) != nil {
			return
		}
		got, err := sharedOutputsFromProto(&po, region)
		if err != nil {
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("err = %v, want ErrProtocol", err)
			}
			return
		}
		if len(got) != int(po.GetCount()) {
			t.Fatalf("%d outputs for a count of %d", len(got), po.GetCount())
		}
	})
}
