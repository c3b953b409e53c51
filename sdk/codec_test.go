package sdk

import (
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/api/jobpb"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// codecMessages are messages for the codec's tests: the two it encodes
// itself, with and without columns and with columns from the pool, and
// one it hands to gRPC's codec.
func codecMessages() map[string]proto.Message {
	p := partition("a b", "", "c")
	p.Records[1].Key = nil
	outs := []Output{{Key: []byte("k"), Value: []byte("v"), Destination: "d"}, {Value: []byte{}}, {}}
	return map[string]proto.Message{
		"request":                  partitionToProto(&p, nil),
		"request without records":  &jobpb.ProcessPartitionRequest{Topic: "t", BatchTime: timeToProto(time.Unix(5, 0))},
		"request of tombstones":    partitionToProto(&Partition{Records: []Record{{Offset: 1}, {Offset: 2}}}, nil),
		"response":                 &jobpb.ProcessPartitionResponse{Outputs: outputsToProto(outs, nil), Rejected: []*jobpb.Rejected{{RecordIndex: 1, Reason: "r"}}, Metrics: &jobpb.Metrics{RecordsIn: 3}},
		"response without outputs": &jobpb.ProcessPartitionResponse{Error: &jobpb.StageError{Message: "m"}},
		"other message":            &jobpb.ConfigureRequest{Conf: map[string]string{"a": "b"}, Args: [][]byte{[]byte("x")}},
		"pooled request":           &pooledRequest{partitionToProto(&p, &columnBuffers)},
		"pooled response":          &pooledResponse{&jobpb.ProcessPartitionResponse{Outputs: outputsToProto(outs, &columnBuffers)}},
	}
}

// TestCodecSpeaksProtobuf: what the codec writes, protobuf reads as the
// same message, and the other way round, so that the codec changes only
// the cost of a call, never its meaning.
func TestCodecSpeaksProtobuf(t *testing.T) {
	for name, m := range codecMessages() {
		t.Run(name, func(t *testing.T) {
			before := proto.Clone(m)
			data, err := codec{}.Marshal(m)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if !proto.Equal(m, before) {
				t.Fatalf("Marshal changed the message:\n got %v\nwant %v", m, before)
			}
			got := m.ProtoReflect().New().Interface()
			if err := proto.Unmarshal(data.Materialize(), got); err != nil {
				t.Fatalf("protobuf cannot read the codec's encoding: %v", err)
			}
			if !proto.Equal(got, m) {
				t.Errorf("protobuf read back\n%v\nwant\n%v", got, m)
			}

			got = m.ProtoReflect().New().Interface()
			if err := (codec{}).Unmarshal(data, got); err != nil {
				t.Fatalf("the codec cannot read its own encoding: %v", err)
			}
			if !proto.Equal(got, m) {
				t.Errorf("the codec read its own encoding back as\n%v\nwant\n%v", got, m)
			}

			wire, err := proto.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			got = m.ProtoReflect().New().Interface()
			if err := (codec{}).Unmarshal(mem.BufferSlice{mem.SliceBuffer(wire)}, got); err != nil {
				t.Fatalf("the codec cannot read protobuf's encoding: %v", err)
			}
			if !proto.Equal(got, m) {
				t.Errorf("the codec read back\n%v\nwant\n%v", got, m)
			}
		})
	}
}

// TestCodecOwnsWhatItDecodes: gRPC reuses the buffers it hands Unmarshal,
// so the decoded message must not share them.
func TestCodecOwnsWhatItDecodes(t *testing.T) {
	p := partition("value one", "value two")
	wire, err := proto.Marshal(partitionToProto(&p, nil))
	if err != nil {
		t.Fatal(err)
	}
	half := len(wire) / 2
	in := mem.BufferSlice{mem.SliceBuffer(wire[:half]), mem.SliceBuffer(wire[half:])}
	var req jobpb.ProcessPartitionRequest
	if err := (codec{}).Unmarshal(in, &req); err != nil {
		t.Fatal(err)
	}
	clear(wire)
	got, err := partitionFromProto(&req, nil)
	if err != nil {
		t.Fatalf("after the transport's buffers were reused: %v", err)
	}
	if len(got.Records) != 2 || string(got.Records[0].Value) != "value one" || string(got.Records[1].Value) != "value two" {
		t.Errorf("records changed with the transport's buffers: %+v", got.Records)
	}
}

func TestCodecRejectsGarbage(t *testing.T) {
	var req jobpb.ProcessPartitionRequest
	err := codec{}.Unmarshal(mem.BufferSlice{mem.SliceBuffer([]byte{0x22, 0x10, 0x01})}, &req)
	if err == nil {
		t.Fatal("a truncated message decoded")
	}
}

// TestCodecKeepsProtobufMeaning: a column that occurs more than once, or
// a field that looks like a column but has another wire type, decode as
// protobuf decodes them.
func TestCodecKeepsProtobufMeaning(t *testing.T) {
	records := func(fields ...[]byte) []byte {
		var inner []byte
		for _, f := range fields {
			inner = append(inner, f...)
		}
		b := protowire.AppendTag(nil, recordsField, protowire.BytesType)
		return protowire.AppendBytes(b, inner)
	}
	bytesField := func(num protowire.Number, v string) []byte {
		return protowire.AppendString(protowire.AppendTag(nil, num, protowire.BytesType), v)
	}
	varintField := func(num protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
	}
	for name, wire := range map[string][]byte{
		"values twice in one occurrence":    records(bytesField(recordValuesField, "first"), bytesField(recordValuesField, "second")),
		"values in two occurrences":         append(records(bytesField(recordValuesField, "first"), bytesField(recordKeysField, "k")), records(bytesField(recordValuesField, "second"))...),
		"values then an occurrence without": append(records(bytesField(recordValuesField, "v")), records(varintField(1, 3))...),
		"empty values after values":         records(bytesField(recordValuesField, "v"), bytesField(recordValuesField, "")),
		"a column field with a varint":      records(varintField(recordValuesField, 7)),
		"records as a varint":               varintField(recordsField, 1),
		"records between other fields":      append(append(bytesField(2, "topic"), records(bytesField(recordValuesField, "v"))...), varintField(3, 4)...),
		"no records":                        bytesField(2, "topic"),
		"an empty occurrence":               records(),
	} {
		t.Run(name, func(t *testing.T) {
			var want, got jobpb.ProcessPartitionRequest
			if err := proto.Unmarshal(wire, &want); err != nil {
				t.Fatalf("protobuf: %v", err)
			}
			if err := (codec{}).Unmarshal(mem.BufferSlice{mem.SliceBuffer(wire)}, &got); err != nil {
				t.Fatalf("codec: %v", err)
			}
			if !proto.Equal(&got, &want) {
				t.Errorf("codec decoded\n%v\nprotobuf\n%v", &got, &want)
			}
		})
	}
}

// FuzzCodecMatchesProtobuf: the codec decodes whatever protobuf decodes,
// to the same message, refuses what protobuf refuses, and never panics.
func FuzzCodecMatchesProtobuf(f *testing.F) {
	for _, m := range codecMessages() {
		wire, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(wire, false)
		f.Add(wire, true)
	}
	f.Add([]byte{0x22, 0x10, 0x01}, false)
	f.Fuzz(func(t *testing.T, wire []byte, response bool) {
		var want, got proto.Message = &jobpb.ProcessPartitionRequest{}, &jobpb.ProcessPartitionRequest{}
		if response {
			want, got = &jobpb.ProcessPartitionResponse{}, &jobpb.ProcessPartitionResponse{}
		}
		perr := proto.Unmarshal(wire, want)
		cerr := codec{}.Unmarshal(mem.BufferSlice{mem.SliceBuffer(wire)}, got)
		switch {
		case perr != nil && cerr == nil:
			t.Fatalf("the codec decoded what protobuf refuses (%v): %v", perr, got)
		case perr == nil && cerr != nil:
			t.Fatalf("the codec refused what protobuf decodes: %v", cerr)
		case perr == nil && !proto.Equal(got, want):
			t.Fatalf("codec decoded\n%v\nprotobuf\n%v", got, want)
		case cerr != nil && !strings.Contains(cerr.Error(), "unmarshal"):
			t.Fatalf("error %q does not say what failed", cerr)
		}
	})
}
