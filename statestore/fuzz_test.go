package statestore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"maps"
	"testing"
)

// FuzzDecodeCheckpoint: any bytes are a checkpoint whose re-encoding
// decodes to the same state, or an error wrapping ErrCorrupt. Each input
// is tried as given and with its checksum made right, so that the
// fuzzer reaches past the checksum.
func FuzzDecodeCheckpoint(f *testing.F) {
	f.Add(Encode(PartitionID{Stage: "s", Partition: 3}, 1000, map[string][]byte{"a": []byte("1"), "b": nil}))
	f.Add(Encode(PartitionID{Stage: "", Partition: 0}, -1, nil))
	f.Add([]byte("SPCK\x01"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		inputs := [][]byte{raw}
		if len(raw) >= 4 {
			fixed := bytes.Clone(raw)
			binary.BigEndian.PutUint32(fixed[len(fixed)-4:], crc32.Checksum(fixed[:len(fixed)-4], castagnoli))
			inputs = append(inputs, fixed)
		}
		for _, in := range inputs {
			id, ms, data, err := decode(in)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("error not ErrCorrupt: %v", err)
				}
				continue
			}
			again, err := Decode(Encode(id, ms, data), id, ms)
			if err != nil || !maps.EqualFunc(again, data, bytes.Equal) {
				t.Fatalf("re-encoded checkpoint: %v", err)
			}
		}
	})
}

// FuzzDecodeRecords: any bytes are a window or mapWithState record, or an
// error wrapping ErrCorrupt.
func FuzzDecodeRecords(f *testing.F) {
	f.Add(WindowRecord{Window: []byte("7"), LastEnd: 5, Slices: []Slice{{1, []byte("a")}}}.Encode())
	f.Add(TimedRecord{State: []byte("s"), LastActive: 9}.Encode())
	f.Fuzz(func(t *testing.T, raw []byte) {
		if w, err := DecodeWindowRecord(raw); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("window record: %v", err)
			}
		} else if _, err := DecodeWindowRecord(w.Encode()); err != nil {
			t.Fatalf("re-encoded window record: %v", err)
		}
		if _, err := DecodeTimedRecord(raw); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("timed record: %v", err)
		}
	})
}
