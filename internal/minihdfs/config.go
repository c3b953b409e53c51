package minihdfs

import (
	"errors"
	"fmt"
	"net"

	"go.uber.org/zap"
)

// Limits that keep a misbehaving client from exhausting the test process.
const (
	// bytesPerChecksum is dfs.bytes-per-checksum: the chunk size of block
	// data checksums.
	bytesPerChecksum = 512
	// maxBlockSize bounds the block size a file may ask for, since blocks
	// are held in memory.
	maxBlockSize = 1 << 30
	// maxRPCLength is ipc.maximum.data.length: the largest RPC request.
	maxRPCLength = 64 << 20
	// maxComponentLength is dfs.namenode.fs-limits.max-component-length.
	maxComponentLength = 255
	// maxPathLength is the longest path the NameNode accepts (8000
	// characters, Hadoop's MAX_PATH_LENGTH).
	maxPathLength = 8000
)

// Config configures a mini cluster.
type Config struct {
	// NameNodeAddr is the NameNode's RPC listen address; port 0 picks a free
	// one. It must be a loopback address.
	NameNodeAddr string
	// DataNodeAddr is the DataNode's data transfer listen address; port 0
	// picks a free one. It must be a loopback address.
	DataNodeAddr string
	// BlockSize is dfs.blocksize, the block size getServerDefaults reports
	// and clients use for new files. A multiple of 512 bytes.
	BlockSize int64
	// Replication is dfs.replication as getServerDefaults reports it.
	Replication int
	// ListingLimit is dfs.ls.limit: the most entries one getListing returns.
	ListingLimit int
	// Superuser owns the root directory.
	Superuser string
	// Supergroup is the group of every file and directory
	// (dfs.permissions.superusergroup).
	Supergroup string
	// Logger receives the cluster's log.
	Logger *zap.Logger
}

// DefaultConfig returns a cluster on 127.0.0.1 with OS-chosen ports and a
// 1 MiB block size, so that small test files already span several blocks.
func DefaultConfig() Config {
	return Config{
		NameNodeAddr: "127.0.0.1:0",
		DataNodeAddr: "127.0.0.1:0",
		BlockSize:    1 << 20,
		Replication:  1,
		ListingLimit: 1000,
		Superuser:    "hdfs",
		Supergroup:   "supergroup",
		Logger:       zap.NewNop(),
	}
}

// testHostRange holds the addresses of test hosts in network namespaces
// (internal/netns, RFC 2544's range), reachable from this machine only:
// an unauthenticated test server may listen there as on loopback.
var testHostRange = &net.IPNet{IP: net.IPv4(198, 18, 0, 0), Mask: net.CIDRMask(15, 32)}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	for _, a := range []struct{ name, addr string }{{"namenode", c.NameNodeAddr}, {"datanode", c.DataNodeAddr}} {
		host, _, err := net.SplitHostPort(a.addr)
		if err != nil {
			return fmt.Errorf("minihdfs: %s address %q: %w", a.name, a.addr, err)
		}
		if ip := net.ParseIP(host); ip == nil || !(ip.IsLoopback() || testHostRange.Contains(ip)) {
			return fmt.Errorf("minihdfs: %s address %q: want a loopback IP address or a test host's (198.18.0.0/15)", a.name, a.addr)
		}
	}
	switch {
	case c.BlockSize < bytesPerChecksum || c.BlockSize > maxBlockSize || c.BlockSize%bytesPerChecksum != 0:
		return fmt.Errorf("minihdfs: block size %d: want a multiple of %d between %d and %d", c.BlockSize, bytesPerChecksum, bytesPerChecksum, maxBlockSize)
	case c.Replication < 1 || c.Replication > 512:
		return fmt.Errorf("minihdfs: replication %d: want 1 to 512", c.Replication)
	case c.ListingLimit < 1:
		return fmt.Errorf("minihdfs: listing limit %d: want at least 1", c.ListingLimit)
	case c.Superuser == "" || c.Supergroup == "":
		return errors.New("minihdfs: superuser and supergroup must be set")
	case c.Logger == nil:
		return errors.New("minihdfs: logger must be set")
	}
	return nil
}
