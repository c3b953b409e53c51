package wal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// ErrCorrupt is wrapped by the decoders for a file that is truncated,
// damaged or of another kind or format.
var ErrCorrupt = errors.New("wal: corrupt file")

// Magics name a file's kind and format version.
const (
	blockMagic    = "SWB1"
	metadataMagic = "SWM1"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// frame returns magic, body and the CRC-32C of both.
func frame(magic string, body []byte) []byte {
	out := make([]byte, 0, len(magic)+len(body)+4)
	out = append(out, magic...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
}

// unframe checks data's magic and checksum and returns its body.
func unframe(magic string, data []byte) ([]byte, error) {
	if len(data) < len(magic)+4 {
		return nil, fmt.Errorf("%w: %d bytes is shorter than any %s file", ErrCorrupt, len(data), kindName(magic))
	}
	if got := string(data[:len(magic)]); got != magic {
		return nil, fmt.Errorf("%w: starts with %q, not %q (a %s file of format 1)", ErrCorrupt, got, magic, kindName(magic))
	}
	end := len(data) - 4
	if want, got := binary.BigEndian.Uint32(data[end:]), crc32.Checksum(data[:end], castagnoli); want != got {
		return nil, fmt.Errorf("%w: checksum mismatch (stored %08x, computed %08x): truncated or damaged", ErrCorrupt, want, got)
	}
	return data[len(magic):end], nil
}

func kindName(magic string) string {
	if magic == blockMagic {
		return "block"
	}
	return "block metadata"
}
