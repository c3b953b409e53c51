package kafkatest

import (
	"crypto/tls"
	"net"
	"sync"
	"testing"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/internal/netns"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Broker is a running in-process Kafka cluster.
type Broker struct {
	cluster *kfake.Cluster
	opts    options

	mu       sync.Mutex
	client   sarama.Client
	producer sarama.SyncProducer
}

// Option changes how Start configures the cluster.
type Option func(*options)

type options struct {
	brokers   int
	mechanism string
	user      string
	password  string
	tls       *tls.Config
	clientTLS *tls.Config
	host      *netns.Host
}

// WithBrokers runs n brokers instead of one, so partition leadership is
// spread over several nodes.
func WithBrokers(n int) Option {
	return func(o *options) { o.brokers = n }
}

// WithSASL requires SASL authentication and seeds one superuser.
// mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. The helpers of this
// package authenticate with the same credentials; SCRAM is only supported
// for clients under test, so the helpers need PLAIN alongside it (Start adds
// a PLAIN superuser with the same name and password).
func WithSASL(mechanism, user, password string) Option {
	return func(o *options) {
		o.mechanism, o.user, o.password = mechanism, user, password
	}
}

// WithHost runs the brokers in the test host h: they listen on its
// address, where the test process and every other host reach them.
func WithHost(h *netns.Host) Option {
	return func(o *options) { o.host = h }
}

// WithTLS serves TLS with server, and has the helpers of this package dial
// with client.
func WithTLS(server, client *tls.Config) Option {
	return func(o *options) { o.tls, o.clientTLS = server, client }
}

// Start runs a cluster on 127.0.0.1 with ports chosen by the OS, creates
// topics (name to partition count) and closes everything at test end.
func Start(tb testing.TB, topics map[string]int32, opts ...Option) *Broker {
	tb.Helper()
	o := options{brokers: 1}
	for _, opt := range opts {
		opt(&o)
	}
	kopts := []kfake.Opt{kfake.NumBrokers(o.brokers)}
	if o.mechanism != "" {
		kopts = append(kopts, kfake.EnableSASL(), kfake.Superuser(o.mechanism, o.user, o.password))
		if o.mechanism != sarama.SASLTypePlaintext {
			kopts = append(kopts, kfake.Superuser(sarama.SASLTypePlaintext, o.user, o.password))
		}
	}
	if o.tls != nil {
		kopts = append(kopts, kfake.TLS(o.tls))
	}
	if h := o.host; h != nil {
		kopts = append(kopts, kfake.ListenFn(func(network, addr string) (net.Listener, error) {
			_, port, _ := net.SplitHostPort(addr)
			return h.Listen(network, net.JoinHostPort(h.IP.String(), port))
		}))
	}
	c, err := kfake.NewCluster(kopts...)
	if err != nil {
		tb.Fatalf("kafkatest: start cluster: %v", err)
	}
	b := &Broker{cluster: c, opts: o}
	tb.Cleanup(b.close)
	for name, parts := range topics {
		b.CreateTopic(tb, name, parts)
	}
	return b
}

// Addrs returns the host:port of every broker.
func (b *Broker) Addrs() []string { return b.cluster.ListenAddrs() }

// Cluster returns the underlying kfake cluster for direct control.
func (b *Broker) Cluster() *kfake.Cluster { return b.cluster }

// SaramaConfig returns a fresh client configuration able to reach the
// cluster, with SASL PLAIN and TLS set when the cluster requires them.
func (b *Broker) SaramaConfig() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.ClientID = "kafkatest"
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Consumer.Return.Errors = true
	cfg.Metadata.Full = false
	if b.opts.mechanism != "" {
		cfg.Net.SASL.Enable = true
		cfg.Net.SASL.Mechanism = sarama.SASLTypePlaintext
		cfg.Net.SASL.User = b.opts.user
		cfg.Net.SASL.Password = b.opts.password
	}
	if b.opts.clientTLS != nil {
		cfg.Net.TLS.Enable = true
		cfg.Net.TLS.Config = b.opts.clientTLS
	}
	return cfg
}

// Client returns a sarama client shared by the helpers, created on first use
// and closed at test end.
func (b *Broker) Client(tb testing.TB) sarama.Client {
	tb.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.client == nil {
		c, err := sarama.NewClient(b.Addrs(), b.SaramaConfig())
		if err != nil {
			tb.Fatalf("kafkatest: new client: %v", err)
		}
		b.client = c
	}
	return b.client
}

func (b *Broker) syncProducer(tb testing.TB) sarama.SyncProducer {
	tb.Helper()
	client := b.Client(tb)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.producer == nil {
		p, err := sarama.NewSyncProducerFromClient(client)
		if err != nil {
			tb.Fatalf("kafkatest: new producer: %v", err)
		}
		b.producer = p
	}
	return b.producer
}

func (b *Broker) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.producer != nil {
		_ = b.producer.Close()
	}
	if b.client != nil {
		_ = b.client.Close()
	}
	b.cluster.Close()
}
