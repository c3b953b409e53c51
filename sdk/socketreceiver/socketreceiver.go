// Package socketreceiver is Spark's socketTextStream as a Spindle
// receiver: it connects to a TCP server and stores each line it reads as
// a record. It is for demonstrations and tests: a line is stored one at a
// time (ReceiverContext.Store), so lines buffered when its executor is
// lost are lost, and a socket cannot send them again.
package socketreceiver

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"time"

	"github.com/spindlehq/spindle/sdk"
)

// Receiver reads lines from Address.
type Receiver struct {
	// Address is host:port of the server to read from.
	Address string
	// StreamName names the stream; default "socket-<address>".
	StreamName string
	// MaxLineBytes bounds a line; longer ones fail the connection.
	MaxLineBytes int

	conn net.Conn
	done chan struct{}
}

// New returns a receiver of address's lines.
func New(address string) *Receiver { return &Receiver{Address: address, MaxLineBytes: 1 << 20} }

// Name names the stream.
func (r *Receiver) Name() string {
	if r.StreamName != "" {
		return r.StreamName
	}
	return "socket-" + r.Address
}

// OnStart connects and starts reading; a connection that cannot be made
// fails the start, one that breaks restarts the receiver.
func (r *Receiver) OnStart(ctx context.Context, rc *sdk.ReceiverContext) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", r.Address)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", r.Address, err)
	}
	r.conn, r.done = conn, make(chan struct{})
	go func() {
		defer close(r.done)
		r.read(ctx, rc, conn)
	}()
	return nil
}

func (r *Receiver) read(ctx context.Context, rc *sdk.ReceiverContext, conn net.Conn) {
	sc := bufio.NewScanner(conn)
	max := r.MaxLineBytes
	if max <= 0 {
		max = 1 << 20
	}
	sc.Buffer(make([]byte, 0, 64<<10), max)
	for sc.Scan() {
		line := append([]byte(nil), sc.Bytes()...)
		if err := rc.Store(ctx, sdk.Record{Value: line, Timestamp: time.Now()}); err != nil {
			return // stopping
		}
	}
	if ctx.Err() != nil {
		return
	}
	err := sc.Err()
	if err == nil {
		err = fmt.Errorf("the server closed the connection")
	}
	rc.Restart("reading "+r.Address, err)
}

// OnStop closes the connection and waits for the reader.
func (r *Receiver) OnStop() {
	if r.conn != nil {
		r.conn.Close()
		<-r.done
		r.conn = nil
	}
}
