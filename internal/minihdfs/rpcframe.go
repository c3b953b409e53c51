package minihdfs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/proto"
)

var errShortMessage = errors.New("minihdfs: truncated length-delimited message")

// readFrame reads one Hadoop RPC frame: a big-endian uint32 length and that
// many bytes.
func readFrame(r io.Reader) ([]byte, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	length := binary.BigEndian.Uint32(n[:])
	if length > maxRPCLength {
		return nil, fmt.Errorf("minihdfs: RPC data length of %d exceeds maximum data length of %d", length, maxRPCLength)
	}
	buf := make([]byte, length)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// nextDelimited splits a varint-length-prefixed message off the front of b.
func nextDelimited(b []byte) (msg, rest []byte, err error) {
	length, n := binary.Uvarint(b)
	if n <= 0 || length > uint64(len(b)-n) {
		return nil, nil, errShortMessage
	}
	end := n + int(length)
	return b[n:end], b[end:], nil
}

// unmarshalDelimited splits a message off b and decodes it into m.
func unmarshalDelimited(b []byte, m proto.Message) (rest []byte, err error) {
	msg, rest, err := nextDelimited(b)
	if err != nil {
		return nil, err
	}
	if err := proto.Unmarshal(msg, m); err != nil {
		return nil, err
	}
	return rest, nil
}

// appendDelimited appends m, prefixed by its varint length, to b.
func appendDelimited(b []byte, m proto.Message) ([]byte, error) {
	body, err := proto.Marshal(m)
	if err != nil {
		return nil, err
	}
	b = binary.AppendUvarint(b, uint64(len(body)))
	return append(b, body...), nil
}

// encodeFrame builds a frame of length-delimited messages.
func encodeFrame(msgs ...proto.Message) ([]byte, error) {
	buf := make([]byte, 4, 128)
	for _, m := range msgs {
		var err error
		if buf, err = appendDelimited(buf, m); err != nil {
			return nil, err
		}
	}
	binary.BigEndian.PutUint32(buf, uint32(len(buf)-4))
	return buf, nil
}
