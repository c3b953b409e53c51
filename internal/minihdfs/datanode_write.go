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

// heartbeatSeqno marks a packet that only keeps an idle pipeline alive.
const heartbeatSeqno = -1

// writeBlock serves OP_WRITE_BLOCK for a pipeline of this one DataNode:
// it creates the replica, then for each packet checks the chunk checksums,
// appends the data and acknowledges the packet, and finalizes the replica
// on the last packet before acknowledging it.
func (dn *datanode) writeBlock(conn net.Conn, r *bufio.Reader) {
	op := &pb.OpWriteBlockProto{}
	if err := readDelimited(r, op); err != nil {
		dn.respond(conn, pb.Status_ERROR, "invalid OpWriteBlockProto: "+err.Error())
		return
	}
	b := op.GetHeader().GetBaseHeader().GetBlock()
	verify, sumSize, bpc, err := checksumVerifier(op.GetRequestedChecksum())
	if err != nil {
		dn.respond(conn, pb.Status_ERROR, err.Error())
		return
	}
	if st := op.GetStage(); st != pb.OpWriteBlockProto_PIPELINE_SETUP_CREATE {
		dn.respond(conn, pb.Status_ERROR_UNSUPPORTED, fmt.Sprintf("block construction stage %s is not supported for %s", st, blockName(b)))
		return
	}
	if targets := op.GetTargets(); len(targets) > 0 {
		id := targets[0].GetId()
		_ = writeDelimited(conn, &pb.BlockOpResponseProto{
			Status:       pb.Status_ERROR.Enum(),
			FirstBadLink: proto.String(fmt.Sprintf("%s:%d", id.GetIpAddr(), id.GetXferPort())),
			Message:      proto.String("the cluster has one datanode: no downstream targets"),
		})
		return
	}
	if b.GetPoolId() != dn.poolID {
		dn.respond(conn, pb.Status_ERROR, "unknown block pool in "+blockName(b))
		return
	}
	alloc, ok := dn.allocated(b.GetBlockId())
	if !ok || alloc.genStamp != b.GetGenerationStamp() {
		dn.respond(conn, pb.Status_ERROR, "block "+blockName(b)+" was not allocated by the namenode")
		return
	}
	if err := dn.createReplica(b.GetBlockId(), alloc.genStamp); err != nil {
		dn.respond(conn, pb.Status_ERROR, err.Error())
		return
	}
	w := bufio.NewWriter(conn)
	// FirstBadLink is sent even when empty: clients read at least five
	// bytes of this response.
	if writeDelimited(w, &pb.BlockOpResponseProto{Status: pb.Status_SUCCESS.Enum(), FirstBadLink: proto.String("")}) != nil || w.Flush() != nil {
		return
	}
	for {
		p, err := readPacket(r, bpc, sumSize)
		if err != nil {
			dn.log.Debug("write pipeline ended", zap.String("block", blockName(b)), zap.Error(err))
			return
		}
		seqno := p.hdr.GetSeqno()
		status := pb.Status_SUCCESS
		last := p.hdr.GetLastPacketInBlock()
		if seqno != heartbeatSeqno {
			status, err = dn.receive(b.GetBlockId(), alloc.blockSize, p, verify, bpc, sumSize)
			if err != nil {
				dn.log.Debug("packet refused", zap.String("block", blockName(b)), zap.Int64("seqno", seqno), zap.Error(err))
			}
		}
		ack := &pb.PipelineAckProto{Seqno: proto.Int64(seqno), Reply: []pb.Status{status}}
		if writeDelimited(w, ack) != nil || w.Flush() != nil || status != pb.Status_SUCCESS || last {
			return
		}
	}
}

// receive checks one packet and appends it to the replica; the last packet
// finalizes it.
func (dn *datanode) receive(id, blockSize uint64, p packet, verify func([]byte) uint32, bpc, sumSize int) (pb.Status, error) {
	if verify != nil {
		for i, off := 0, 0; off < len(p.data); i, off = i+1, off+bpc {
			chunk := p.data[off:min(off+bpc, len(p.data))]
			if got, want := verify(chunk), binary.BigEndian.Uint32(p.sums[i*sumSize:]); got != want {
				return pb.Status_ERROR_CHECKSUM, fmt.Errorf("checksum error in chunk %d at offset %d: got %#x, want %#x", i, p.hdr.GetOffsetInBlock()+int64(off), got, want)
			}
		}
	}
	dn.mu.Lock()
	defer dn.mu.Unlock()
	rep := dn.replicas[id]
	switch {
	case rep == nil:
		return pb.Status_ERROR, fmt.Errorf("replica blk_%d was deleted", id)
	case rep.finalized:
		return pb.Status_ERROR, fmt.Errorf("replica blk_%d is already finalized", id)
	case p.hdr.GetOffsetInBlock() != int64(len(rep.data)):
		return pb.Status_ERROR, fmt.Errorf("packet offset %d: replica blk_%d has %d bytes", p.hdr.GetOffsetInBlock(), id, len(rep.data))
	case uint64(len(rep.data)+len(p.data)) > blockSize:
		return pb.Status_ERROR, fmt.Errorf("replica blk_%d would exceed the block size %d", id, blockSize)
	}
	rep.appendData(p.data, int(blockSize))
	if p.hdr.GetLastPacketInBlock() {
		rep.finalized = true
	}
	return pb.Status_SUCCESS, nil
}

func (dn *datanode) createReplica(id, genStamp uint64) error {
	dn.mu.Lock()
	defer dn.mu.Unlock()
	if old := dn.replicas[id]; old != nil {
		state := "RBW"
		if old.finalized {
			state = "FINALIZED"
		}
		return fmt.Errorf("block blk_%d_%d already exists in state %s and thus cannot be created.", id, genStamp, state)
	}
	dn.replicas[id] = &replica{id: id, genStamp: genStamp}
	return nil
}

// checksumVerifier returns the checksum function, checksum size and chunk
// size a writer asked for.
func checksumVerifier(c *pb.ChecksumProto) (func([]byte) uint32, int, int, error) {
	bpc := int(c.GetBytesPerChecksum())
	if bpc <= 0 || bpc > maxPacketSize {
		return nil, 0, 0, fmt.Errorf("invalid bytesPerChecksum %d", bpc)
	}
	switch c.GetType() {
	case pb.ChecksumTypeProto_CHECKSUM_CRC32C:
		return func(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }, 4, bpc, nil
	case pb.ChecksumTypeProto_CHECKSUM_CRC32:
		return crc32.ChecksumIEEE, 4, bpc, nil
	case pb.ChecksumTypeProto_CHECKSUM_NULL:
		return nil, 0, bpc, nil
	}
	return nil, 0, 0, fmt.Errorf("unsupported checksum type %s", c.GetType())
}
