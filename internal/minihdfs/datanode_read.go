package minihdfs

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net"

	pb "github.com/spindlehq/spindle/internal/minihdfs/hadooppb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

// readBlock serves OP_READ_BLOCK: a BlockOpResponseProto naming the checksum
// and the chunk-aligned start, packets of whole chunks with their CRC32C
// checksums, and an empty last packet.
func (dn *datanode) readBlock(conn net.Conn, r *bufio.Reader) {
	op := &pb.OpReadBlockProto{}
	if err := readDelimited(r, op); err != nil {
		dn.respond(conn, pb.Status_ERROR, "invalid OpReadBlockProto: "+err.Error())
		return
	}
	b := op.GetHeader().GetBaseHeader().GetBlock()
	offset, length := op.GetOffset(), op.GetLen()
	dn.mu.Lock()
	rep := dn.replicas[b.GetBlockId()]
	var visible uint64
	var genStamp uint64
	if rep != nil {
		visible, genStamp = uint64(len(rep.data)), rep.genStamp
	}
	dn.mu.Unlock()
	switch {
	case rep == nil || b.GetPoolId() != dn.poolID:
		dn.respond(conn, pb.Status_ERROR, "Replica not found for "+blockName(b))
		return
	case genStamp < b.GetGenerationStamp():
		dn.respond(conn, pb.Status_ERROR, fmt.Sprintf("Replica gen stamp < block genstamp, block=%s, replica gen stamp %d", blockName(b), genStamp))
		return
	case offset > visible || length > visible-offset:
		dn.respond(conn, pb.Status_ERROR, fmt.Sprintf("Offset %d and length %d don't match block %s ( blockLen %d )", offset, length, blockName(b), visible))
		return
	}
	sendSums := op.GetSendChecksums()
	sum := &pb.ChecksumProto{Type: pb.ChecksumTypeProto_CHECKSUM_CRC32C.Enum(), BytesPerChecksum: proto.Uint32(bytesPerChecksum)}
	if !sendSums {
		sum.Type = pb.ChecksumTypeProto_CHECKSUM_NULL.Enum()
	}
	// Checksums cover whole chunks, so the range widens to chunk boundaries.
	start := offset - offset%bytesPerChecksum
	end := min((offset+length+bytesPerChecksum-1)/bytesPerChecksum*bytesPerChecksum, visible)
	w := bufio.NewWriterSize(conn, readPacketSize+readPacketSize/bytesPerChecksum*4+64)
	if err := writeDelimited(w, &pb.BlockOpResponseProto{
		Status:             pb.Status_SUCCESS.Enum(),
		ReadOpChecksumInfo: &pb.ReadOpChecksumInfoProto{Checksum: sum, ChunkOffset: proto.Uint64(start)},
	}); err != nil {
		return
	}
	seqno := int64(0)
	for pos := start; pos < end; seqno++ {
		n := min(end-pos, readPacketSize)
		data, sums, ok := dn.chunks(b.GetBlockId(), pos, n, sendSums)
		if !ok {
			// Deleted while being read: the client sees the stream end early.
			dn.log.Debug("replica deleted during read", zap.String("block", blockName(b)))
			return
		}
		if err := writePacket(w, packet{hdr: packetHeader(pos, seqno, false, len(data)), sums: sums, data: data}); err != nil {
			return
		}
		pos += n
	}
	if err := writePacket(w, packet{hdr: packetHeader(end, seqno, true, 0)}); err != nil {
		return
	}
	if err := w.Flush(); err != nil {
		return
	}
	// A Java client ends with a ClientReadStatusProto (CHECKSUM_OK); others
	// just close. Either ends the exchange.
	_ = readDelimited(r, &pb.ClientReadStatusProto{})
}

// chunks copies n bytes at pos (pos chunk-aligned) and their checksums.
func (dn *datanode) chunks(id, pos, n uint64, withSums bool) (data, sums []byte, ok bool) {
	dn.mu.Lock()
	defer dn.mu.Unlock()
	rep := dn.replicas[id]
	if rep == nil || pos+n > uint64(len(rep.data)) {
		return nil, nil, false
	}
	data = append([]byte(nil), rep.data[pos:pos+n]...)
	if withSums {
		first := pos / bytesPerChecksum
		count := (n + bytesPerChecksum - 1) / bytesPerChecksum
		sums = make([]byte, 0, count*4)
		for _, c := range rep.crcs[first : first+count] {
			sums = binary.BigEndian.AppendUint32(sums, c)
		}
		if tail := n % bytesPerChecksum; tail != 0 && pos+n < uint64(len(rep.data)) {
			// The replica grew past the partial chunk this read ends with
			// (it is still being written): checksum the bytes sent.
			binary.BigEndian.PutUint32(sums[len(sums)-4:], crc32.Checksum(data[n-tail:], castagnoli))
		}
	}
	return data, sums, true
}

func packetHeader(offset uint64, seqno int64, last bool, dataLen int) *pb.PacketHeaderProto {
	return &pb.PacketHeaderProto{
		OffsetInBlock:     proto.Int64(int64(offset)),
		Seqno:             proto.Int64(seqno),
		LastPacketInBlock: proto.Bool(last),
		DataLen:           proto.Int32(int32(dataLen)),
	}
}
