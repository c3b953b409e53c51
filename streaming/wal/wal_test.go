package wal

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/dfs/dfstest"
	"github.com/spindlehq/spindle/sdk"
)

func testBlock(id string) Block {
	return Block{ID: id, StreamID: 2, Records: []sdk.Record{
		{Value: []byte("order-1"), Key: []byte("k"), Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Headers: []sdk.Header{{Key: "h", Value: []byte("v")}}},
		{Value: []byte("order-2")},
	}}
}

func TestBlockRoundTrip(t *testing.T) {
	b := testBlock(BlockID(2, time.UnixMicro(1700000000123456), 0xa1b2c3d4))
	if b.ID != "input-2-1700000000123456-a1b2c3d4" {
		t.Fatalf("block id %q", b.ID)
	}
	data, err := EncodeBlock(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeBlock(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, b) {
		t.Fatalf("decoded %+v, want %+v", got, b)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", data[:len(data)-1], "checksum mismatch"},
		{"flipped bit", flip(data, 10), "checksum mismatch"},
		{"metadata file", mustMeta(t), `starts with "SWM1", not "SWB1"`},
		{"empty", nil, "0 bytes is shorter than any block file"},
	} {
		_, err := DecodeBlock(tc.data)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrCorrupt with %q", tc.name, err, tc.want)
		}
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 1
	return c
}

func mustMeta(t testing.TB) []byte {
	data, err := EncodeMetadata([]BlockInfo{{ID: "input-0-1-00000000", Records: 3, Seq: 1}, {ID: "input-1-2-00000001", StreamID: 1, Records: 4, Seq: 5, Path: "/c/receivedData/1/log-0-60000/input-1-2-00000001", Executor: "2"}})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestMetadataRoundTripAndChecks(t *testing.T) {
	infos, err := DecodeMetadata(mustMeta(t))
	if err != nil || len(infos) != 2 || infos[1].Executor != "2" || infos[1].Seq != 5 {
		t.Fatalf("decoded %+v, %v", infos, err)
	}
	for _, tc := range []struct {
		name  string
		infos []BlockInfo
		want  string
	}{
		{"none", nil, "without blocks"},
		{"seq out of order", []BlockInfo{{ID: "input-0-1-00000000", Seq: 2}, {ID: "input-0-2-00000000", Seq: 2}}, "sequence number 2 out of order"},
		{"bad id", []BlockInfo{{ID: "../etc/passwd", Seq: 1}}, "is not input-<stream>-<micros>-<nonce>"},
		{"negative records", []BlockInfo{{ID: "input-0-1-00000000", Seq: 1, Records: -1}}, "-1 records"},
	} {
		if _, err := EncodeMetadata(tc.infos); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestCheckBlockID(t *testing.T) {
	for id, ok := range map[string]bool{
		"input-0-1700000000000000-0000abcd": true,
		"input-0-1700000000000000-0000ABCD": false,
		"input-00-1-0000abcd":               false,
		"input-0-1-0000abc":                 false,
		"input-0-1-0000abcd-x":              false,
		"input--1-1-0000abcd":               false,
		"output-0-1-0000abcd":               false,
	} {
		if err := CheckBlockID(id); (err == nil) != ok {
			t.Errorf("CheckBlockID(%q) = %v", id, err)
		}
	}
}

func FuzzDecodeBlock(f *testing.F) {
	data, _ := EncodeBlock(testBlock("input-2-5-00000001"))
	f.Add(data)
	f.Add([]byte("SWB1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := DecodeBlock(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		again, err := EncodeBlock(b)
		if err != nil {
			t.Fatalf("a decoded block does not encode: %v", err)
		}
		if _, err := DecodeBlock(again); err != nil {
			t.Fatalf("a re-encoded block does not decode: %v", err)
		}
	})
}

func FuzzDecodeMetadata(f *testing.F) {
	f.Add(mustMeta(f))
	f.Add([]byte("SWM1{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		infos, err := DecodeMetadata(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if _, err := EncodeMetadata(infos); err != nil {
			t.Fatalf("decoded records do not encode: %v", err)
		}
	})
}

// logOn runs fn against a Log on file:// and on hdfs://.
func logOn(t *testing.T, fn func(t *testing.T, l *Log, now *time.Time)) {
	for _, kind := range []string{"file", "hdfs"} {
		t.Run(kind, func(t *testing.T) {
			var st dfs.Store
			if kind == "file" {
				st = dfstest.NewFileStore(t)
			} else {
				st = dfstest.NewHDFSStore(t, dfstest.StartHDFS(t, 1<<20).Addr(), nil)
			}
			now := time.UnixMilli(1_700_000_030_000)
			cfg := DefaultConfig()
			cfg.Store, cfg.Dir, cfg.Now = st, "/ck", func() time.Time { return now }
			l, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			fn(t, l, &now)
		})
	}
}

func TestLogWritesReadsAndDeletes(t *testing.T) {
	logOn(t, func(t *testing.T, l *Log, now *time.Time) {
		ctx := context.Background()
		b := testBlock("input-2-1700000030000000-00000001")
		p, err := l.WriteBlock(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if want := "/ck/receivedData/2/log-1699999980000-1700000040000/input-2-1700000030000000-00000001"; p != want {
			t.Fatalf("block written to %s, want %s", p, want)
		}
		got, err := l.ReadBlock(ctx, p)
		if err != nil || !reflect.DeepEqual(got, b) {
			t.Fatalf("read %+v, %v", got, err)
		}
		if _, err := l.ReadBlock(ctx, "/ck/offsets/1"); err == nil || !strings.Contains(err.Error(), "is not in /ck/receivedData") {
			t.Fatalf("reading outside the log: %v", err)
		}
		m1, err := l.WriteMetadata(ctx, []BlockInfo{{ID: b.ID, StreamID: 2, Records: 2, Path: p, Seq: 1}})
		if err != nil {
			t.Fatal(err)
		}
		*now = now.Add(time.Minute)
		if _, err := l.WriteMetadata(ctx, []BlockInfo{{ID: "input-0-1-00000002", Records: 1, Seq: 2}, {ID: "input-0-2-00000002", Records: 1, Seq: 3}}); err != nil {
			t.Fatal(err)
		}
		infos, files, err := l.ReadMetadata(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(infos) != 3 || infos[0].Path != p || infos[2].Seq != 3 || len(files) != 2 || files[0].Path != m1 || files[1].LastSeq != 3 {
			t.Fatalf("metadata %+v, files %+v", infos, files)
		}
		if err := l.Delete(ctx, []string{p, m1}); err != nil {
			t.Fatal(err)
		}
		for _, gone := range []string{p, m1, "/ck/receivedData/2/log-1699999980000-1700000040000", "/ck/receivedBlockMetadata/log-1699999980000-1700000040000"} {
			if ok, err := l.cfg.Store.Exists(ctx, gone); err != nil || ok {
				t.Errorf("%s exists (%v) after Delete", gone, err)
			}
		}
		if infos, _, _ := l.ReadMetadata(ctx); len(infos) != 2 {
			t.Fatalf("after delete: %+v", infos)
		}
	})
}

func TestReadMetadataRefusesADamagedFile(t *testing.T) {
	logOn(t, func(t *testing.T, l *Log, _ *time.Time) {
		ctx := context.Background()
		p, err := l.WriteMetadata(ctx, []BlockInfo{{ID: "input-0-1-00000002", Records: 1, Seq: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if err := l.cfg.Store.WriteFile(ctx, p, []byte("SWM1 torn")); err != nil {
			t.Fatal(err)
		}
		_, _, err = l.ReadMetadata(ctx)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), p) {
			t.Fatalf("ReadMetadata: %v, want ErrCorrupt naming %s", err, p)
		}
	})
}
