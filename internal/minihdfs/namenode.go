package minihdfs

import (
	"sort"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/internal/minihdfs/hadooppb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

// Numbering HDFS starts from: the first block id of a fresh cluster
// (SequentialBlockIdGenerator.LAST_RESERVED_BLOCK_ID + 1) and generation
// stamp (GenerationStamp.LAST_RESERVED_STAMP + 1).
const (
	firstBlockID  = 1<<30 + 1
	firstGenStamp = 1001
)

// method is one ClientProtocol method: it decodes the request body and
// returns the response or the exception to report.
type method func(cc *callContext, body []byte) (proto.Message, *remoteError)

// unary adapts a typed handler to a method.
func unary[Req any, PReq interface {
	*Req
	proto.Message
}, Resp proto.Message](fn func(*callContext, PReq) (Resp, *remoteError)) method {
	return func(cc *callContext, body []byte) (proto.Message, *remoteError) {
		req := PReq(new(Req))
		if err := proto.Unmarshal(body, req); err != nil {
			return nil, remote(classRPCServer, "cannot decode %s: %v", req.ProtoReflect().Descriptor().Name(), err)
		}
		return fn(cc, req)
	}
}

// namenode holds the namespace and block map and serves ClientProtocol.
type namenode struct {
	cfg     Config
	log     *zap.Logger
	dn      *datanode
	poolID  string
	methods map[string]method

	mu        sync.Mutex
	ns        *namespace
	blocks    map[uint64]*inode // block id -> file
	nextBlock uint64
	nextStamp uint64
	users     map[string]struct{}
}

func newNamenode(cfg Config, dn *datanode, poolID string) *namenode {
	nn := &namenode{
		cfg:       cfg,
		log:       cfg.Logger.Named("namenode"),
		dn:        dn,
		poolID:    poolID,
		ns:        newNamespace(cfg.Superuser, cfg.Supergroup, nowMillis()),
		blocks:    map[uint64]*inode{},
		nextBlock: firstBlockID,
		nextStamp: firstGenStamp,
		users:     map[string]struct{}{},
	}
	nn.methods = map[string]method{
		"getServerDefaults":      unary(nn.getServerDefaults),
		"getFileInfo":            unary(nn.getFileInfo),
		"getListing":             unary(nn.getListing),
		"mkdirs":                 unary(nn.mkdirs),
		"delete":                 unary(nn.delete),
		"rename":                 unary(nn.rename),
		"rename2":                unary(nn.rename2),
		"setPermission":          unary(nn.setPermission),
		"setOwner":               unary(nn.setOwner),
		"setTimes":               unary(nn.setTimes),
		"getContentSummary":      unary(nn.getContentSummary),
		"create":                 unary(nn.create),
		"addBlock":               unary(nn.addBlock),
		"updateBlockForPipeline": unary(nn.updateBlockForPipeline),
		"complete":               unary(nn.complete),
		"getBlockLocations":      unary(nn.getBlockLocations),
		"renewLease":             unary(nn.renewLease),
	}
	return nn
}

func nowMillis() uint64 { return uint64(time.Now().UnixMilli()) }

func (nn *namenode) recordUser(user string) {
	nn.mu.Lock()
	nn.users[user] = struct{}{}
	nn.mu.Unlock()
}

func (nn *namenode) userList() []string {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	out := make([]string, 0, len(nn.users))
	for u := range nn.users {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// status describes n as HdfsFileStatusProto; name is the local name the
// caller expects (empty for getFileInfo, as on HDFS).
func (nn *namenode) status(n *inode, name string) *pb.HdfsFileStatusProto {
	st := &pb.HdfsFileStatusProto{
		Path:             []byte(name),
		Permission:       &pb.FsPermissionProto{Perm: proto.Uint32(n.perm)},
		Owner:            proto.String(n.owner),
		Group:            proto.String(n.group),
		ModificationTime: proto.Uint64(n.mtime),
		AccessTime:       proto.Uint64(n.atime),
		FileId:           proto.Uint64(n.id),
		StoragePolicy:    proto.Uint32(0),
		Flags:            proto.Uint32(0),
	}
	if n.isDir() {
		st.FileType = pb.HdfsFileStatusProto_IS_DIR.Enum()
		st.Length = proto.Uint64(0)
		st.ChildrenNum = proto.Int32(int32(len(n.children)))
		st.BlockReplication = proto.Uint32(0)
		st.Blocksize = proto.Uint64(0)
	} else {
		st.FileType = pb.HdfsFileStatusProto_IS_FILE.Enum()
		st.Length = proto.Uint64(n.length())
		st.ChildrenNum = proto.Int32(0)
		st.BlockReplication = proto.Uint32(n.replication)
		st.Blocksize = proto.Uint64(n.blockSize)
	}
	return st
}

// forgetBlocks drops blocks of deleted or replaced files from the block map
// and tells the DataNode to delete the replicas, as a heartbeat's
// invalidation command would.
func (nn *namenode) forgetBlocks(blocks []*blockInfo) {
	ids := make([]uint64, 0, len(blocks))
	for _, b := range blocks {
		delete(nn.blocks, b.id)
		ids = append(ids, b.id)
	}
	nn.dn.invalidate(ids)
}

func (nn *namenode) getServerDefaults(_ *callContext, _ *pb.GetServerDefaultsRequestProto) (*pb.GetServerDefaultsResponseProto, *remoteError) {
	return &pb.GetServerDefaultsResponseProto{ServerDefaults: &pb.FsServerDefaultsProto{
		BlockSize:           proto.Uint64(uint64(nn.cfg.BlockSize)),
		BytesPerChecksum:    proto.Uint32(bytesPerChecksum),
		WritePacketSize:     proto.Uint32(64 << 10),
		Replication:         proto.Uint32(uint32(nn.cfg.Replication)),
		FileBufferSize:      proto.Uint32(4096),
		EncryptDataTransfer: proto.Bool(false),
		TrashInterval:       proto.Uint64(0),
		ChecksumType:        pb.ChecksumTypeProto_CHECKSUM_CRC32C.Enum(),
	}}, nil
}

// renewLease accepts the renewal: leases here never expire, so a writer that
// stops renewing keeps its files open until it completes them.
func (nn *namenode) renewLease(_ *callContext, req *pb.RenewLeaseRequestProto) (*pb.RenewLeaseResponseProto, *remoteError) {
	if req.GetClientName() == "" {
		return nil, remote(classIllegalArgument, "renewLease: empty client name")
	}
	return &pb.RenewLeaseResponseProto{}, nil
}
