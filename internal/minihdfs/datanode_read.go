package minihdfs

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"

	pb "github.com/spindlehq/spindle/internal/minihdfs/hadooppb"
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
	var snap replicaView
	var genStamp uint64
	if rep != nil {
		snap, genStamp = rep.view(), rep.genStamp
	}
	dn.mu.Unlock()
	visible := uint64(len(snap.data))
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
		data, sums := snap.chunks(pos, n, sendSums)
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

// replicaView is a replica's bytes and checksums as they were when a read
// began. A read goes on from it to the end even if the replica is deleted
// or grows meanwhile, as a real DataNode's open block file outlives its
// unlink: data is only ever appended past len(data), so the bytes a view
// holds do not change. The checksum of a partial last chunk is rewritten
// in place as the replica grows, so the view keeps its own copy.
type replicaView struct {
	data    []byte
	crcs    []uint32
	lastCRC uint32
}

// view is r's current view; the caller holds the DataNode's lock.
func (r *replica) view() replicaView {
	v := replicaView{data: r.data[:len(r.data):len(r.data)], crcs: r.crcs[:len(r.crcs):len(r.crcs)]}
	if len(v.crcs) > 0 {
		v.lastCRC = v.crcs[len(v.crcs)-1]
	}
	return v
}

// chunks copies n bytes at pos (pos chunk-aligned, pos+n within the view,
// chunk-aligned or its end) and their checksums.
func (v replicaView) chunks(pos, n uint64, withSums bool) (data, sums []byte) {
	data = append([]byte(nil), v.data[pos:pos+n]...)
	if !withSums {
		return data, nil
	}
	first := pos / bytesPerChecksum
	count := (n + bytesPerChecksum - 1) / bytesPerChecksum
	sums = make([]byte, 0, count*4)
	for i := first; i < first+count; i++ {
		c := v.crcs[i]
		if int(i) == len(v.crcs)-1 {
			c = v.lastCRC
		}
		sums = binary.BigEndian.AppendUint32(sums, c)
	}
	return data, sums
}

func packetHeader(offset uint64, seqno int64, last bool, dataLen int) *pb.PacketHeaderProto {
	return &pb.PacketHeaderProto{
		OffsetInBlock:     proto.Int64(int64(offset)),
		Seqno:             proto.Int64(seqno),
		LastPacketInBlock: proto.Bool(last),
		DataLen:           proto.Int32(int32(dataLen)),
	}
}
