package ha

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"go.uber.org/zap"
)

// This file is the one place where RMs' replication connections are made
// and accepted: a connection is handed to Raft only after both ends have
// proved they hold the group's cluster secret, so that a process that can
// reach the Raft port can neither join the group nor write its state.

// handshakeMagic opens every replication connection; a connection that
// starts otherwise is not an RM of this version.
const handshakeMagic = "SPINDLE-RAFT/1\n"

// handshakeTimeout bounds the proof on both ends: an outsider that
// connects and says nothing is dropped after it.
const handshakeTimeout = 5 * time.Second

const nonceLen = 32

// ErrNotGroupMember is a replication peer that could not prove it holds
// the group's cluster secret.
var ErrNotGroupMember = errors.New("ha: the peer does not hold this group's cluster secret")

// newTransport listens on self's Raft address for the group's replication.
func newTransport(self Peer, secret []byte, lg *zap.Logger, logOut io.Writer) (*raft.NetworkTransport, error) {
	advertise, err := net.ResolveTCPAddr("tcp", self.Raft)
	if err != nil {
		return nil, fmt.Errorf("ha: %s = %s: %w", raftAddressKey(self.ID), self.Raft, err)
	}
	l, err := net.Listen("tcp", self.Raft)
	if err != nil {
		return nil, fmt.Errorf("ha: listen on %s (%s): %w", self.Raft, raftAddressKey(self.ID), err)
	}
	s := &secretStream{Listener: l, advertise: advertise, secret: secret, lg: lg, accepted: make(chan net.Conn), closed: make(chan struct{})}
	go s.acceptLoop()
	return raft.NewNetworkTransport(s, 3, 5*time.Second, logOut), nil
}

// secretStream is Raft's stream layer over TCP with the secret handshake.
type secretStream struct {
	net.Listener
	advertise net.Addr
	secret    []byte
	lg        *zap.Logger
	// accepted carries connections whose handshake succeeded to Accept.
	accepted  chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
}

var _ raft.StreamLayer = (*secretStream)(nil)

func (s *secretStream) Addr() net.Addr { return s.advertise }

func (s *secretStream) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return s.Listener.Close()
}

// Accept returns the next connection that proved itself.
func (s *secretStream) Accept() (net.Conn, error) {
	select {
	case c := <-s.accepted:
		return c, nil
	case <-s.closed:
		return nil, net.ErrClosed
	}
}

// acceptLoop checks each connection in its own goroutine, so that a slow
// or silent outsider holds up no RM.
func (s *secretStream) acceptLoop() {
	for {
		c, err := s.Listener.Accept()
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
			if err := s.serverHandshake(c); err != nil {
				s.lg.Warn("replication connection refused", zap.String("remote", c.RemoteAddr().String()), zap.Error(err))
				c.Close()
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

// Dial connects to another RM and proves this one holds the secret.
func (s *secretStream) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", string(addr), timeout)
	if err != nil {
		return nil, err
	}
	if err := clientHandshake(c, s.secret); err != nil {
		c.Close()
		return nil, fmt.Errorf("replication connection to %s: %w", addr, err)
	}
	return c, nil
}

// clientHandshake: the dialer sends the magic and its nonce, checks the
// listener's proof over both nonces, and sends its own.
func clientHandshake(c net.Conn, secret []byte) error {
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	defer c.SetDeadline(time.Time{})
	mine := make([]byte, nonceLen)
	rand.Read(mine)
	if _, err := c.Write(append([]byte(handshakeMagic), mine...)); err != nil {
		return err
	}
	reply := make([]byte, nonceLen+sha256.Size)
	if _, err := io.ReadFull(c, reply); err != nil {
		return fmt.Errorf("%w: no proof from the peer: %v", ErrNotGroupMember, err)
	}
	theirs, proof := reply[:nonceLen], reply[nonceLen:]
	if !hmac.Equal(proof, handshakeMAC(secret, "listener", mine, theirs)) {
		return ErrNotGroupMember
	}
	_, err := c.Write(handshakeMAC(secret, "dialer", mine, theirs))
	return err
}

func (s *secretStream) serverHandshake(c net.Conn) error {
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	defer c.SetDeadline(time.Time{})
	hello := make([]byte, len(handshakeMagic)+nonceLen)
	if _, err := io.ReadFull(c, hello); err != nil {
		return fmt.Errorf("%w: %v", ErrNotGroupMember, err)
	}
	if string(hello[:len(handshakeMagic)]) != handshakeMagic {
		return fmt.Errorf("%w: not a Spindle ResourceManager's replication connection", ErrNotGroupMember)
	}
	theirs := hello[len(handshakeMagic):]
	mine := make([]byte, nonceLen)
	rand.Read(mine)
	if _, err := c.Write(append(mine, handshakeMAC(s.secret, "listener", theirs, mine)...)); err != nil {
		return err
	}
	proof := make([]byte, sha256.Size)
	if _, err := io.ReadFull(c, proof); err != nil {
		return fmt.Errorf("%w: %v", ErrNotGroupMember, err)
	}
	if !hmac.Equal(proof, handshakeMAC(s.secret, "dialer", theirs, mine)) {
		return ErrNotGroupMember
	}
	return nil
}

// handshakeMAC is one side's proof: the secret's HMAC over its role and
// both nonces, the dialer's first.
func handshakeMAC(secret []byte, role string, dialerNonce, listenerNonce []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(handshakeMagic + role))
	m.Write(dialerNonce)
	m.Write(listenerNonce)
	return m.Sum(nil)
}
