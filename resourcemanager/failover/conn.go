package failover

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Conn is a gRPC client connection to the active RM of a group: it
// implements grpc.ClientConnInterface, so every generated client works on
// it. A call that meets a standby, an unreachable RM or (with several RMs)
// an RM silent for Policy.AttemptTimeout is tried on the next RM.
type Conn struct {
	targets []Target
	conns   []*grpc.ClientConn
	policy  Policy
	// cur is the index of the RM believed active.
	cur atomic.Int32
	// OnFailover, when set before the first call, is told each move.
	OnFailover func(from, to Target, cause error)
}

var _ grpc.ClientConnInterface = (*Conn)(nil)

// Dial prepares connections to every target; none is opened before a
// call needs it. opts must carry the transport credentials
// (pki.GRPCDialOption): every RM of the group is reached with them.
func Dial(targets []Target, p Policy, opts ...grpc.DialOption) (*Conn, error) {
	if len(targets) == 0 {
		return nil, errors.New("failover: no ResourceManager to dial")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	c := &Conn{targets: targets, policy: p}
	for _, t := range targets {
		cc, err := grpc.NewClient(t.Addr, opts...)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("failover: ResourceManager %s at %s: %w", t.ID, t.Addr, err)
		}
		c.conns = append(c.conns, cc)
	}
	return c, nil
}

// Close closes every connection.
func (c *Conn) Close() error {
	var first error
	for _, cc := range c.conns {
		if err := cc.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Current is the RM calls go to now.
func (c *Conn) Current() Target { return c.targets[c.cur.Load()] }

// Targets are the RMs of the group.
func (c *Conn) Targets() []Target { return c.targets }

// String names the RMs, for messages.
func (c *Conn) String() string { return Encode(c.targets) }

// Invoke runs a unary call on the active RM, failing over as needed.
func (c *Conn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	if len(c.conns) == 1 {
		return c.conns[0].Invoke(ctx, method, args, reply, opts...)
	}
	var err error
	tried := 0
	for round := 1; ; round++ {
		for range c.targets {
			i := c.cur.Load()
			actx, cancel := context.WithTimeout(ctx, c.policy.AttemptTimeout)
			err = c.conns[i].Invoke(actx, method, args, reply, opts...)
			cancel()
			tried++
			if err == nil || !c.movesOn(ctx, err) {
				return err
			}
			if tried >= c.policy.MaxAttempts {
				return fmt.Errorf("%w after %d attempts over %s (%s): %w", ErrExhausted, tried, c, KeyMaxAttempts, err)
			}
			c.next(i, err)
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(c.policy.sleep(round)):
		}
	}
}

// NewStream opens a stream on the RM believed active; streams are not
// retried (the RM's protocols have none today).
func (c *Conn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return c.conns[c.cur.Load()].NewStream(ctx, desc, method, opts...)
}

// movesOn reports whether err means "try another RM": a standby's answer,
// an RM that cannot be reached, or one silent past the attempt timeout
// while the caller still has time.
func (c *Conn) movesOn(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return true
	}
	return false
}

// next moves from RM i to the active one a standby named, or else to the
// next in order. Another caller may have moved already: then its choice
// stands.
func (c *Conn) next(i int32, cause error) {
	to := (i + 1) % int32(len(c.targets))
	if active, ok := Standby(cause); ok && active != "" {
		for j, t := range c.targets {
			if t.ID == active && int32(j) != i {
				to = int32(j)
			}
		}
	}
	if c.cur.CompareAndSwap(i, to) && c.OnFailover != nil {
		c.OnFailover(c.targets[i], c.targets[to], cause)
	}
}

// DialEncoded dials the RMs of an Encode-d value, as carried in an
// environment variable or given on a command line.
func DialEncoded(s string, p Policy, opts ...grpc.DialOption) (*Conn, error) {
	targets, err := Decode(s)
	if err != nil {
		return nil, err
	}
	return Dial(targets, p, opts...)
}
