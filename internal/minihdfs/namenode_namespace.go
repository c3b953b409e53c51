package minihdfs

import (
	"bytes"

	pb "github.com/spindlehq/spindle/internal/minihdfs/hadooppb"
	"google.golang.org/protobuf/proto"
)

func (nn *namenode) getFileInfo(_ *callContext, req *pb.GetFileInfoRequestProto) (*pb.GetFileInfoResponseProto, *remoteError) {
	comps, err := parsePath(req.GetSrc())
	if err != nil {
		return nil, err
	}
	nn.mu.Lock()
	defer nn.mu.Unlock()
	resp := &pb.GetFileInfoResponseProto{}
	if n := nn.ns.get(comps); n != nil {
		resp.Fs = nn.status(n, "")
	}
	return resp, nil
}

// getListing returns up to ListingLimit entries after startAfter; a missing
// path gets no listing at all and a file gets itself, as on HDFS.
func (nn *namenode) getListing(_ *callContext, req *pb.GetListingRequestProto) (*pb.GetListingResponseProto, *remoteError) {
	comps, err := parsePath(req.GetSrc())
	if err != nil {
		return nil, err
	}
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n := nn.ns.get(comps)
	if n == nil {
		return &pb.GetListingResponseProto{}, nil
	}
	list := &pb.DirectoryListingProto{RemainingEntries: proto.Uint32(0)}
	if !n.isDir() {
		list.PartialListing = []*pb.HdfsFileStatusProto{nn.status(n, "")}
		return &pb.GetListingResponseProto{DirList: list}, nil
	}
	children := n.sortedChildren()
	start := 0
	for start < len(children) && bytes.Compare([]byte(children[start].name), req.GetStartAfter()) <= 0 {
		start++
	}
	end := min(start+nn.cfg.ListingLimit, len(children))
	for _, c := range children[start:end] {
		list.PartialListing = append(list.PartialListing, nn.status(c, c.name))
	}
	list.RemainingEntries = proto.Uint32(uint32(len(children) - end))
	return &pb.GetListingResponseProto{DirList: list}, nil
}

func (nn *namenode) mkdirs(cc *callContext, req *pb.MkdirsRequestProto) (*pb.MkdirsResponseProto, *remoteError) {
	comps, err := parsePath(req.GetSrc())
	if err != nil {
		return nil, err
	}
	nn.mu.Lock()
	defer nn.mu.Unlock()
	if err := nn.ns.mkdirs(comps, req.GetMasked().GetPerm(), req.GetCreateParent(), cc.user, nowMillis()); err != nil {
		return nil, err
	}
	return &pb.MkdirsResponseProto{Result: proto.Bool(true)}, nil
}

// delete answers false for a missing path and refuses a non-empty directory
// unless recursive.
func (nn *namenode) delete(_ *callContext, req *pb.DeleteRequestProto) (*pb.DeleteResponseProto, *remoteError) {
	comps, err := parsePath(req.GetSrc())
	if err != nil {
		return nil, err
	}
	nn.mu.Lock()
	defer nn.mu.Unlock()
	ok, blocks, err := nn.ns.remove(comps, req.GetRecursive(), nowMillis())
	if err != nil {
		return nil, err
	}
	nn.forgetBlocks(blocks)
	return &pb.DeleteResponseProto{Result: proto.Bool(ok)}, nil
}

func (nn *namenode) rename(_ *callContext, req *pb.RenameRequestProto) (*pb.RenameResponseProto, *remoteError) {
	src, err := parsePath(req.GetSrc())
	if err != nil {
		return nil, err
	}
	dst, err := parsePath(req.GetDst())
	if err != nil {
		return nil, err
	}
	nn.mu.Lock()
	defer nn.mu.Unlock()
	return &pb.RenameResponseProto{Result: proto.Bool(nn.ns.renameOld(src, dst, nowMillis()))}, nil
}

func (nn *namenode) rename2(_ *callContext, req *pb.Rename2RequestProto) (*pb.Rename2ResponseProto, *remoteError) {
	src, err := parsePath(req.GetSrc())
	if err != nil {
		return nil, err
	}
	dst, err := parsePath(req.GetDst())
	if err != nil {
		return nil, err
	}
	nn.mu.Lock()
	defer nn.mu.Unlock()
	replaced, err := nn.ns.rename2(src, dst, req.GetOverwriteDest(), nowMillis())
	if err != nil {
		return nil, err
	}
	nn.forgetBlocks(replaced)
	return &pb.Rename2ResponseProto{}, nil
}

// lookup resolves an existing path for the attribute methods.
func (nn *namenode) lookup(src string) (*inode, *remoteError) {
	comps, err := parsePath(src)
	if err != nil {
		return nil, err
	}
	n := nn.ns.get(comps)
	if n == nil {
		return nil, remote(classFileNotFound, "File does not exist: %s", src)
	}
	return n, nil
}

func (nn *namenode) setPermission(_ *callContext, req *pb.SetPermissionRequestProto) (*pb.SetPermissionResponseProto, *remoteError) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.lookup(req.GetSrc())
	if err != nil {
		return nil, err
	}
	n.perm = req.GetPermission().GetPerm() & 0o7777
	return &pb.SetPermissionResponseProto{}, nil
}

func (nn *namenode) setOwner(_ *callContext, req *pb.SetOwnerRequestProto) (*pb.SetOwnerResponseProto, *remoteError) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.lookup(req.GetSrc())
	if err != nil {
		return nil, err
	}
	if req.GetUsername() == "" && req.GetGroupname() == "" {
		return nil, remote(classIllegalArgument, "setOwner: username and groupname are both empty for %s", req.GetSrc())
	}
	if u := req.GetUsername(); u != "" {
		n.owner = u
	}
	if g := req.GetGroupname(); g != "" {
		n.group = g
	}
	return &pb.SetOwnerResponseProto{}, nil
}

// setTimes sets the times in milliseconds; -1 (all ones) leaves one as is.
func (nn *namenode) setTimes(_ *callContext, req *pb.SetTimesRequestProto) (*pb.SetTimesResponseProto, *remoteError) {
	const unchanged = ^uint64(0)
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.lookup(req.GetSrc())
	if err != nil {
		return nil, err
	}
	if t := req.GetMtime(); t != unchanged {
		n.mtime = t
	}
	if t := req.GetAtime(); t != unchanged {
		n.atime = t
	}
	return &pb.SetTimesResponseProto{}, nil
}

func (nn *namenode) getContentSummary(_ *callContext, req *pb.GetContentSummaryRequestProto) (*pb.GetContentSummaryResponseProto, *remoteError) {
	nn.mu.Lock()
	defer nn.mu.Unlock()
	n, err := nn.lookup(req.GetPath())
	if err != nil {
		return nil, err
	}
	var length, files, dirs, space uint64
	var walk func(*inode)
	walk = func(n *inode) {
		if !n.isDir() {
			files++
			length += n.length()
			space += n.length() * uint64(n.replication)
			return
		}
		dirs++
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(n)
	const noQuota = ^uint64(0) // HdfsConstants.QUOTA_RESET (-1)
	return &pb.GetContentSummaryResponseProto{Summary: &pb.ContentSummaryProto{
		Length:         proto.Uint64(length),
		FileCount:      proto.Uint64(files),
		DirectoryCount: proto.Uint64(dirs),
		Quota:          proto.Uint64(noQuota),
		SpaceConsumed:  proto.Uint64(space),
		SpaceQuota:     proto.Uint64(noQuota),
	}}, nil
}
