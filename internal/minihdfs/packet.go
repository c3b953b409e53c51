package minihdfs

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	pb "github.com/spindlehq/spindle/internal/minihdfs/hadooppb"
	"google.golang.org/protobuf/proto"
)

// A data transfer packet:
//
//	uint32  payload length: 4 + len(checksums) + len(data)
//	uint16  header length
//	        PacketHeaderProto
//	        checksums, one per chunk of data
//	        data
type packet struct {
	hdr  *pb.PacketHeaderProto
	sums []byte
	data []byte
}

func writePacket(w io.Writer, p packet) error {
	hdr, err := proto.Marshal(p.hdr)
	if err != nil {
		return err
	}
	buf := make([]byte, 6, 6+len(hdr)+len(p.sums)+len(p.data))
	binary.BigEndian.PutUint32(buf, uint32(4+len(p.sums)+len(p.data)))
	binary.BigEndian.PutUint16(buf[4:], uint16(len(hdr)))
	buf = append(buf, hdr...)
	buf = append(buf, p.sums...)
	buf = append(buf, p.data...)
	_, err = w.Write(buf)
	return err
}

// readPacket reads one packet whose checksums are sumSize bytes per chunk
// of bpc data bytes, and checks that its lengths agree.
func readPacket(r *bufio.Reader, bpc, sumSize int) (packet, error) {
	var lens [6]byte
	if _, err := io.ReadFull(r, lens[:]); err != nil {
		return packet{}, err
	}
	payloadLen := binary.BigEndian.Uint32(lens[:4])
	hdrLen := int(binary.BigEndian.Uint16(lens[4:]))
	if payloadLen < 4 || payloadLen > maxPacketSize || hdrLen > maxPacketHeaderLength {
		return packet{}, fmt.Errorf("minihdfs: invalid packet: payload length %d, header length %d", payloadLen, hdrLen)
	}
	hdrBytes := make([]byte, hdrLen)
	if _, err := io.ReadFull(r, hdrBytes); err != nil {
		return packet{}, err
	}
	hdr := &pb.PacketHeaderProto{}
	if err := proto.Unmarshal(hdrBytes, hdr); err != nil {
		return packet{}, fmt.Errorf("minihdfs: invalid packet header: %w", err)
	}
	dataLen := int(hdr.GetDataLen())
	if dataLen < 0 {
		return packet{}, fmt.Errorf("minihdfs: invalid packet: data length %d", dataLen)
	}
	sumsLen := (dataLen + bpc - 1) / bpc * sumSize
	if int(payloadLen)-4 != sumsLen+dataLen {
		return packet{}, fmt.Errorf("minihdfs: invalid packet: payload length %d for %d data bytes and %d checksum bytes", payloadLen, dataLen, sumsLen)
	}
	body := make([]byte, sumsLen+dataLen)
	if _, err := io.ReadFull(r, body); err != nil {
		return packet{}, err
	}
	return packet{hdr: hdr, sums: body[:sumsLen], data: body[sumsLen:]}, nil
}
