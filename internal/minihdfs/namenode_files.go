package minihdfs

import (
	pb "github.com/spindlehq/spindle/internal/minihdfs/hadooppb"
	"google.golang.org/protobuf/proto"
)

// create adds an empty file under construction, leased to the client.
func (nn *namenode) create(cc *callContext, req *pb.CreateRequestProto) (*pb.CreateResponseProto, *remoteError) {
	src := req.GetSrc()
	comps, err := parsePath(src)
	if err != nil {
		return nil, err
	}
	flags := req.GetCreateFlag()
	blockSize := req.GetBlockSize()
	switch {
	case flags&uint32(pb.CreateFlagProto_APPEND) != 0:
		return nil, remote(classUnsupportedOperation, "create %s: APPEND is not supported", src)
	case flags&uint32(pb.CreateFlagProto_CREATE|pb.CreateFlagProto_OVERWRITE) == 0:
		return nil, remote(classIllegalArgument, "create %s: createFlag %#x has neither CREATE nor OVERWRITE", src, flags)
	case req.GetClientName() == "":
		return nil, remote(classIllegalArgument, "create %s: empty client name", src)
	case blockSize < bytesPerChecksum || blockSize > maxBlockSize || blockSize%bytesPerChecksum != 0:
		return nil, remote(classIO, "Specified block size %d for %s is invalid: want a multiple of %d between %d and %d",
			blockSize, src, bytesPerChecksum, bytesPerChecksum, maxBlockSize)
	case req.GetReplication() < 1 || req.GetReplication() > 512:
		return nil, remote(classIO, "Requested replication factor of %d for %s is outside [1, 512]", req.GetReplication(), src)
	}
	nn.mu.Lock()
	defer nn.mu.Unlock()
	f, replaced, err := nn.ns.create(comps, createSpec{
		perm:         req.GetMasked().GetPerm(),
		owner:        cc.user,
		clientName:   req.GetClientName(),
		replication:  req.GetReplication(),
		blockSize:    blockSize,
		overwrite:    flags&uint32(pb.CreateFlagProto_OVERWRITE) != 0,
		createParent: req.GetCreateParent(),
	}, nowMillis())
	if err != nil {
		return nil, err
	}
	nn.forgetBlocks(replaced)
	return &pb.CreateResponseProto{Fs: nn.status(f, "")}, nil
}

// openFile finds a file under construction by path and checks that the
// client holds its lease and, when given, that its inode id matches.
func (nn *namenode) openFile(src, clientName string, fileID uint64) (*inode, *remoteError) {
	comps, err := parsePath(src)
	if err != nil {
		return nil, err
	}
	f := nn.ns.get(comps)
	switch {
	case f == nil || (fileID != 0 && f.id != fileID):
		return nil, remote(classFileNotFound, "File does not exist: %s (inode %d) Holder %s does not have any open files.", src, fileID, clientName)
	case f.isDir():
		return nil, remote(classFileNotFound, "Path is not a file: %s", src)
	case f.leaseHolder != clientName:
		return nil, remote(classLeaseExpired, "No lease on %s (inode %d): File is not open for writing. Holder %s does not have any open files.", src, f.id, clientName)
	}
	return f, nil
}

// commit records the length the writer reports for a file's last block.
func (nn *namenode) commit(f *inode, b *pb.ExtendedBlockProto) *remoteError {
	last := f.blocks[len(f.blocks)-1]
	if b.GetPoolId() != nn.poolID || b.GetBlockId() != last.id {
		return remote(classIO, "%s: block %s:blk_%d is not the last block of the file (blk_%d)", f.path(), b.GetPoolId(), b.GetBlockId(), last.id)
	}
	if b.GetNumBytes() > f.blockSize {
		return remote(classIO, "%s: block blk_%d length %d exceeds the block size %d", f.path(), last.id, b.GetNumBytes(), f.blockSize)
	}
	last.numBytes = b.GetNumBytes()
	last.committed = true
	return nil
}

// replicated reports whether the DataNode holds a finalized replica of
// each committed block of f with the committed length, as block reports
// would tell a real NameNode. A block committed empty needs no replica: a
// writer that never sent data never contacted the DataNode.
func (nn *namenode) replicated(f *inode) bool {
	for _, b := range f.blocks {
		rs, ok := nn.dn.replicaState(b.id)
		switch {
		case !b.committed:
			return false
		case !ok && b.numBytes == 0:
		case !ok || !rs.finalized || rs.length != b.numBytes:
			return false
		}
	}
	return true
}

// addBlock commits the previous block and allocates the next one on the
// DataNode.
func (nn *namenode) addBlock(_ *callContext, req *pb.AddBlockRequestProto) (*pb.AddBlockResponseProto, *remoteError) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	f, err := nn.openFile(req.GetSrc(), req.GetClientName(), req.GetFileId())
	if err != nil {
		return nil, err
	}
	switch prev := req.GetPrevious(); {
	case prev == nil && len(f.blocks) > 0:
		return nil, remote(classIO, "addBlock %s: no previous block given but the file has %d blocks", req.GetSrc(), len(f.blocks))
	case prev != nil && len(f.blocks) == 0:
		return nil, remote(classIO, "addBlock %s: previous block blk_%d given but the file has no blocks", req.GetSrc(), prev.GetBlockId())
	case prev != nil:
		if err := nn.commit(f, prev); err != nil {
			return nil, err
		}
		if !nn.replicated(f) {
			return nil, remote(classNotReplicatedYet, "Not replicated yet: %s", req.GetSrc())
		}
	}
	offset := f.length()
	b := &blockInfo{id: nn.nextBlock, genStamp: nn.nextStamp}
	nn.nextBlock++
	nn.nextStamp++
	f.blocks = append(f.blocks, b)
	nn.blocks[b.id] = f
	return &pb.AddBlockResponseProto{Block: nn.locatedBlock(b, offset, b.genStamp)}, nil
}

// updateBlockForPipeline hands out a new generation stamp for the block
// being written, as for pipeline recovery; the stamp takes effect only
// through updatePipeline, which this cluster never needs (its pipeline has
// one DataNode), so the block keeps its stamp.
func (nn *namenode) updateBlockForPipeline(_ *callContext, req *pb.UpdateBlockForPipelineRequestProto) (*pb.UpdateBlockForPipelineResponseProto, *remoteError) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	blk := req.GetBlock()
	f := nn.blocks[blk.GetBlockId()]
	if f == nil || blk.GetPoolId() != nn.poolID {
		return nil, remote(classIO, "updateBlockForPipeline: block %s:blk_%d does not exist", blk.GetPoolId(), blk.GetBlockId())
	}
	if f.leaseHolder != req.GetClientName() {
		return nil, remote(classLeaseExpired, "No lease on %s: File is not open for writing. Holder %s does not have any open files.", f.path(), req.GetClientName())
	}
	last := f.blocks[len(f.blocks)-1]
	if last.id != blk.GetBlockId() {
		return nil, remote(classIO, "blk_%d of %s is not under construction", blk.GetBlockId(), f.path())
	}
	stamp := nn.nextStamp
	nn.nextStamp++
	offset := f.length() - last.numBytes
	return &pb.UpdateBlockForPipelineResponseProto{Block: nn.locatedBlock(last, offset, stamp)}, nil
}

// complete commits the last block and closes the file. It answers false,
// like a real NameNode, while the DataNode has not finalized every block;
// the writer then calls again.
func (nn *namenode) complete(_ *callContext, req *pb.CompleteRequestProto) (*pb.CompleteResponseProto, *remoteError) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	if comps, err := parsePath(req.GetSrc()); err == nil {
		// A retried complete of a file already closed succeeds.
		if f := nn.ns.get(comps); f != nil && !f.isDir() && f.leaseHolder == "" && (req.GetFileId() == 0 || req.GetFileId() == f.id) {
			return &pb.CompleteResponseProto{Result: proto.Bool(true)}, nil
		}
	}
	f, err := nn.openFile(req.GetSrc(), req.GetClientName(), req.GetFileId())
	if err != nil {
		return nil, err
	}
	last := req.GetLast()
	switch {
	case last != nil && len(f.blocks) == 0:
		return nil, remote(classIO, "complete %s: last block blk_%d given but the file has no blocks", req.GetSrc(), last.GetBlockId())
	case last != nil:
		if err := nn.commit(f, last); err != nil {
			return nil, err
		}
	case len(f.blocks) > 0 && !f.blocks[len(f.blocks)-1].committed:
		// A retried complete may omit the block it committed before.
		return nil, remote(classIO, "complete %s: the last block is not committed and none was given", req.GetSrc())
	}
	if !nn.replicated(f) {
		return &pb.CompleteResponseProto{Result: proto.Bool(false)}, nil
	}
	now := nowMillis()
	f.leaseHolder = ""
	f.mtime, f.atime = now, now
	return &pb.CompleteResponseProto{Result: proto.Bool(true)}, nil
}

// getBlockLocations lists the blocks of a file that overlap
// [offset, offset+length), each on the one DataNode.
func (nn *namenode) getBlockLocations(_ *callContext, req *pb.GetBlockLocationsRequestProto) (*pb.GetBlockLocationsResponseProto, *remoteError) {
	src := req.GetSrc()
	comps, err := parsePath(src)
	if err != nil {
		return nil, err
	}
	nn.mu.Lock()
	defer nn.mu.Unlock()
	f := nn.ns.get(comps)
	switch {
	case f == nil:
		return nil, remote(classFileNotFound, "File does not exist: %s", src)
	case f.isDir():
		return nil, remote(classFileNotFound, "Path is not a file: %s", src)
	}
	start, end := req.GetOffset(), req.GetOffset()+req.GetLength()
	if end < start { // overflow: to the end of the file
		end = ^uint64(0)
	}
	locs := &pb.LocatedBlocksProto{
		FileLength:          proto.Uint64(f.length()),
		UnderConstruction:   proto.Bool(f.leaseHolder != ""),
		IsLastBlockComplete: proto.Bool(f.leaseHolder == ""),
	}
	var off uint64
	for i, b := range f.blocks {
		lb := nn.locatedBlock(b, off, b.genStamp)
		if off < end && off+b.numBytes > start {
			locs.Blocks = append(locs.Blocks, lb)
		}
		if i == len(f.blocks)-1 {
			locs.LastBlock = lb
		}
		off += b.numBytes
	}
	return &pb.GetBlockLocationsResponseProto{Locations: locs}, nil
}

// locatedBlock describes block b at offset in its file, held by the DataNode.
func (nn *namenode) locatedBlock(b *blockInfo, offset, genStamp uint64) *pb.LocatedBlockProto {
	return &pb.LocatedBlockProto{
		B: &pb.ExtendedBlockProto{
			PoolId:          proto.String(nn.poolID),
			BlockId:         proto.Uint64(b.id),
			GenerationStamp: proto.Uint64(genStamp),
			NumBytes:        proto.Uint64(b.numBytes),
		},
		Offset:  proto.Uint64(offset),
		Locs:    []*pb.DatanodeInfoProto{nn.dn.info()},
		Corrupt: proto.Bool(false),
		// Block access tokens are off (dfs.block.access.token.enable=false):
		// an empty token, as a real NameNode sends then.
		BlockToken: &pb.TokenProto{
			Identifier: []byte{},
			Password:   []byte{},
			Kind:       proto.String(""),
			Service:    proto.String(""),
		},
		IsCached:     []bool{false},
		StorageTypes: []pb.StorageTypeProto{pb.StorageTypeProto_DISK},
		StorageIDs:   []string{nn.dn.storageID},
	}
}

// allocation tells the DataNode whether a block may be written: it must be
// the block being written of a file under construction.
func (nn *namenode) allocation(id uint64) (allocation, bool) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	f := nn.blocks[id]
	if f == nil || f.leaseHolder == "" {
		return allocation{}, false
	}
	last := f.blocks[len(f.blocks)-1]
	if last.id != id {
		return allocation{}, false
	}
	return allocation{genStamp: last.genStamp, blockSize: f.blockSize}, true
}
