// Package amqpreceiver is a reliable Spindle receiver of an AMQP 0-9-1
// queue (RabbitMQ), after Spark's reliable receivers: it consumes with
// manual acknowledgements and a prefetch window, stores the messages of
// each block interval as one block (ReceiverContext.StoreBlock), and
// acknowledges them to the broker only once the block is durable. Messages
// it received and did not acknowledge go back to the queue when its
// connection closes, and are delivered again; each record carries the
// message id and the broker's redelivered flag (sdk.HeaderReceiverID,
// sdk.HeaderRedelivered), so that a message whose block was stored but
// whose acknowledgement was lost is stored once.
package amqpreceiver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/spindlehq/spindle/sdk"
)

// Config configures a Receiver.
type Config struct {
	// URL is the broker, amqp://user:password@host:port/vhost.
	URL string
	// Queue is the queue to consume.
	Queue string
	// Declare declares Queue as a durable queue if it does not exist.
	Declare bool
	// Prefetch is how many unacknowledged messages the broker sends
	// (basic.qos); a block holds at most this many.
	Prefetch int
	// StreamName names the stream; default "amqp-<queue>".
	StreamName string
	// DialTimeout bounds connecting to the broker.
	DialTimeout time.Duration
}

// DefaultConfig returns a config for queue at url with a prefetch of
// 1,000 messages.
func DefaultConfig(url, queue string) Config {
	return Config{URL: url, Queue: queue, Prefetch: 1000, DialTimeout: 10 * time.Second}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	if c.URL == "" || c.Queue == "" {
		return errors.New("amqpreceiver: a URL and a queue are required")
	}
	if c.Prefetch < 1 {
		return fmt.Errorf("amqpreceiver: prefetch %d must be at least 1", c.Prefetch)
	}
	if _, err := amqp.ParseURI(c.URL); err != nil {
		return fmt.Errorf("amqpreceiver: URL: %w", err)
	}
	return nil
}

// Receiver consumes one queue.
type Receiver struct {
	cfg  Config
	conn *amqp.Connection
	done chan struct{}
}

// New returns a receiver of cfg's queue.
func New(cfg Config) (*Receiver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	return &Receiver{cfg: cfg}, nil
}

// Name names the stream.
func (r *Receiver) Name() string {
	if r.cfg.StreamName != "" {
		return r.cfg.StreamName
	}
	return "amqp-" + r.cfg.Queue
}

// OnStart connects, sets the prefetch window and starts consuming; a
// broker that cannot be reached fails the start.
func (r *Receiver) OnStart(ctx context.Context, rc *sdk.ReceiverContext) error {
	conn, err := amqp.DialConfig(r.cfg.URL, amqp.Config{Dial: func(network, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: r.cfg.DialTimeout}
		return d.DialContext(ctx, network, addr)
	}})
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redact(r.cfg.URL), err)
	}
	ch, err := r.consume(conn)
	if err != nil {
		conn.Close()
		return err
	}
	deliveries, err := ch.Consume(r.cfg.Queue, "", false, false, false, false, nil)
	if err != nil {
		conn.Close()
		return fmt.Errorf("consume queue %s: %w", r.cfg.Queue, err)
	}
	r.conn, r.done = conn, make(chan struct{})
	go func() {
		defer close(r.done)
		r.loop(ctx, rc, ch, deliveries)
	}()
	return nil
}

// consume opens the channel, sets its prefetch and declares the queue.
func (r *Receiver) consume(conn *amqp.Connection) (*amqp.Channel, error) {
	ch, err := conn.Channel()
	if err != nil {
		return nil, fmt.Errorf("open channel: %w", err)
	}
	if err := ch.Qos(r.cfg.Prefetch, 0, false); err != nil {
		return nil, fmt.Errorf("set prefetch: %w", err)
	}
	if r.cfg.Declare {
		if _, err := ch.QueueDeclare(r.cfg.Queue, true, false, false, false, nil); err != nil {
			return nil, fmt.Errorf("declare queue %s: %w", r.cfg.Queue, err)
		}
	}
	return ch, nil
}

// loop gathers deliveries into blocks, cut every block interval or at
// the prefetch window, stores each and then acknowledges it.
func (r *Receiver) loop(ctx context.Context, rc *sdk.ReceiverContext, ch *amqp.Channel, deliveries <-chan amqp.Delivery) {
	interval := rc.BlockInterval()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var block []sdk.Record
	var last uint64
	flush := func() bool {
		if len(block) == 0 {
			return true
		}
		// A block being stored is stored whole even if the receiver is
		// stopping, so that it is acknowledged rather than delivered
		// again.
		if err := rc.StoreBlock(context.WithoutCancel(ctx), block); err != nil {
			if ctx.Err() == nil {
				rc.Restart("store a block of "+r.cfg.Queue, err)
			}
			return false
		}
		block = nil
		if err := ch.Ack(last, true); err != nil {
			rc.Restart("acknowledge messages of "+r.cfg.Queue, err)
			return false
		}
		return true
	}
	for {
		select {
		case <-ctx.Done():
			return // unacknowledged messages go back to the queue
		case d, ok := <-deliveries:
			if !ok {
				if ctx.Err() == nil {
					rc.Restart("consuming "+r.cfg.Queue, errors.New("the broker closed the channel"))
				}
				return
			}
			block = append(block, record(d))
			last = d.DeliveryTag
			if len(block) >= r.cfg.Prefetch && !flush() {
				return
			}
		case <-tick.C:
			if !flush() {
				return
			}
		}
	}
}

// record is a delivery as a record: its body, its timestamp (or when it
// arrived), its message id and redelivered flag, and its string headers.
func record(d amqp.Delivery) sdk.Record {
	rec := sdk.Record{Value: d.Body, Timestamp: d.Timestamp}
	if rec.Timestamp.IsZero() {
		rec.Timestamp = time.Now()
	}
	if d.RoutingKey != "" {
		rec.Key = []byte(d.RoutingKey)
	}
	if d.MessageId != "" {
		rec.Headers = append(rec.Headers, sdk.Header{Key: sdk.HeaderReceiverID, Value: []byte(d.MessageId)})
	}
	if d.Redelivered {
		rec.Headers = append(rec.Headers, sdk.Header{Key: sdk.HeaderRedelivered, Value: []byte("true")})
	}
	keys := make([]string, 0, len(d.Headers))
	for k := range d.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch x := d.Headers[k].(type) {
		case string:
			rec.Headers = append(rec.Headers, sdk.Header{Key: k, Value: []byte(x)})
		case []byte:
			rec.Headers = append(rec.Headers, sdk.Header{Key: k, Value: x})
		}
	}
	return rec
}

// OnStop closes the connection, which returns unacknowledged messages to
// the queue, and waits for the consumer.
func (r *Receiver) OnStop() {
	if r.conn != nil {
		r.conn.Close()
		<-r.done
		r.conn = nil
	}
}

// redact hides a URL's password for error messages.
func redact(url string) string {
	u, err := amqp.ParseURI(url)
	if err != nil {
		return "the broker"
	}
	vhost := u.Vhost
	if vhost == "/" {
		vhost = ""
	}
	return fmt.Sprintf("%s://%s@%s:%d/%s", u.Scheme, u.Username, u.Host, u.Port, vhost)
}
