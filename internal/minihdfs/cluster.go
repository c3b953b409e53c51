package minihdfs

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
)

// Cluster is a running NameNode and DataNode.
type Cluster struct {
	nn     *namenode
	dn     *datanode
	nnAddr string

	mu     sync.Mutex
	nnSrv  *tcpServer // nil while the NameNode is stopped
	closed bool
}

// Start starts a NameNode and a DataNode as cfg says.
func Start(cfg Config) (*Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var seed [24]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, fmt.Errorf("minihdfs: random ids: %w", err)
	}
	poolID := fmt.Sprintf("BP-%d-127.0.0.1-%d", binary.BigEndian.Uint32(seed[:4])&0x7fffffff, time.Now().UnixMilli())
	u := hex.EncodeToString(seed[8:])
	uuid := u[:8] + "-" + u[8:12] + "-" + u[12:16] + "-" + u[16:20] + "-" + u[20:]
	dn := newDatanode(uuid, poolID, cfg.Logger.Named("datanode"))
	nn := newNamenode(cfg, dn, poolID)
	dn.allocated = nn.allocation
	if err := dn.listen(cfg.DataNodeAddr); err != nil {
		return nil, err
	}
	srv, err := listenTCP(cfg.NameNodeAddr, nn.log, nn.serveRPC)
	if err != nil {
		dn.srv.close()
		return nil, fmt.Errorf("minihdfs: namenode listen on %s: %w", cfg.NameNodeAddr, err)
	}
	c := &Cluster{nn: nn, dn: dn, nnAddr: srv.addr(), nnSrv: srv}
	cfg.Logger.Info("mini HDFS cluster started", zap.String("namenode", c.nnAddr), zap.String("datanode", dn.srv.addr()), zap.String("pool", poolID))
	return c, nil
}

// StartForTest starts a cluster that is closed when tb ends, failing tb if
// it cannot start.
func StartForTest(tb testing.TB, cfg Config) *Cluster {
	tb.Helper()
	c, err := Start(cfg)
	if err != nil {
		tb.Fatalf("start mini HDFS: %v", err)
	}
	tb.Cleanup(c.Close)
	return c
}

// Addr is the NameNode's RPC address, host:port; it stays the same across
// Stop and Restart.
func (c *Cluster) Addr() string { return c.nnAddr }

// URL is hdfs://host:port, the cluster's fs.defaultFS.
func (c *Cluster) URL() string { return "hdfs://" + c.nnAddr }

// DataNodeAddr is the DataNode's data transfer address, host:port.
func (c *Cluster) DataNodeAddr() string { return c.dn.srv.addr() }

// Stop stops the NameNode: it closes its listener and every client
// connection, so clients see it unreachable. The namespace is kept for
// Restart, as a real NameNode keeps it in its edit log. The DataNode keeps
// running.
func (c *Cluster) Stop() {
	c.mu.Lock()
	srv := c.nnSrv
	c.nnSrv = nil
	c.mu.Unlock()
	if srv != nil {
		srv.close()
		c.nn.log.Info("namenode stopped", zap.String("addr", c.nnAddr))
	}
}

// Restart starts a stopped NameNode again on the same address.
func (c *Cluster) Restart() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return ErrClosed
	case c.nnSrv != nil:
		return nil
	}
	srv, err := listenTCP(c.nnAddr, c.nn.log, c.nn.serveRPC)
	if err != nil {
		return fmt.Errorf("minihdfs: namenode restart on %s: %w", c.nnAddr, err)
	}
	c.nnSrv = srv
	c.nn.log.Info("namenode restarted", zap.String("addr", c.nnAddr))
	return nil
}

// Close stops both daemons and drops every connection.
func (c *Cluster) Close() {
	c.Stop()
	c.mu.Lock()
	already := c.closed
	c.closed = true
	c.mu.Unlock()
	if !already {
		c.dn.srv.close()
	}
}

// Users lists the user names clients have connected as (the effective user
// of each connection context), sorted.
func (c *Cluster) Users() []string { return c.nn.userList() }

// Owner returns the owner and group of path.
func (c *Cluster) Owner(path string) (owner, group string, err error) {
	c.nn.mu.Lock()
	defer c.nn.mu.Unlock()
	n, rerr := c.nn.lookup(path)
	if rerr != nil {
		return "", "", fmt.Errorf("minihdfs: owner of %s: %w", path, rerr)
	}
	return n.owner, n.group, nil
}

// CorruptReplica flips one byte of the first block of file path on the
// DataNode, leaving its stored checksums as they were, so that readers
// that verify checksums fail.
func (c *Cluster) CorruptReplica(path string) error {
	c.nn.mu.Lock()
	defer c.nn.mu.Unlock()
	n, rerr := c.nn.lookup(path)
	if rerr != nil {
		return fmt.Errorf("minihdfs: corrupt %s: %w", path, rerr)
	}
	if n.isDir() || len(n.blocks) == 0 {
		return fmt.Errorf("minihdfs: corrupt %s: not a file with data", path)
	}
	c.dn.mu.Lock()
	defer c.dn.mu.Unlock()
	rep := c.dn.replicas[n.blocks[0].id]
	if rep == nil || len(rep.data) == 0 {
		return errors.New("minihdfs: corrupt " + path + ": the first block has no replica data")
	}
	rep.data[0] ^= 0xff
	return nil
}

// BlockLengths returns the committed length of each block of file path.
func (c *Cluster) BlockLengths(path string) ([]int64, error) {
	c.nn.mu.Lock()
	defer c.nn.mu.Unlock()
	n, rerr := c.nn.lookup(path)
	if rerr != nil {
		return nil, fmt.Errorf("minihdfs: blocks of %s: %w", path, rerr)
	}
	if n.isDir() {
		return nil, fmt.Errorf("minihdfs: blocks of %s: a directory", path)
	}
	out := make([]int64, len(n.blocks))
	for i, b := range n.blocks {
		out[i] = int64(b.numBytes)
	}
	return out, nil
}
