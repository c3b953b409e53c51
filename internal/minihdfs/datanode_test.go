package minihdfs

import (
	"bufio"
	"encoding/binary"
	"hash/crc32"
	"net"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/internal/minihdfs/hadooppb"
	"google.golang.org/protobuf/proto"
)

// dnConn is a hand-driven data transfer connection.
type dnConn struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialDN(t *testing.T, c *Cluster, version uint16, op byte, msg proto.Message) *dnConn {
	t.Helper()
	conn, err := net.Dial("tcp", c.DataNodeAddr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	b := binary.BigEndian.AppendUint16(nil, version)
	b = append(b, op)
	if b, err = appendDelimited(b, msg); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
	return &dnConn{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (d *dnConn) read(m proto.Message) {
	d.t.Helper()
	if err := readDelimited(d.r, m); err != nil {
		d.t.Fatalf("read %T: %v", m, err)
	}
}

func (d *dnConn) packet(offset, seqno int64, last bool, data []byte, corrupt bool) {
	d.t.Helper()
	var sums []byte
	for off := 0; off < len(data); off += bytesPerChecksum {
		sums = binary.BigEndian.AppendUint32(sums, crc32.Checksum(data[off:min(off+bytesPerChecksum, len(data))], castagnoli))
	}
	if corrupt {
		sums[0] ^= 1
	}
	if err := writePacket(d.conn, packet{hdr: packetHeader(uint64(offset), seqno, last, len(data)), sums: sums, data: data}); err != nil {
		d.t.Fatal(err)
	}
}

func (d *dnConn) ack() *pb.PipelineAckProto {
	d.t.Helper()
	ack := &pb.PipelineAckProto{}
	d.read(ack)
	return ack
}

func writeOp(b *pb.LocatedBlockProto) *pb.OpWriteBlockProto {
	return &pb.OpWriteBlockProto{
		Header: &pb.ClientOperationHeaderProto{
			BaseHeader: &pb.BaseHeaderProto{Block: b.GetB(), Token: b.GetBlockToken()},
			ClientName: proto.String("client-1"),
		},
		Stage:                 pb.OpWriteBlockProto_PIPELINE_SETUP_CREATE.Enum(),
		PipelineSize:          proto.Uint32(1),
		MinBytesRcvd:          proto.Uint64(0),
		MaxBytesRcvd:          proto.Uint64(0),
		LatestGenerationStamp: proto.Uint64(0),
		RequestedChecksum:     &pb.ChecksumProto{Type: pb.ChecksumTypeProto_CHECKSUM_CRC32C.Enum(), BytesPerChecksum: proto.Uint32(bytesPerChecksum)},
	}
}

func readOp(b *pb.ExtendedBlockProto, offset, length uint64) *pb.OpReadBlockProto {
	return &pb.OpReadBlockProto{
		Header: &pb.ClientOperationHeaderProto{BaseHeader: &pb.BaseHeaderProto{Block: b}, ClientName: proto.String("reader")},
		Offset: proto.Uint64(offset),
		Len:    proto.Uint64(length),
	}
}

// allocateBlock creates path and allocates its first block.
func allocateBlock(t *testing.T, c *Cluster, path string) (*rawRPC, *pb.LocatedBlockProto) {
	t.Helper()
	r := dialRaw(t, c.Addr())
	r.send(handshakeBytes(t, "dn-test"))
	if hdr := r.call("create", createRequest(path, "client-1", uint32(pb.CreateFlagProto_CREATE)), &pb.CreateResponseProto{}); hdr.GetStatus() != pb.RpcResponseHeaderProto_SUCCESS {
		t.Fatalf("create %s = %v", path, hdr)
	}
	add := &pb.AddBlockResponseProto{}
	if hdr := r.call("addBlock", &pb.AddBlockRequestProto{Src: proto.String(path), ClientName: proto.String("client-1")}, add); hdr.GetStatus() != pb.RpcResponseHeaderProto_SUCCESS {
		t.Fatalf("addBlock %s = %v", path, hdr)
	}
	return r, add.GetBlock()
}

func TestDatanodeWritePipeline(t *testing.T) {
	c := startTestCluster(t, nil)
	r, blk := allocateBlock(t, c, "/p")
	d := dialDN(t, c, dataTransferVersion, opWriteBlock, writeOp(blk))
	resp := &pb.BlockOpResponseProto{}
	d.read(resp)
	if resp.GetStatus() != pb.Status_SUCCESS {
		t.Fatalf("write block response %v", resp)
	}
	data := randomData(1500, 9)
	d.packet(0, 1, false, data[:1000], false)
	if ack := d.ack(); ack.GetSeqno() != 1 || len(ack.GetReply()) != 1 || ack.GetReply()[0] != pb.Status_SUCCESS {
		t.Fatalf("ack of packet 1 = %v", ack)
	}
	d.packet(0, heartbeatSeqno, false, nil, false)
	if ack := d.ack(); ack.GetSeqno() != heartbeatSeqno || ack.GetReply()[0] != pb.Status_SUCCESS {
		t.Fatalf("ack of a heartbeat = %v", ack)
	}
	d.packet(1000, 2, false, data[1000:], false)
	if ack := d.ack(); ack.GetSeqno() != 2 || ack.GetReply()[0] != pb.Status_SUCCESS {
		t.Fatalf("ack of packet 2 = %v", ack)
	}
	d.packet(1500, 3, true, nil, false)
	if ack := d.ack(); ack.GetSeqno() != 3 || ack.GetReply()[0] != pb.Status_SUCCESS {
		t.Fatalf("ack of the last packet = %v", ack)
	}

	last := proto.Clone(blk.GetB()).(*pb.ExtendedBlockProto)
	last.NumBytes = proto.Uint64(1500)
	done := &pb.CompleteResponseProto{}
	if hdr := r.call("complete", &pb.CompleteRequestProto{Src: proto.String("/p"), ClientName: proto.String("client-1"), Last: last}, done); !done.GetResult() {
		t.Fatalf("complete = %v, %v", hdr, done.GetResult())
	}

	// A read from an unaligned offset starts at the chunk boundary below it.
	rd := dialDN(t, c, dataTransferVersion, opReadBlock, readOp(last, 700, 800))
	rresp := &pb.BlockOpResponseProto{}
	rd.read(rresp)
	info := rresp.GetReadOpChecksumInfo()
	if rresp.GetStatus() != pb.Status_SUCCESS || info.GetChunkOffset() != 512 || info.GetChecksum().GetType() != pb.ChecksumTypeProto_CHECKSUM_CRC32C {
		t.Fatalf("read response %v", rresp)
	}
	p, err := readPacket(rd.r, bytesPerChecksum, 4)
	if err != nil {
		t.Fatal(err)
	}
	if p.hdr.GetOffsetInBlock() != 512 || string(p.data) != string(data[512:1500]) {
		t.Fatalf("packet at %d with %d bytes, want 988 bytes at 512", p.hdr.GetOffsetInBlock(), len(p.data))
	}
	for i := 0; i*bytesPerChecksum < len(p.data); i++ {
		chunk := p.data[i*bytesPerChecksum : min((i+1)*bytesPerChecksum, len(p.data))]
		if binary.BigEndian.Uint32(p.sums[i*4:]) != crc32.Checksum(chunk, castagnoli) {
			t.Fatalf("chunk %d checksum does not match its data", i)
		}
	}
	if end, err := readPacket(rd.r, bytesPerChecksum, 4); err != nil || !end.hdr.GetLastPacketInBlock() || len(end.data) != 0 {
		t.Fatalf("after the data: %v, %v; want an empty last packet", end.hdr, err)
	}

	beyond := dialDN(t, c, dataTransferVersion, opReadBlock, readOp(last, 1000, 501))
	beyond.read(rresp)
	if rresp.GetStatus() != pb.Status_ERROR || !strings.Contains(rresp.GetMessage(), "don't match") {
		t.Fatalf("read beyond the replica = %v", rresp)
	}

	// Rewriting a finalized block is refused.
	again := dialDN(t, c, dataTransferVersion, opWriteBlock, writeOp(blk))
	again.read(resp)
	if resp.GetStatus() != pb.Status_ERROR {
		t.Fatalf("second write of a block = %v", resp)
	}
}

func TestDatanodeRefusals(t *testing.T) {
	c := startTestCluster(t, nil)
	_, blk := allocateBlock(t, c, "/r")
	withTargets := writeOp(blk)
	withTargets.Targets = []*pb.DatanodeInfoProto{{Id: &pb.DatanodeIDProto{
		IpAddr: proto.String("127.0.0.2"), HostName: proto.String("other"), DatanodeUuid: proto.String("u"),
		XferPort: proto.Uint32(9866), InfoPort: proto.Uint32(0), IpcPort: proto.Uint32(0),
	}}}
	unknown := writeOp(blk)
	unknown.Header.BaseHeader.Block = &pb.ExtendedBlockProto{PoolId: blk.GetB().PoolId, BlockId: proto.Uint64(999), GenerationStamp: proto.Uint64(1)}
	append1 := writeOp(blk)
	append1.Stage = pb.OpWriteBlockProto_PIPELINE_SETUP_APPEND.Enum()
	badSum := writeOp(blk)
	badSum.RequestedChecksum.Type = pb.ChecksumTypeProto(9).Enum()
	cases := []struct {
		name    string
		version uint16
		op      byte
		msg     proto.Message
		status  pb.Status
		message string
	}{
		{"old protocol version", 27, opReadBlock, readOp(blk.GetB(), 0, 0), pb.Status_ERROR, "Version Mismatch"},
		{"unsupported operation", dataTransferVersion, 0x55, &pb.OpBlockChecksumProto{Header: &pb.BaseHeaderProto{Block: blk.GetB()}}, pb.Status_ERROR_UNSUPPORTED, "0x55"},
		{"pipeline with targets", dataTransferVersion, opWriteBlock, withTargets, pb.Status_ERROR, "one datanode"},
		{"block not allocated", dataTransferVersion, opWriteBlock, unknown, pb.Status_ERROR, "not allocated"},
		{"append stage", dataTransferVersion, opWriteBlock, append1, pb.Status_ERROR_UNSUPPORTED, "PIPELINE_SETUP_APPEND"},
		{"unknown checksum", dataTransferVersion, opWriteBlock, badSum, pb.Status_ERROR, "checksum"},
		{"read a missing replica", dataTransferVersion, opReadBlock, readOp(unknown.Header.BaseHeader.Block, 0, 0), pb.Status_ERROR, "Replica not found"},
		{"read a block not yet written", dataTransferVersion, opReadBlock, readOp(blk.GetB(), 0, 1), pb.Status_ERROR, "Replica not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := dialDN(t, c, tc.version, tc.op, tc.msg)
			resp := &pb.BlockOpResponseProto{}
			d.read(resp)
			if resp.GetStatus() != tc.status || !strings.Contains(resp.GetMessage(), tc.message) {
				t.Fatalf("response %v, want %s mentioning %q", resp, tc.status, tc.message)
			}
			if tc.name == "pipeline with targets" && resp.GetFirstBadLink() != "127.0.0.2:9866" {
				t.Fatalf("firstBadLink %q", resp.GetFirstBadLink())
			}
		})
	}
}

func TestDatanodeRejectsBadPackets(t *testing.T) {
	cases := []struct {
		name   string
		send   func(d *dnConn)
		status pb.Status
	}{
		{"checksum mismatch", func(d *dnConn) { d.packet(0, 1, false, randomData(600, 1), true) }, pb.Status_ERROR_CHECKSUM},
		{"packet at the wrong offset", func(d *dnConn) { d.packet(512, 1, false, randomData(600, 1), false) }, pb.Status_ERROR},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := startTestCluster(t, nil)
			_, blk := allocateBlock(t, c, "/bad")
			d := dialDN(t, c, dataTransferVersion, opWriteBlock, writeOp(blk))
			d.read(&pb.BlockOpResponseProto{})
			tc.send(d)
			if ack := d.ack(); ack.GetSeqno() != 1 || ack.GetReply()[0] != tc.status {
				t.Fatalf("ack %v, want %s", ack, tc.status)
			}
			if state, ok := c.dn.replicaState(blk.GetB().GetBlockId()); !ok || state.length != 0 || state.finalized {
				t.Fatalf("replica after a refused packet: %+v, %v; want empty and open", state, ok)
			}
		})
	}
	t.Run("inconsistent lengths", func(t *testing.T) {
		c := startTestCluster(t, nil)
		_, blk := allocateBlock(t, c, "/bad")
		d := dialDN(t, c, dataTransferVersion, opWriteBlock, writeOp(blk))
		d.read(&pb.BlockOpResponseProto{})
		hdr, _ := proto.Marshal(packetHeader(0, 1, false, 100))
		b := binary.BigEndian.AppendUint32(nil, 4+3) // 100 data bytes claimed, 3 sent
		b = binary.BigEndian.AppendUint16(b, uint16(len(hdr)))
		b = append(append(b, hdr...), 1, 2, 3)
		if _, err := d.conn.Write(b); err != nil {
			t.Fatal(err)
		}
		if err := readDelimited(d.r, &pb.PipelineAckProto{}); err == nil {
			t.Fatal("the datanode acknowledged a malformed packet")
		}
	})
}
