package statestore

import (
	"encoding/binary"
	"fmt"
)

// Slice is one batch's reduced value of a key, kept while the batch is in
// a window.
type Slice struct {
	BatchMs int64
	Value   []byte
}

// WindowRecord is a windowed stage's state of one key: its batches'
// values still in a window, and its value when the last window ended
// (with an inverse function).
type WindowRecord struct {
	// Window is the key's value at LastEnd; nil when it had none.
	Window  []byte
	LastEnd int64
	// Slices are in batch order.
	Slices []Slice
}

// Encode returns the record's bytes.
func (w WindowRecord) Encode() []byte {
	var b []byte
	if w.Window == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = binary.AppendUvarint(b, uint64(len(w.Window)))
		b = append(b, w.Window...)
	}
	b = binary.AppendVarint(b, w.LastEnd)
	b = binary.AppendUvarint(b, uint64(len(w.Slices)))
	for _, s := range w.Slices {
		b = binary.AppendVarint(b, s.BatchMs)
		b = binary.AppendUvarint(b, uint64(len(s.Value)))
		b = append(b, s.Value...)
	}
	return b
}

// DecodeWindowRecord reads a WindowRecord; errors wrap ErrCorrupt. The
// record's slices share raw.
func DecodeWindowRecord(raw []byte) (WindowRecord, error) {
	if len(raw) == 0 || raw[0] > 1 {
		return WindowRecord{}, fmt.Errorf("%w: window record without its flag", ErrCorrupt)
	}
	r := reader{b: raw[1:]}
	var w WindowRecord
	if raw[0] == 1 {
		w.Window = nonNil(r.field())
	}
	w.LastEnd = r.varint()
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b)) {
		return WindowRecord{}, fmt.Errorf("%w: window record with %d slices in %d bytes", ErrCorrupt, n, len(r.b))
	}
	for i := uint64(0); i < n && r.err == nil; i++ {
		ms := r.varint()
		v := r.field()
		if i > 0 && r.err == nil && ms <= w.Slices[i-1].BatchMs {
			return WindowRecord{}, fmt.Errorf("%w: window record's slices out of batch order", ErrCorrupt)
		}
		w.Slices = append(w.Slices, Slice{BatchMs: ms, Value: nonNil(v)})
	}
	if r.err == nil && len(r.b) != 0 {
		return WindowRecord{}, fmt.Errorf("%w: %d bytes after a window record", ErrCorrupt, len(r.b))
	}
	if r.err != nil {
		return WindowRecord{}, fmt.Errorf("%w: window record: %v", ErrCorrupt, r.err)
	}
	return w, nil
}

// TimedRecord is a mapWithState stage's state of one key, with the batch
// that last gave the key values, from which its timeout runs.
type TimedRecord struct {
	State      []byte
	LastActive int64
}

// Encode returns the record's bytes.
func (t TimedRecord) Encode() []byte {
	return append(binary.AppendVarint(nil, t.LastActive), t.State...)
}

// DecodeTimedRecord reads a TimedRecord; errors wrap ErrCorrupt. State
// shares raw.
func DecodeTimedRecord(raw []byte) (TimedRecord, error) {
	ms, n := binary.Varint(raw)
	if n <= 0 {
		return TimedRecord{}, fmt.Errorf("%w: mapWithState record without its time", ErrCorrupt)
	}
	return TimedRecord{LastActive: ms, State: nonNil(raw[n:])}, nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
