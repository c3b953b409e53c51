package shuffle

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// MaxRecordBytes bounds one record's key or value, so that a damaged
// length cannot make a reader allocate without limit.
const MaxRecordBytes = 256 << 20

// Record is one keyed value of a shuffle.
type Record struct {
	Key   []byte
	Value []byte
	// Side is the side of a join the value came from: 0 (the left, or the
	// only side of a stage that is not a join) or 1.
	Side uint8
}

// AppendRecord appends one record in the data file's format: the key's
// length (uvarint), the key, the value's length shifted left by one with
// the side in the low bit (uvarint), the value.
func AppendRecord(buf, key, value []byte, side uint8) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(key)))
	buf = append(buf, key...)
	buf = binary.AppendUvarint(buf, uint64(len(value))<<1|uint64(side&1))
	return append(buf, value...)
}

// RecordReader reads the records of one block: a reduce partition of one
// map output, or of a sorted run.
type RecordReader struct {
	r    *bufio.Reader
	left int64
	// what names the block in errors.
	what string
}

// NewRecordReader reads the records in the next size bytes of r; what
// names them in errors.
func NewRecordReader(r *bufio.Reader, size int64, what string) *RecordReader {
	return &RecordReader{r: r, left: size, what: what}
}

// Next returns the next record, io.EOF after the last, or an error
// wrapping ErrCorrupt. The record's slices are its own.
func (rr *RecordReader) Next() (Record, error) {
	if rr.left == 0 {
		return Record{}, io.EOF
	}
	klen, err := rr.uvarint()
	if err != nil {
		return Record{}, err
	}
	key, err := rr.bytes(klen, "key")
	if err != nil {
		return Record{}, err
	}
	vlen, err := rr.uvarint()
	if err != nil {
		return Record{}, err
	}
	value, err := rr.bytes(vlen>>1, "value")
	if err != nil {
		return Record{}, err
	}
	return Record{Key: key, Value: value, Side: uint8(vlen & 1)}, nil
}

func (rr *RecordReader) uvarint() (uint64, error) {
	var n int64
	v, err := binary.ReadUvarint(byteCounter{rr.r, &n})
	rr.left -= n
	if err != nil || rr.left < 0 {
		return 0, rr.corrupt("a length runs past the block's end")
	}
	return v, nil
}

func (rr *RecordReader) bytes(n uint64, what string) ([]byte, error) {
	if n > MaxRecordBytes || int64(n) > rr.left {
		return nil, rr.corrupt(fmt.Sprintf("a %s of %d bytes, with %d left in the block", what, n, rr.left))
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(rr.r, b); err != nil {
		return nil, rr.corrupt(fmt.Sprintf("read a %s: %v", what, err))
	}
	rr.left -= int64(n)
	return b, nil
}

func (rr *RecordReader) corrupt(why string) error {
	return fmt.Errorf("%w: %s: %s", ErrCorrupt, rr.what, why)
}

// byteCounter counts the bytes ReadUvarint takes.
type byteCounter struct {
	r *bufio.Reader
	n *int64
}

func (c byteCounter) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		*c.n++
	} else if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return b, err
}
