package sink

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

func ptrs(hs []sarama.RecordHeader) []*sarama.RecordHeader {
	out := make([]*sarama.RecordHeader, len(hs))
	for i := range hs {
		out[i] = &hs[i]
	}
	return out
}

func TestOutputIDRoundTrip(t *testing.T) {
	id := OutputID{BatchTimeMs: 1_700_000_000_123, Topic: "orders.eu_1", Partition: 2147483647, Index: 0, Count: 1}
	hs := ptrs(id.Headers())
	// Other headers, before and after, are ignored.
	hs = append([]*sarama.RecordHeader{{Key: []byte("trace"), Value: []byte("x")}, nil}, hs...)
	got, err := ParseOutputID(hs)
	if err != nil || got != id {
		t.Fatalf("ParseOutputID = %+v, %v; want %+v", got, err, id)
	}
	if got.BatchTime() != time.UnixMilli(1_700_000_000_123).UTC() {
		t.Fatalf("BatchTime = %v", got.BatchTime())
	}
	if s := got.String(); s != "batch 1700000000123 orders.eu_1-2147483647 output 0 of 1" {
		t.Fatalf("String = %q", s)
	}
}

func TestParseOutputIDErrors(t *testing.T) {
	good := OutputID{BatchTimeMs: 17, Topic: "t", Partition: 3, Index: 4, Count: 9}
	with := func(name, value string) []*sarama.RecordHeader {
		hs := ptrs(good.Headers())
		for _, h := range hs {
			if string(h.Key) == name {
				h.Value = []byte(value)
			}
		}
		return hs
	}
	without := func(name string) []*sarama.RecordHeader {
		var out []*sarama.RecordHeader
		for _, h := range ptrs(good.Headers()) {
			if string(h.Key) != name {
				out = append(out, h)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		headers []*sarama.RecordHeader
		want    string
	}{
		{"no headers", nil, "header spindle.batch.time.ms is missing"},
		{"no batch time", without(HeaderBatchTime), "header spindle.batch.time.ms is missing"},
		{"no topic", without(HeaderSourceTopic), "header spindle.source.topic is missing"},
		{"no partition", without(HeaderSourcePartition), "header spindle.source.partition is missing"},
		{"no index", without(HeaderIndex), "header spindle.output.index is missing"},
		{"no count", without(HeaderCount), "header spindle.output.count is missing"},
		{"repeated", append(ptrs(good.Headers()), &sarama.RecordHeader{Key: []byte(HeaderIndex), Value: []byte("4")}), "header spindle.output.index appears more than once"},
		{"empty topic", with(HeaderSourceTopic, ""), "header spindle.source.topic is empty"},
		{"empty number", with(HeaderBatchTime, ""), `spindle.batch.time.ms = "": empty`},
		{"sign", with(HeaderSourcePartition, "+3"), `spindle.source.partition = "+3": want a non-negative decimal number`},
		{"negative", with(HeaderBatchTime, "-17"), `spindle.batch.time.ms = "-17": want a non-negative decimal number`},
		{"leading zero", with(HeaderIndex, "04"), `spindle.output.index = "04": leading zero`},
		{"letters", with(HeaderCount, "9x"), `spindle.output.count = "9x"`},
		{"partition overflow", with(HeaderSourcePartition, "2147483648"), "out of range (at most 2147483647)"},
		{"batch overflow", with(HeaderBatchTime, "9223372036854775808"), "out of range"},
		{"index not below count", with(HeaderIndex, "9"), "spindle.output.index 9 is not below spindle.output.count 9"},
		{"zero count", with(HeaderCount, "0"), "spindle.output.index 4 is not below spindle.output.count 0"},
		{"long value", with(HeaderCount, strings.Repeat("x", 100)), `"` + strings.Repeat("x", 40) + `…"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseOutputID(tc.headers)
			if !errors.Is(err, ErrBadOutputHeaders) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzParseOutputID: any headers give an OutputID or an error, never a
// panic, and an OutputID parsed is written back as the same headers.
func FuzzParseOutputID(f *testing.F) {
	f.Add([]byte("1700000000000"), []byte("orders"), []byte("3"), []byte("0"), []byte("2"), []byte(""))
	f.Add([]byte("0"), []byte("t"), []byte("0"), []byte("1"), []byte("1"), []byte("7"))
	f.Add([]byte("01"), []byte(""), []byte("-1"), []byte("+1"), []byte("99999999999999999999"), []byte("0"))
	f.Fuzz(func(t *testing.T, batch, topic, partition, index, count, chunk []byte) {
		in := []*sarama.RecordHeader{
			{Key: []byte(HeaderCount), Value: count},
			{Key: []byte(HeaderBatchTime), Value: batch},
			{Key: []byte(HeaderSourceTopic), Value: topic},
			{Key: []byte(HeaderSourcePartition), Value: partition},
			{Key: []byte(HeaderIndex), Value: index},
		}
		// An empty chunk stands for a message without the header, as
		// chunk 0's are written.
		if len(chunk) > 0 {
			in = append(in, &sarama.RecordHeader{Key: []byte(HeaderChunk), Value: chunk})
		}
		id, err := ParseOutputID(in)
		if err != nil {
			if !errors.Is(err, ErrBadOutputHeaders) {
				t.Fatalf("error %v does not wrap ErrBadOutputHeaders", err)
			}
			return
		}
		if id.Index < 0 || id.Index >= id.Count || id.Partition < 0 || id.BatchTimeMs < 0 || id.Topic == "" || id.Chunk < 0 {
			t.Fatalf("parsed an invalid %+v", id)
		}
		want := map[string][]byte{HeaderBatchTime: batch, HeaderSourceTopic: topic, HeaderSourcePartition: partition, HeaderIndex: index, HeaderCount: count, HeaderChunk: chunk}
		for _, h := range id.Headers() {
			if !bytes.Equal(h.Value, want[string(h.Key)]) {
				t.Fatalf("%+v written back: %s = %q, parsed from %q", id, h.Key, h.Value, want[string(h.Key)])
			}
		}
		if again, err := ParseOutputID(ptrs(id.Headers())); err != nil || again != id {
			t.Fatalf("%+v written back parses as %+v, %v", id, again, err)
		}
	})
}
