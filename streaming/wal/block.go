package wal

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spindlehq/spindle/sdk"
)

// Block is a block of records one receiver stored.
type Block struct {
	// ID names the block (BlockID); it is the block's file name.
	ID string
	// StreamID is the receiver's stream.
	StreamID int
	Records  []sdk.Record
}

// maxStreamID bounds stream ids read from a file.
const maxStreamID = 1 << 20

// BlockID names a block as Spark's StreamBlockId does, input-<stream>-<unique>:
// the unique part is when the block was cut, in microseconds, and a nonce
// of the receiver's start, so that a receiver started again elsewhere
// never reuses a name.
func BlockID(streamID int, cut time.Time, nonce uint32) string {
	return fmt.Sprintf("input-%d-%d-%08x", streamID, cut.UnixMicro(), nonce)
}

// CheckBlockID accepts the names BlockID makes: they become file names.
func CheckBlockID(id string) error {
	parts := strings.Split(id, "-")
	if len(parts) != 4 || parts[0] != "input" || len(parts[3]) != 8 {
		return fmt.Errorf("%w: block id %q is not input-<stream>-<micros>-<nonce>", ErrCorrupt, id)
	}
	for _, p := range parts[1:3] {
		if n, err := strconv.ParseInt(p, 10, 64); err != nil || n < 0 || strconv.FormatInt(n, 10) != p {
			return fmt.Errorf("%w: block id %q is not input-<stream>-<micros>-<nonce>", ErrCorrupt, id)
		}
	}
	if _, err := strconv.ParseUint(parts[3], 16, 32); err != nil || strings.ToLower(parts[3]) != parts[3] {
		return fmt.Errorf("%w: block id %q has a nonce that is not 8 lowercase hex digits", ErrCorrupt, id)
	}
	return nil
}

// EncodeBlock returns b's file content.
func EncodeBlock(b Block) ([]byte, error) {
	if err := CheckBlockID(b.ID); err != nil {
		return nil, err
	}
	recs, err := sdk.MarshalRecords(b.Records)
	if err != nil {
		return nil, err
	}
	body := make([]byte, 0, len(b.ID)+len(recs)+16)
	body = binary.AppendUvarint(body, uint64(len(b.ID)))
	body = append(body, b.ID...)
	body = binary.AppendUvarint(body, uint64(b.StreamID))
	body = append(body, recs...)
	return frame(blockMagic, body), nil
}

// DecodeBlock reads a block file; anything but a whole block written by
// EncodeBlock wraps ErrCorrupt.
func DecodeBlock(data []byte) (Block, error) {
	body, err := unframe(blockMagic, data)
	if err != nil {
		return Block{}, err
	}
	n, k := binary.Uvarint(body)
	if k <= 0 || n > uint64(len(body)-k) {
		return Block{}, fmt.Errorf("%w: block id length", ErrCorrupt)
	}
	id := string(body[k : k+int(n)])
	body = body[k+int(n):]
	if err := CheckBlockID(id); err != nil {
		return Block{}, err
	}
	stream, k := binary.Uvarint(body)
	if k <= 0 || stream > maxStreamID {
		return Block{}, fmt.Errorf("%w: block %s: stream id", ErrCorrupt, id)
	}
	recs, err := sdk.UnmarshalRecords(body[k:])
	if err != nil {
		return Block{}, fmt.Errorf("%w: block %s: %v", ErrCorrupt, id, err)
	}
	return Block{ID: id, StreamID: int(stream), Records: recs}, nil
}
