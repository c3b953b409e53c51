package ha

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
)

// This file is the one place where RMs' replication connections are made
// and accepted: each is mutual TLS from the cluster CA, and a connection
// is handed to Raft only once both ends have shown a ResourceManager
// certificate (spindle tls cert create --server), so that a process that
// can reach the Raft port can neither join the group, read its state (the
// token master keys among it) nor write it.

// handshakeTimeout bounds the TLS handshake on both ends: an outsider that
// connects and says nothing is dropped after it.
const handshakeTimeout = 5 * time.Second

// ErrNotGroupMember is a replication peer without a ResourceManager
// certificate of the cluster CA.
var ErrNotGroupMember = errors.New("ha: the peer has no ResourceManager certificate of the cluster CA")

// newTransport listens on self's Raft address for the group's replication,
// over TLS with m (nil: in plain text, spindle.tls.insecure-plaintext).
func newTransport(self Peer, m *pki.Material, lg *zap.Logger, logOut io.Writer) (*raft.NetworkTransport, error) {
	advertise, err := net.ResolveTCPAddr("tcp", self.Raft)
	if err != nil {
		return nil, fmt.Errorf("ha: %s = %s: %w", raftAddressKey(self.ID), self.Raft, err)
	}
	l, err := net.Listen("tcp", self.Raft)
	if err != nil {
		return nil, fmt.Errorf("ha: listen on %s (%s): %w", self.Raft, raftAddressKey(self.ID), err)
	}
	s := &tlsStream{Listener: l, advertise: advertise, tls: m, lg: lg, accepted: make(chan net.Conn), closed: make(chan struct{})}
	go s.acceptLoop()
	return raft.NewNetworkTransport(s, 3, 5*time.Second, logOut), nil
}

// tlsStream is Raft's stream layer over mutual TLS.
type tlsStream struct {
	net.Listener
	advertise net.Addr
	tls       *pki.Material
	lg        *zap.Logger
	// accepted carries connections whose handshake succeeded to Accept.
	accepted  chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
}

var _ raft.StreamLayer = (*tlsStream)(nil)

func (s *tlsStream) Addr() net.Addr { return s.advertise }

func (s *tlsStream) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return s.Listener.Close()
}

// Accept returns the next connection that proved itself.
func (s *tlsStream) Accept() (net.Conn, error) {
	select {
	case c := <-s.accepted:
		return c, nil
	case <-s.closed:
		return nil, net.ErrClosed
	}
}

// acceptLoop checks each connection in its own goroutine, so that a slow
// or silent outsider holds up no RM.
func (s *tlsStream) acceptLoop() {
	for {
		raw, err := s.Listener.Accept()
		if err != nil {
			select {
			case <-s.closed:
				return
			default:
			}
			s.lg.Warn("accept a replication connection", zap.Error(err))
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go func() {
			c, err := s.serverHandshake(raw)
			if err != nil {
				s.lg.Warn("replication connection refused", zap.String("remote", raw.RemoteAddr().String()), zap.Error(err))
				raw.Close()
				return
			}
			select {
			case s.accepted <- c:
			case <-s.closed:
				c.Close()
			}
		}()
	}
}

func (s *tlsStream) serverHandshake(raw net.Conn) (net.Conn, error) {
	if s.tls == nil {
		return raw, nil
	}
	c := tls.Server(raw, s.tls.ServerConfig(pki.ClientCertRequired))
	if err := handshake(c); err != nil {
		return nil, err
	}
	return c, nil
}

// Dial connects to another RM over TLS and checks that it is one.
func (s *tlsStream) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	raw, err := net.DialTimeout("tcp", string(addr), timeout)
	if err != nil || s.tls == nil {
		return raw, err
	}
	host, _, err := net.SplitHostPort(string(addr))
	if err != nil {
		raw.Close()
		return nil, err
	}
	c := tls.Client(raw, s.tls.ClientConfig(host))
	if err := handshake(c); err != nil {
		raw.Close()
		return nil, fmt.Errorf("replication connection to %s: %w", addr, err)
	}
	return c, nil
}

// handshake completes c's TLS handshake within handshakeTimeout and
// refuses a peer whose certificate is not a ResourceManager's.
func handshake(c *tls.Conn) error {
	ctx, cancel := context.WithTimeout(context.Background(), handshakeTimeout)
	defer cancel()
	if err := c.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("%w: %v", ErrNotGroupMember, err)
	}
	certs := c.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return fmt.Errorf("%w: it sent none", ErrNotGroupMember)
	}
	id, err := pki.IdentityOf(certs[0])
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotGroupMember, err)
	}
	if id.Role != pki.RoleResourceManager {
		return fmt.Errorf("%w: it is %s", ErrNotGroupMember, id)
	}
	return nil
}
