package hdfscheckpoint

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs/dfstest"
)

func sampleBlocksRecord() record {
	r := record{Kind: kindBlocks, BatchTimeMs: 1_700_000_002_000}
	r.ThroughSeq = 17
	r.Streams = []streamStart{{Stream: 0, Name: "orders", From: 1200}, {Stream: 3, Name: "lines", From: 0}}
	r.Blocks = []blockRecord{
		{ID: "input-0-1700000001800000-0a0b0c0d", Stream: 0, Records: 250, Path: "/ck/receivedData/0/log-1699999980000-1700000040000/input-0-1700000001800000-0a0b0c0d", Executor: "1"},
		{ID: "input-3-1700000001900000-00000001", Stream: 3, Records: 3, Executor: "2"},
	}
	return r
}

func TestBlocksEntryRoundTrip(t *testing.T) {
	l, err := NewLog(dfstest.NewFileStore(t), "/ck", 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sample := sampleBlocksRecord()
	want := sample.batchBlocks()
	if err := l.WriteBlocks(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := l.ReadBlocks(ctx, want.BatchTime)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadBlocks = %+v, %v; want %+v", got, err, want)
	}
	data, _ := l.store.ReadFile(ctx, "/ck/blocks/1700000002000")
	if !bytes.HasPrefix(data, []byte(`v1`+"\n"+`{"kind":"blocks","batchTimeMs":1700000002000,"throughSeq":17,"streams":[{"stream":0,"name":"orders","from":1200}`)) {
		t.Fatalf("entry on disk:\n%s", data)
	}
	if _, err := l.ReadBlocks(ctx, time.UnixMilli(5)); !Unreadable(err) {
		t.Fatalf("a missing entry: %v", err)
	}
	// Purge keeps the newest batches of the blocks log too.
	for _, ms := range []int64{1_700_000_003_000, 1_700_000_004_000} {
		b := want
		b.BatchTime = time.UnixMilli(ms)
		if err := l.WriteBlocks(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	times, err := l.BlocksBatches(ctx)
	if err != nil || len(times) != 2 || times[0].UnixMilli() != 1_700_000_003_000 {
		t.Fatalf("after purge: %v, %v", times, err)
	}
}

func TestBlocksEntryChecks(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mangle func(r *record)
		want   string
	}{
		{"a block of an unlisted stream", func(r *record) { r.Blocks[1].Stream = 4 }, "of stream 4, which the entry does not list"},
		{"a block twice", func(r *record) { r.Blocks[1].ID = r.Blocks[0].ID }, "twice"},
		{"a block id that climbs", func(r *record) { r.Blocks[0].ID = "../../x" }, "is not a file name"},
		{"a stream twice", func(r *record) { r.Streams[1].Stream = 0 }, "stream 0 twice"},
		{"a negative start", func(r *record) { r.Streams[0].From = -1 }, "starts at offset -1"},
		{"offsets fields", func(r *record) { r.Meta = map[string]string{"a": "b"} }, "has offsets, commit or state fields"},
		{"blocks fields in an offsets entry", func(r *record) { r.Kind = kindOffsets }, "offsets entry for batch 1700000002000 has received-block fields"},
	} {
		r := sampleBlocksRecord()
		tc.mangle(&r)
		if _, err := encodeEntry(r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// FuzzBlocksEntry decodes any bytes as a blocks entry: no panic, every
// refusal a package error, and what decodes reads back the same through
// BatchBlocks.
func FuzzBlocksEntry(f *testing.F) {
	f.Add(mustEncode(f, sampleBlocksRecord()))
	f.Add([]byte(`{"kind":"blocks","batchTimeMs":1,"streams":[{"stream":1,"name":"x","from":2}],"blocks":[{"id":"b","stream":1,"records":3}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range [][]byte{data, withCRC("v1", string(data))} {
			r, err := decodeEntry(in)
			if err != nil {
				if !errors.Is(err, ErrCorruptEntry) && !errors.Is(err, ErrNewerFormat) {
					t.Fatalf("error %v wraps neither ErrCorruptEntry nor ErrNewerFormat", err)
				}
				continue
			}
			if r.Kind != kindBlocks {
				continue
			}
			b := r.batchBlocks()
			var back record
			back.Kind, back.BatchTimeMs, back.ThroughSeq = kindBlocks, r.BatchTimeMs, b.ThroughSeq
			for _, s := range b.Streams {
				back.Streams = append(back.Streams, streamStart{Stream: s.StreamID, Name: s.Name, From: s.From})
			}
			for _, rb := range b.Blocks {
				back.Blocks = append(back.Blocks, blockRecord{ID: rb.ID, Stream: rb.StreamID, Records: rb.Records, Path: rb.Path, Executor: rb.Executor})
			}
			back.normalize()
			if !reflect.DeepEqual(back.blocksFields, r.blocksFields) {
				t.Fatalf("BatchBlocks lost fields: %+v became %+v", r.blocksFields, back.blocksFields)
			}
		}
	})
}
