package sdk

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/spindlehq/spindle/api/jobpb"
)

// A ProcessPartition call that has a lane of the shared memory (see
// lanes.go) carries its records' bulk columns, and gets its outputs' key
// and value columns back, in the lane rather than in the gRPC messages.
// The columns are fixed-width little-endian arrays, read and written
// without a varint or a copy through a socket:
//
//	records: header, offsets [n]int64, and when timed seconds [n]int64
//	         and nanoseconds [n]uint32, when keyed key lengths [n]uint32,
//	         value lengths [n]uint32, the keys, the values
//	outputs: header, when keyed key lengths [n]uint32, value lengths
//	         [n]uint32, the keys, the values
//
// The header is a magic number, n, flags, a zero word, and the total
// bytes of the keys and of the values (uint64 each). Lengths are
// length+1, and 0 for a nil field, as in the proto columns. The small
// columns (topics, partitions, headers, destinations) stay in the proto
// messages.

const (
	sharedHeaderBytes = 32
	// sharedRecordsMagic and sharedOutputsMagic tell the two layouts
	// apart ("SPR1", "SPO1").
	sharedRecordsMagic = 0x31525053
	sharedOutputsMagic = 0x314f5053

	sharedKeyed = 1 << 0 // key lengths present
	sharedTimed = 1 << 1 // seconds and nanoseconds present (records)
)

var le = binary.LittleEndian

// sharedColumns is the shape of a layout: what its header says, and where
// its arrays start.
type sharedColumns struct {
	n                    int
	flags                uint32
	keyBytes, valueBytes int
	offsets, secs, nanos int
	keyLens, valueLens   int
	keys, values, end    int
}

// layout places the arrays of a layout with n entries after the header;
// withOffsets adds the records' offset, seconds and nanoseconds arrays.
func layout(n int, flags uint32, keyBytes, valueBytes int, withOffsets bool) sharedColumns {
	c := sharedColumns{n: n, flags: flags, keyBytes: keyBytes, valueBytes: valueBytes}
	at := sharedHeaderBytes
	if withOffsets {
		c.offsets, at = at, at+8*n
		if flags&sharedTimed != 0 {
			c.secs, at = at, at+8*n
			c.nanos, at = at, at+4*n
		}
	}
	if flags&sharedKeyed != 0 {
		c.keyLens, at = at, at+4*n
	}
	c.valueLens, at = at, at+4*n
	c.keys, at = at, at+keyBytes
	c.values, at = at, at+valueBytes
	c.end = at
	return c
}

func putHeader(dst []byte, magic uint32, c sharedColumns) {
	le.PutUint32(dst[0:], magic)
	le.PutUint32(dst[4:], uint32(c.n))
	le.PutUint32(dst[8:], c.flags)
	le.PutUint32(dst[12:], 0)
	le.PutUint64(dst[16:], uint64(c.keyBytes))
	le.PutUint64(dst[24:], uint64(c.valueBytes))
}

// readHeader checks a layout's header against what the proto message
// says (n entries) and the bytes it came in, and places its arrays.
func readHeader(src []byte, magic uint32, n int, allowed uint32, withOffsets bool) (sharedColumns, error) {
	if len(src) < sharedHeaderBytes {
		return sharedColumns{}, fmt.Errorf("%w: shared columns of %d bytes, shorter than their header", ErrProtocol, len(src))
	}
	if m := le.Uint32(src[0:]); m != magic {
		return sharedColumns{}, fmt.Errorf("%w: shared columns start with %#x, want %#x", ErrProtocol, m, magic)
	}
	if got := le.Uint32(src[4:]); int64(got) != int64(n) {
		return sharedColumns{}, fmt.Errorf("%w: shared columns hold %d entries, the message says %d", ErrProtocol, got, n)
	}
	flags := le.Uint32(src[8:])
	if flags&^allowed != 0 || le.Uint32(src[12:]) != 0 {
		return sharedColumns{}, fmt.Errorf("%w: shared columns have unknown flags %#x", ErrProtocol, flags)
	}
	kb, vb := le.Uint64(src[16:]), le.Uint64(src[24:])
	// Each entry takes at least 4 bytes, so n is bounded by the bytes
	// given, and so are the columns' sizes.
	if uint64(n) > uint64(len(src))/4 || kb > uint64(len(src)) || vb > uint64(len(src)) {
		return sharedColumns{}, fmt.Errorf("%w: shared columns of %d bytes cannot hold %d entries with %d key and %d value bytes", ErrProtocol, len(src), n, kb, vb)
	}
	c := layout(n, flags, int(kb), int(vb), withOffsets)
	if c.end != len(src) {
		return sharedColumns{}, fmt.Errorf("%w: shared columns take %d bytes, but %d were given", ErrProtocol, c.end, len(src))
	}
	return c, nil
}

// putFields writes n nullable fields, field(i) being the i-th, as lengths
// at lens and bytes from data; it returns where the bytes end.
func putFields(dst []byte, n int, lens, data int, field func(i int) []byte) int {
	for i := range n {
		b := field(i)
		l := uint32(0)
		if b != nil {
			l = uint32(len(b)) + 1
			data += copy(dst[data:], b)
		}
		le.PutUint32(dst[lens+4*i:], l)
	}
	return data
}

// readFields undoes putFields, calling set(i, field) for each field that
// is not nil; each is a slice of src whose capacity ends where it does.
// The fields must fill [data, data+size) exactly.
func readFields(src []byte, name string, n int, lens, data, size int, set func(i int, b []byte)) error {
	off, end := data, data+size
	for i := range n {
		l := le.Uint32(src[lens+4*i:])
		if l == 0 {
			continue
		}
		l--
		if uint64(l) > uint64(end-off) {
			return fmt.Errorf("%w: shared column %s: field %d of %d bytes runs past the column's %d bytes", ErrProtocol, name, i, l, size)
		}
		next := off + int(l)
		set(i, src[off:next:next])
		off = next
	}
	if off != end {
		return fmt.Errorf("%w: shared column %s has %d bytes beyond its fields", ErrProtocol, name, end-off)
	}
	return nil
}

// fieldsSize is the bytes of n nullable fields and whether any is not nil.
func fieldsSize(n int, field func(i int) []byte) (size int, present bool) {
	for i := range n {
		if b := field(i); b != nil {
			size += len(b)
			present = true
		}
	}
	return size, present
}

// putSharedRecords lays the records' bulk columns out in dst and returns
// the bytes used, or false when they do not fit.
func putSharedRecords(dst []byte, recs []Record) (int, bool) {
	n := len(recs)
	keyBytes, valueBytes, flags := 0, 0, uint32(0)
	for i := range recs {
		r := &recs[i]
		if r.Key != nil {
			keyBytes += len(r.Key)
			flags |= sharedKeyed
		}
		valueBytes += len(r.Value)
		if !r.Timestamp.IsZero() {
			flags |= sharedTimed
		}
	}
	c := layout(n, flags, keyBytes, valueBytes, true)
	if c.end > len(dst) || n > 1<<31 {
		return 0, false
	}
	putHeader(dst, sharedRecordsMagic, c)
	timed := flags&sharedTimed != 0
	for i := range recs {
		r := &recs[i]
		le.PutUint64(dst[c.offsets+8*i:], uint64(r.Offset))
		if timed {
			le.PutUint64(dst[c.secs+8*i:], uint64(r.Timestamp.Unix()))
			le.PutUint32(dst[c.nanos+4*i:], uint32(r.Timestamp.Nanosecond()))
		}
	}
	if flags&sharedKeyed != 0 {
		putFields(dst, n, c.keyLens, c.keys, func(i int) []byte { return recs[i].Key })
	}
	putFields(dst, n, c.valueLens, c.values, func(i int) []byte { return recs[i].Value })
	return c.end, true
}

// sharedRecordsToProto is the proto part of records whose bulk columns
// travel in a lane: their count, topics, partitions and headers.
func sharedRecordsToProto(recs []Record) *jobpb.Records {
	n := len(recs)
	pr := &jobpb.Records{Count: uint32(n)}
	topics := newDictionary(n, func(i int) string { return recs[i].Topic })
	pr.Topics, pr.TopicIndexes = topics.values, topics.indexes
	partitions := newDictionary(n, func(i int) int32 { return recs[i].Partition })
	pr.Partitions, pr.PartitionIndexes = partitions.values, partitions.indexes
	headersToProto(recs, pr)
	return pr
}

// sharedRecordsFromProto undoes putSharedRecords and
// sharedRecordsToProto, into into when it has room. Keys and values are
// slices of src, valid while the lane is the call's. Columns that do not
// fit together fail with ErrProtocol.
func sharedRecordsFromProto(pr *jobpb.Records, src []byte, into []Record) ([]Record, error) {
	n := int(pr.GetCount())
	if len(pr.GetOffsetDeltas()) != 0 || len(pr.GetKeyLengths()) != 0 || len(pr.GetValueLengths()) != 0 ||
		len(pr.GetKeys()) != 0 || len(pr.GetValues()) != 0 || len(pr.GetTimestampSecondDeltas()) != 0 || len(pr.GetTimestampNanos()) != 0 {
		return nil, fmt.Errorf("%w: records in a shared lane also carry bulk columns in the message", ErrProtocol)
	}
	c, err := readHeader(src, sharedRecordsMagic, n, sharedKeyed|sharedTimed, true)
	if err != nil {
		return nil, err
	}
	recs, err := newRecords(pr, n, into, func(i int) int64 { return int64(le.Uint64(src[c.offsets+8*i:])) })
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, headersFromProto(pr, nil)
	}
	if c.flags&sharedTimed != 0 {
		for i := range recs {
			recs[i].Timestamp = time.Unix(int64(le.Uint64(src[c.secs+8*i:])), int64(le.Uint32(src[c.nanos+4*i:]))).UTC()
		}
	}
	if c.flags&sharedKeyed != 0 {
		if err := readFields(src, "keys", n, c.keyLens, c.keys, c.keyBytes, func(i int, b []byte) { recs[i].Key = b }); err != nil {
			return nil, err
		}
	} else if c.keyBytes != 0 {
		return nil, fmt.Errorf("%w: shared records have %d key bytes but no key lengths", ErrProtocol, c.keyBytes)
	}
	if err := readFields(src, "values", n, c.valueLens, c.values, c.valueBytes, func(i int, b []byte) { recs[i].Value = b }); err != nil {
		return nil, err
	}
	if err := headersFromProto(pr, recs); err != nil {
		return nil, err
	}
	return recs, nil
}

// putSharedOutputs lays the outputs' keys and values out in dst and
// returns the bytes used, or false when they do not fit.
func putSharedOutputs(dst []byte, outs []Output) (int, bool) {
	n := len(outs)
	keyBytes, keyed := fieldsSize(n, func(i int) []byte { return outs[i].Key })
	valueBytes, _ := fieldsSize(n, func(i int) []byte { return outs[i].Value })
	flags := uint32(0)
	if keyed {
		flags |= sharedKeyed
	}
	c := layout(n, flags, keyBytes, valueBytes, false)
	if c.end > len(dst) || n > 1<<31 {
		return 0, false
	}
	putHeader(dst, sharedOutputsMagic, c)
	if keyed {
		putFields(dst, n, c.keyLens, c.keys, func(i int) []byte { return outs[i].Key })
	}
	putFields(dst, n, c.valueLens, c.values, func(i int) []byte { return outs[i].Value })
	return c.end, true
}

// sharedOutputsToProto is the proto part of outputs whose keys and values
// travel in a lane: their count and destinations.
func sharedOutputsToProto(outs []Output) *jobpb.Outputs {
	n := len(outs)
	po := &jobpb.Outputs{Count: uint32(n)}
	destinationsToProto(outs, po)
	return po
}

// sharedOutputsFromProto undoes putSharedOutputs and
// sharedOutputsToProto. src must be the host's own copy: the outputs'
// keys and values are slices of it.
func sharedOutputsFromProto(po *jobpb.Outputs, src []byte) ([]Output, error) {
	n := int(po.GetCount())
	if len(po.GetKeyLengths()) != 0 || len(po.GetValueLengths()) != 0 || len(po.GetKeys()) != 0 || len(po.GetValues()) != 0 {
		return nil, fmt.Errorf("%w: outputs in a shared lane also carry key or value columns in the message", ErrProtocol)
	}
	c, err := readHeader(src, sharedOutputsMagic, n, sharedKeyed, false)
	if err != nil {
		return nil, err
	}
	dest, err := destinationsFromProto(po, n)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	outs := make([]Output, n)
	if c.flags&sharedKeyed != 0 {
		if err := readFields(src, "keys", n, c.keyLens, c.keys, c.keyBytes, func(i int, b []byte) { outs[i].Key = b }); err != nil {
			return nil, err
		}
	} else if c.keyBytes != 0 {
		return nil, fmt.Errorf("%w: shared outputs have %d key bytes but no key lengths", ErrProtocol, c.keyBytes)
	}
	if err := readFields(src, "values", n, c.valueLens, c.values, c.valueBytes, func(i int, b []byte) { outs[i].Value = b }); err != nil {
		return nil, err
	}
	if dest != nil {
		for i := range outs {
			outs[i].Destination = dest(i)
		}
	}
	return outs, nil
}
