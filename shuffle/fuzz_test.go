package shuffle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// FuzzDecodeIndex: any bytes give an index whose blocks lie in order, or
// an error wrapping ErrCorrupt; never a panic. Each input is tried as
// given and with its checksum made right, so that the fuzzer reaches past
// the checksum.
func FuzzDecodeIndex(f *testing.F) {
	f.Add(Index{Partitions: []int32{2, 1}, Offsets: []int64{0, 5, 5, 9}, Checksums: []uint32{1, 2, 3}}.Encode())
	f.Add(Index{Partitions: []int32{1}, Offsets: []int64{0, 0}, Checksums: []uint32{0}}.Encode())
	f.Add([]byte("SPSI\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkIndex(t, b)
		if len(b) >= 4 {
			fixed := bytes.Clone(b)
			binary.BigEndian.PutUint32(fixed[len(fixed)-4:], Checksum(fixed[:len(fixed)-4]))
			checkIndex(t, fixed)
		}
	})
}

func checkIndex(t *testing.T, b []byte) {
	ix, err := DecodeIndex(b)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error not ErrCorrupt: %v", err)
		}
		return
	}
	for s, n := range ix.Partitions {
		for p := range int(n) {
			off, size, _, err := ix.Block(s, p)
			if err != nil || off < 0 || size < 0 || off+size > ix.DataSize() {
				t.Fatalf("block %d/%d: %d+%d of %d: %v", s, p, off, size, ix.DataSize(), err)
			}
		}
	}
	if _, err := DecodeIndex(ix.Encode()); err != nil {
		t.Fatalf("re-encoded index: %v", err)
	}
}

// FuzzRecordReader: any block gives records or an error wrapping
// ErrCorrupt, and records re-encode to the bytes read.
func FuzzRecordReader(f *testing.F) {
	f.Add(AppendRecord(AppendRecord(nil, []byte("k"), []byte("v"), 1), nil, []byte{}, 0))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{5, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		src := BytesSource(b, "fuzz")
		var again []byte
		for {
			rec, err := src.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("error not ErrCorrupt: %v", err)
				}
				return
			}
			again = AppendRecord(again, rec.Key, rec.Value, rec.Side)
		}
		if len(again) > len(b) {
			t.Fatalf("read %d bytes of records from %d", len(again), len(b))
		}
	})
}
