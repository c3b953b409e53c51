package minihdfs

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/internal/minihdfs/hadooppb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

// DataTransferProtocol constants (org.apache.hadoop.hdfs.protocol.datatransfer).
const (
	dataTransferVersion = 28
	opWriteBlock        = 0x50
	opReadBlock         = 0x51
	maxOpLength         = 1 << 20
	// maxPacketSize is PacketReceiver.MAX_PACKET_SIZE.
	maxPacketSize = 16 << 20
	// maxPacketHeaderLength bounds a PacketHeaderProto, a few dozen bytes.
	maxPacketHeaderLength = 1 << 10
	// readPacketSize is the data per packet the DataNode sends on reads.
	readPacketSize = 64 << 10
	// datanodeCapacity is the capacity the DataNode reports.
	datanodeCapacity = 1 << 40
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// allocation is what the NameNode knows of a block the DataNode is asked to
// write; it stands in for the block token and the pool registration a real
// DataNode checks.
type allocation struct {
	genStamp  uint64
	blockSize uint64
}

// datanode stores replicas in memory and serves DataTransferProtocol.
type datanode struct {
	log       *zap.Logger
	uuid      string
	storageID string
	poolID    string
	srv       *tcpServer
	host      string
	port      int
	// allocated asks the NameNode about a block; it must not be called with
	// mu held (the NameNode calls into the DataNode under its own lock).
	allocated func(blockID uint64) (allocation, bool)

	mu       sync.Mutex
	replicas map[uint64]*replica
}

// replica is one block's data on the DataNode. crcs holds the CRC32C of
// each 512-byte chunk of data (the last chunk may be partial), the
// counterpart of a real DataNode's .meta file.
type replica struct {
	id        uint64
	genStamp  uint64
	data      []byte
	crcs      []uint32
	finalized bool
}

// replicaState is a replica as the NameNode sees it in a block report.
type replicaState struct {
	length    uint64
	genStamp  uint64
	finalized bool
}

// appendData adds p, which fits within limit bytes in all, and updates the
// checksums of the chunks it touched.
func (r *replica) appendData(p []byte, limit int) {
	first := len(r.data) / bytesPerChecksum
	if need := len(r.data) + len(p); need > cap(r.data) {
		// Double (append grows large slices by only a quarter, which
		// makes writing a block quadratic in copies), within the block size.
		grown := make([]byte, len(r.data), min(max(2*cap(r.data), need, 64<<10), max(limit, need)))
		copy(grown, r.data)
		r.data = grown
	}
	r.data = append(r.data, p...)
	r.crcs = r.crcs[:first]
	for off := first * bytesPerChecksum; off < len(r.data); off += bytesPerChecksum {
		end := min(off+bytesPerChecksum, len(r.data))
		r.crcs = append(r.crcs, crc32.Checksum(r.data[off:end], castagnoli))
	}
}

func newDatanode(uuid, poolID string, log *zap.Logger) *datanode {
	return &datanode{
		log:       log,
		uuid:      uuid,
		storageID: "DS-" + uuid,
		poolID:    poolID,
		replicas:  map[uint64]*replica{},
	}
}

// listen starts serving; allocated must be set before.
func (dn *datanode) listen(addr string) error {
	srv, err := listenTCP(addr, dn.log, dn.serve)
	if err != nil {
		return fmt.Errorf("minihdfs: datanode listen on %s: %w", addr, err)
	}
	host, port, err := net.SplitHostPort(srv.addr())
	if err == nil {
		dn.port, err = strconv.Atoi(port)
	}
	if err != nil {
		srv.close()
		return fmt.Errorf("minihdfs: datanode address %s: %w", srv.addr(), err)
	}
	dn.srv, dn.host = srv, host
	return nil
}

// info describes the DataNode as LocatedBlockProto lists it.
func (dn *datanode) info() *pb.DatanodeInfoProto {
	dn.mu.Lock()
	var used uint64
	for _, r := range dn.replicas {
		used += uint64(len(r.data))
	}
	dn.mu.Unlock()
	return &pb.DatanodeInfoProto{
		Id: &pb.DatanodeIDProto{
			IpAddr:       proto.String(dn.host),
			HostName:     proto.String("localhost"),
			DatanodeUuid: proto.String(dn.uuid),
			XferPort:     proto.Uint32(uint32(dn.port)),
			InfoPort:     proto.Uint32(0),
			IpcPort:      proto.Uint32(0),
		},
		Capacity:      proto.Uint64(datanodeCapacity),
		DfsUsed:       proto.Uint64(used),
		Remaining:     proto.Uint64(datanodeCapacity - min(used, datanodeCapacity)),
		BlockPoolUsed: proto.Uint64(used),
		LastUpdate:    proto.Uint64(uint64(time.Now().UnixMilli())),
		AdminState:    pb.DatanodeInfoProto_NORMAL.Enum(),
	}
}

func (dn *datanode) replicaState(id uint64) (replicaState, bool) {
	dn.mu.Lock()
	defer dn.mu.Unlock()
	r := dn.replicas[id]
	if r == nil {
		return replicaState{}, false
	}
	return replicaState{length: uint64(len(r.data)), genStamp: r.genStamp, finalized: r.finalized}, true
}

// invalidate deletes replicas, as the NameNode's invalidation command does.
func (dn *datanode) invalidate(ids []uint64) {
	dn.mu.Lock()
	defer dn.mu.Unlock()
	for _, id := range ids {
		delete(dn.replicas, id)
	}
}

// serve runs one data transfer connection: a version, an op code and the
// op's message, then the op's exchange.
func (dn *datanode) serve(conn net.Conn) {
	r := bufio.NewReader(conn)
	var hdr [3]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return
	}
	if v := binary.BigEndian.Uint16(hdr[:2]); v != dataTransferVersion {
		dn.respond(conn, pb.Status_ERROR, fmt.Sprintf("Version Mismatch (Expected: %d, Received: %d )", dataTransferVersion, v))
		return
	}
	switch hdr[2] {
	case opWriteBlock:
		dn.writeBlock(conn, r)
	case opReadBlock:
		dn.readBlock(conn, r)
	default:
		dn.respond(conn, pb.Status_ERROR_UNSUPPORTED, fmt.Sprintf("unsupported data transfer operation %#x", hdr[2]))
	}
}

// respond sends a BlockOpResponseProto with an explanatory message.
func (dn *datanode) respond(w io.Writer, status pb.Status, msg string) {
	dn.log.Debug("data transfer refused", zap.String("status", status.String()), zap.String("message", msg))
	_ = writeDelimited(w, &pb.BlockOpResponseProto{Status: status.Enum(), Message: proto.String(msg)})
}

func writeDelimited(w io.Writer, m proto.Message) error {
	b, err := appendDelimited(nil, m)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func readDelimited(r *bufio.Reader, m proto.Message) error {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return err
	}
	if n > maxOpLength {
		return fmt.Errorf("minihdfs: message of %d bytes exceeds %d", n, maxOpLength)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return err
	}
	return proto.Unmarshal(buf, m)
}

func blockName(b *pb.ExtendedBlockProto) string {
	return fmt.Sprintf("%s:blk_%d_%d", b.GetPoolId(), b.GetBlockId(), b.GetGenerationStamp())
}
