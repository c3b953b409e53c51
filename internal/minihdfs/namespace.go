package minihdfs

import (
	"sort"
	"strings"
)

// rootInodeID is HDFS's INodeId.ROOT_INODE_ID; later inodes count up from it.
const rootInodeID = 16385

// inode is a file or a directory of the namespace.
type inode struct {
	id       uint64
	name     string
	parent   *inode
	children map[string]*inode // non-nil exactly for directories
	perm     uint32
	owner    string
	group    string
	mtime    uint64 // milliseconds since the epoch
	atime    uint64

	// Files only.
	replication uint32
	blockSize   uint64
	blocks      []*blockInfo
	// leaseHolder is the client name writing the file; empty once the file
	// is complete.
	leaseHolder string
}

// blockInfo is one block of a file as the NameNode knows it. numBytes is the
// length the writer committed (by asking for the next block or completing
// the file); zero while the block is being written.
type blockInfo struct {
	id        uint64
	genStamp  uint64
	numBytes  uint64
	committed bool
}

func (n *inode) isDir() bool { return n.children != nil }

// length is the committed length of a file: a block still being written
// does not count yet, as on a real NameNode.
func (n *inode) length() uint64 {
	var sum uint64
	for _, b := range n.blocks {
		sum += b.numBytes
	}
	return sum
}

// path is the absolute path of n.
func (n *inode) path() string {
	if n.parent == nil {
		return "/"
	}
	var parts []string
	for c := n; c.parent != nil; c = c.parent {
		parts = append(parts, c.name)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	return b.String()
}

// sortedChildren returns a directory's entries in HDFS's listing order:
// byte-wise by name.
func (n *inode) sortedChildren() []*inode {
	out := make([]*inode, 0, len(n.children))
	for _, c := range n.children {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// namespace is the NameNode's tree of inodes. It is not safe for concurrent
// use; the NameNode serializes access.
type namespace struct {
	root   *inode
	nextID uint64
}

func newNamespace(owner, group string, now uint64) *namespace {
	return &namespace{
		root: &inode{
			id:       rootInodeID,
			children: map[string]*inode{},
			perm:     0o755,
			owner:    owner,
			group:    group,
			mtime:    now,
		},
		nextID: rootInodeID + 1,
	}
}

// parsePath checks an HDFS path as DFSUtil.isValidName does (absolute, no
// "." or ".." components, no ':' and no empty component except a trailing
// slash) and returns its components.
func parsePath(p string) ([]string, *remoteError) {
	if !strings.HasPrefix(p, "/") {
		return nil, remote(classInvalidPath, "Invalid path name Invalid file name: %s", p)
	}
	if len(p) > maxPathLength {
		return nil, remote(classInvalidPath, "Invalid path name Path too long: %.64s...", p)
	}
	rest := strings.TrimSuffix(p[1:], "/")
	if rest == "" {
		return nil, nil
	}
	comps := strings.Split(rest, "/")
	for _, c := range comps {
		switch {
		case c == "" || c == "." || c == ".." || strings.Contains(c, ":"):
			return nil, remote(classInvalidPath, "Invalid path name Invalid file name: %s", p)
		case len(c) > maxComponentLength:
			return nil, remote(classPathComponentTooLong,
				"The maximum path component name limit of %.32s... in directory %s is exceeded: limit=%d length=%d",
				c, p, maxComponentLength, len(c))
		}
	}
	return comps, nil
}

func joinPath(comps []string) string { return "/" + strings.Join(comps, "/") }

// get returns the inode at comps, or nil when it does not exist (including
// when a component on the way is a file).
func (ns *namespace) get(comps []string) *inode {
	cur := ns.root
	for _, c := range comps {
		if !cur.isDir() {
			return nil
		}
		cur = cur.children[c]
		if cur == nil {
			return nil
		}
	}
	return cur
}

// parentDir returns the directory that holds comps' last component.
func (ns *namespace) parentDir(comps []string, op string) (*inode, *remoteError) {
	cur := ns.root
	for i, c := range comps[:len(comps)-1] {
		next := cur.children[c]
		if next == nil {
			return nil, remote(classFileNotFound, "%s: parent directory doesn't exist: %s", op, joinPath(comps[:i+1]))
		}
		if !next.isDir() {
			return nil, remote(classParentNotDirectory, "%s (is not a directory)", joinPath(comps[:i+1]))
		}
		cur = next
	}
	return cur, nil
}

func (ns *namespace) newInode(parent *inode, name string, dir bool, perm uint32, owner string, now uint64) *inode {
	n := &inode{
		id:     ns.nextID,
		name:   name,
		parent: parent,
		perm:   perm & 0o7777,
		owner:  owner,
		group:  parent.group, // BSD rule: a new inode takes its directory's group
		mtime:  now,
		atime:  now,
	}
	ns.nextID++
	if dir {
		n.children = map[string]*inode{}
		n.atime = 0
	}
	parent.children[name] = n
	parent.mtime = now
	return n
}

// mkdirs creates the directory comps, and with createParent its missing
// ancestors. Implicitly created ancestors get u+wx as on HDFS.
func (ns *namespace) mkdirs(comps []string, perm uint32, createParent bool, owner string, now uint64) *remoteError {
	cur := ns.root
	for i, c := range comps {
		last := i == len(comps)-1
		next := cur.children[c]
		switch {
		case next == nil && !last && !createParent:
			return remote(classFileNotFound, "mkdirs: parent directory doesn't exist: %s", joinPath(comps[:i+1]))
		case next == nil && last:
			next = ns.newInode(cur, c, true, perm, owner, now)
		case next == nil:
			next = ns.newInode(cur, c, true, perm|0o300, owner, now)
		case !next.isDir() && last:
			return remote(classFileAlreadyExists, "Path is not a directory: %s", joinPath(comps))
		case !next.isDir():
			return remote(classParentNotDirectory, "%s (is not a directory)", joinPath(comps[:i+1]))
		}
		cur = next
	}
	return nil
}

// createSpec describes a file to create.
type createSpec struct {
	perm         uint32
	owner        string
	clientName   string
	replication  uint32
	blockSize    uint64
	overwrite    bool
	createParent bool
}

// create adds an empty file under construction by spec.clientName. It
// returns the blocks of a file it replaced.
func (ns *namespace) create(comps []string, spec createSpec, now uint64) (*inode, []*blockInfo, *remoteError) {
	if len(comps) == 0 {
		return nil, nil, remote(classFileAlreadyExists, "/ already exists as a directory")
	}
	src := joinPath(comps)
	if spec.createParent {
		if err := ns.mkdirs(comps[:len(comps)-1], 0o755, true, spec.owner, now); err != nil {
			return nil, nil, err
		}
	}
	parent, err := ns.parentDir(comps, "create")
	if err != nil {
		return nil, nil, err
	}
	name := comps[len(comps)-1]
	var replaced []*blockInfo
	if old := parent.children[name]; old != nil {
		switch {
		case old.isDir():
			return nil, nil, remote(classFileAlreadyExists, "%s already exists as a directory", src)
		case old.leaseHolder != "":
			return nil, nil, remote(classAlreadyBeingCreated,
				"Failed to CREATE_FILE %s for %s because this file lease is currently owned by %s", src, spec.clientName, old.leaseHolder)
		case !spec.overwrite:
			return nil, nil, remote(classFileAlreadyExists, "%s for client %s already exists", src, spec.clientName)
		}
		replaced = old.blocks
		delete(parent.children, name)
	}
	f := ns.newInode(parent, name, false, spec.perm, spec.owner, now)
	f.replication = spec.replication
	f.blockSize = spec.blockSize
	f.leaseHolder = spec.clientName
	return f, replaced, nil
}

// remove deletes comps (a directory only when recursive or empty) and
// returns whether it existed and the blocks of the files removed.
func (ns *namespace) remove(comps []string, recursive bool, now uint64) (bool, []*blockInfo, *remoteError) {
	n := ns.get(comps)
	if n == nil || n == ns.root {
		// HDFS refuses to delete the root and answers false.
		return false, nil, nil
	}
	if n.isDir() && len(n.children) > 0 && !recursive {
		return false, nil, remote(classPathIsNotEmptyDir, "`%s is non empty': Directory is not empty", joinPath(comps))
	}
	delete(n.parent.children, n.name)
	n.parent.mtime = now
	return true, collectBlocks(n, nil), nil
}

func collectBlocks(n *inode, out []*blockInfo) []*blockInfo {
	out = append(out, n.blocks...)
	for _, c := range n.children {
		out = collectBlocks(c, out)
	}
	return out
}

func isUnder(dst, src []string) bool {
	if len(dst) <= len(src) {
		return false
	}
	for i := range src {
		if dst[i] != src[i] {
			return false
		}
	}
	return true
}

// renameOld is ClientProtocol.rename: every failure is a false result, and
// an existing directory as dst receives src inside it.
func (ns *namespace) renameOld(src, dst []string, now uint64) bool {
	n := ns.get(src)
	if n == nil || n == ns.root {
		return false
	}
	if d := ns.get(dst); d != nil && d.isDir() {
		dst = append(append([]string{}, dst...), n.name)
	}
	if joinPath(src) == joinPath(dst) {
		return true
	}
	if len(dst) == 0 || isUnder(dst, src) || ns.get(dst) != nil {
		return false
	}
	parent, err := ns.parentDir(dst, "rename")
	if err != nil {
		return false
	}
	ns.move(n, parent, dst[len(dst)-1], now)
	return true
}

// rename2 is ClientProtocol.rename2 (FileSystem.rename with options): it
// fails with an exception, and with overwrite replaces an existing file or
// empty directory of the same kind. It returns the replaced file's blocks.
func (ns *namespace) rename2(src, dst []string, overwrite bool, now uint64) ([]*blockInfo, *remoteError) {
	srcPath, dstPath := joinPath(src), joinPath(dst)
	n := ns.get(src)
	switch {
	case n == nil:
		return nil, remote(classFileNotFound, "rename source %s is not found.", srcPath)
	case n == ns.root:
		return nil, remote(classIO, "Rename source / is a directory or file under the root")
	case srcPath == dstPath:
		return nil, remote(classFileAlreadyExists, "The source %s and destination %s are the same", srcPath, dstPath)
	case isUnder(dst, src):
		return nil, remote(classIO, "Rename destination %s is a directory or file under source %s", dstPath, srcPath)
	case len(dst) == 0:
		return nil, remote(classIO, "rename destination cannot be the root")
	}
	var replaced []*blockInfo
	if d := ns.get(dst); d != nil {
		switch {
		case d.isDir() && !n.isDir():
			return nil, remote(classIO, "Source %s and destination %s must both be directories", srcPath, dstPath)
		case !d.isDir() && n.isDir():
			return nil, remote(classIO, "Source %s and destination %s must both be files", srcPath, dstPath)
		case !overwrite:
			return nil, remote(classFileAlreadyExists, "rename destination %s already exists", dstPath)
		case d.isDir() && len(d.children) > 0:
			return nil, remote(classIO, "rename destination directory is not empty: %s", dstPath)
		}
		replaced = collectBlocks(d, nil)
		delete(d.parent.children, d.name)
		d.parent.mtime = now
	}
	parent, err := ns.parentDir(dst, "rename")
	if err != nil {
		if err.class == classFileNotFound {
			err.msg = "rename destination parent " + dstPath + " not found."
		}
		return nil, err
	}
	ns.move(n, parent, dst[len(dst)-1], now)
	return replaced, nil
}

func (ns *namespace) move(n, parent *inode, name string, now uint64) {
	delete(n.parent.children, n.name)
	n.parent.mtime = now
	n.parent = parent
	n.name = name
	parent.children[name] = n
	parent.mtime = now
}
