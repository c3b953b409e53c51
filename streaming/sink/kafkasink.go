package sink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"go.uber.org/zap"
)

// DefaultProducerRetries is how many times the Kafka sink's producer
// retries a message before a write fails; the idempotent producer keeps
// retries from writing a message twice.
const DefaultProducerRetries = 10

// ErrTopicNotFound is wrapped by the Kafka sink's errors when its output or
// dead-letter topic does not exist: the sink never creates topics.
var ErrTopicNotFound = errors.New("sink: Kafka topic does not exist")

// errClosed is returned by writes to a closed sink.
var errClosed = errors.New("sink closed")

// KafkaConfig configures a KafkaSink.
type KafkaConfig struct {
	// Brokers are the bootstrap brokers, host:port each.
	Brokers []string
	// Topic receives the outputs; DeadLetterTopic the rejected records.
	// Both must exist.
	Topic, DeadLetterTopic string
	// ClientConfig is the sarama configuration to start from (TLS, SASL,
	// version, timeouts; see kafkasource.Config.SaramaConfig); nil means
	// sarama's defaults with client id spindle. It is copied, and the
	// copy's producer is made idempotent (see ProducerConfig).
	ClientConfig *sarama.Config
	// Partitioner places keyed messages: PartitionerMurmur2 (""; Java's
	// producer's placement) or PartitionerFNV1a.
	Partitioner string
	// Transactional chooses whether each task's messages are committed in
	// one Kafka transaction (see KafkaSink.OpenRange). TransactionalAuto,
	// the zero value, uses transactions when the brokers support them.
	Transactional Transactional
	// TransactionalIDPrefix starts the transactional id of each source
	// partition's transactions, <prefix>-<topic>-<partition>, and is the
	// consumer group in which each transaction records the batch it
	// wrote. "" means DefaultTransactionalIDPrefix("", Topic).
	TransactionalIDPrefix string
	// TransactionTimeout is how long the transaction coordinator keeps a
	// transaction open when its producer goes silent, before aborting it;
	// 0 means DefaultTransactionTimeout.
	TransactionTimeout time.Duration
	// SourceTopics are the topics the application reads. A transaction
	// records its batch under its source partition, so with transactions
	// these topics must exist on the sink's cluster too.
	SourceTopics []string
	// Logger receives the sink's logs; nil logs nothing.
	Logger *zap.Logger
}

// KafkaSink writes each output of a batch-partition as a message to a Kafka
// topic, with the output's key and value, and each rejected record to a
// dead-letter topic as JSON with its reason. Every message carries the
// headers of its OutputID, so that a consumer that reads uncommitted
// messages, or a sink without transactions, can recognise the messages a
// replayed batch writes again (see Deduplicator). It is safe for
// concurrent use.
type KafkaSink struct {
	cfg    KafkaConfig
	lg     *zap.Logger
	client sarama.Client
	// producer is the idempotent producer of a sink without transactions.
	producer sarama.SyncProducer
	// txn is set when the sink writes in transactions.
	txn *txnSupport

	// mu guards closed; calls counts the sarama calls in flight, which
	// Close waits for before it closes the client under them.
	mu     sync.Mutex
	closed bool
	calls  sync.WaitGroup
}

// ProducerConfig returns the sarama configuration the Kafka sink produces
// with: a copy of base (sarama's defaults when nil) with the idempotent
// producer (acks from all in-sync replicas, one request in flight per
// broker, retried), successes returned, keyed messages placed by
// partitioner (see KafkaConfig.Partitioner), and topics never created by
// asking for their metadata.
func ProducerConfig(base *sarama.Config, partitioner string) (*sarama.Config, error) {
	place, err := partitionerFor(partitioner)
	if err != nil {
		return nil, err
	}
	var sc *sarama.Config
	if base != nil {
		cp := *base
		sc = &cp
	} else {
		sc = sarama.NewConfig()
		sc.ClientID = kafkasource.DefaultClientID
		sc.Metadata.Full = false
	}
	sc.Producer.Idempotent = true
	sc.Producer.RequiredAcks = sarama.WaitForAll
	sc.Net.MaxOpenRequests = 1
	sc.Producer.Retry.Max = max(sc.Producer.Retry.Max, DefaultProducerRetries)
	sc.Producer.Return.Successes = true
	sc.Producer.Return.Errors = true
	sc.Producer.Partitioner = place
	sc.Metadata.AllowAutoTopicCreation = false
	return sc, nil
}

// NewKafkaSink connects to the brokers, checks that both topics exist, and
// chooses whether to write in transactions (see KafkaConfig.Transactional).
func NewKafkaSink(ctx context.Context, cfg KafkaConfig) (*KafkaSink, error) {
	if len(cfg.Brokers) == 0 {
		return nil, fmt.Errorf("%w: Kafka sink: no bootstrap brokers", ErrInvalidConfig)
	}
	for _, t := range []string{cfg.Topic, cfg.DeadLetterTopic} {
		if err := kafkasource.ValidateTopic(t); err != nil {
			return nil, fmt.Errorf("%w: Kafka sink: %w", ErrInvalidConfig, err)
		}
	}
	if cfg.Topic == cfg.DeadLetterTopic {
		return nil, fmt.Errorf("%w: Kafka sink: outputs and dead letters both go to %q", ErrInvalidConfig, cfg.Topic)
	}
	if cfg.TransactionalIDPrefix == "" {
		cfg.TransactionalIDPrefix = DefaultTransactionalIDPrefix("", cfg.Topic)
	}
	if cfg.TransactionTimeout == 0 {
		cfg.TransactionTimeout = DefaultTransactionTimeout
	}
	sc, err := ProducerConfig(cfg.ClientConfig, cfg.Partitioner)
	if err != nil {
		return nil, err
	}
	if !sc.Version.IsAtLeast(sarama.V0_11_0_0) {
		return nil, fmt.Errorf("%w: Kafka sink: the idempotent producer needs Kafka 0.11.0 or later, %s is %s", ErrInvalidConfig, conf.KeyKafkaVersion, sc.Version)
	}
	sc.Producer.Transaction.Timeout = cfg.TransactionTimeout
	if err := sc.Validate(); err != nil {
		return nil, fmt.Errorf("%w: Kafka sink: sarama config: %w", ErrInvalidConfig, err)
	}
	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	client, err := sarama.NewClient(cfg.Brokers, sc)
	if err != nil {
		return nil, fmt.Errorf("sink: connect to Kafka brokers %v: %w", cfg.Brokers, err)
	}
	for _, t := range []string{cfg.Topic, cfg.DeadLetterTopic} {
		if err := checkTopic(ctx, client, t); err != nil {
			client.Close()
			return nil, err
		}
	}
	s := &KafkaSink{cfg: cfg, lg: lg, client: client}
	if s.txn, err = chooseTransactions(ctx, client, cfg, lg); err != nil {
		client.Close()
		return nil, err
	}
	if s.txn == nil {
		if s.producer, err = sarama.NewSyncProducerFromClient(client); err != nil {
			client.Close()
			return nil, fmt.Errorf("sink: start Kafka producer for %s: %w", cfg.Topic, err)
		}
	}
	lg.Info("writing outputs to Kafka", zap.String("topic", cfg.Topic), zap.String("deadLetterTopic", cfg.DeadLetterTopic),
		zap.Strings("brokers", cfg.Brokers), zap.Bool("transactional", s.txn != nil))
	return s, nil
}

// Transactional reports whether the sink writes in transactions.
func (s *KafkaSink) Transactional() bool { return s.txn != nil }

// checkTopic fails with ErrTopicNotFound when topic does not exist.
func checkTopic(ctx context.Context, client sarama.Client, topic string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sink: check Kafka topic %q: %w", topic, err)
	}
	parts, err := client.Partitions(topic)
	if errors.Is(err, sarama.ErrUnknownTopicOrPartition) || err == nil && len(parts) == 0 {
		return topicNotFound(topic)
	}
	if err != nil {
		return fmt.Errorf("sink: metadata of Kafka topic %q: %w", topic, err)
	}
	return nil
}

func topicNotFound(topic string) error {
	return fmt.Errorf("%w: %q: create it before starting the application (the Kafka sink does not create topics)", ErrTopicNotFound, topic)
}

// WritePartition writes one batch-partition's outputs to the output topic
// and returns once the brokers acknowledged every one of them. A replay of
// the batch writes the same messages with the same OutputIDs again. It
// writes outside transactions, so a transactional sink refuses it: tasks
// write through OpenRange.
func (s *KafkaSink) WritePartition(ctx context.Context, batchTime time.Time, topic string, partition int32, outputs []sdk.Output) error {
	if err := s.refuseOutsideTransaction(); err != nil {
		return err
	}
	return s.writeOutputs(ctx, batchTime, topic, partition, 0, outputs)
}

// writeOutputs writes one chunk's outputs with the idempotent producer;
// see WritePartition.
func (s *KafkaSink) writeOutputs(ctx context.Context, batchTime time.Time, topic string, partition int32, chunk int, outputs []sdk.Output) error {
	if err := s.send(ctx, s.producer.SendMessages, s.outputMessages(batchTime, topic, partition, chunk, outputs)); err != nil {
		return fmt.Errorf("sink: write outputs of batch %d, %s, to Kafka topic %q: %w", batchTime.UnixMilli(), sourceName(topic, partition, chunk), s.cfg.Topic, err)
	}
	return nil
}

// WriteRejected writes one batch-partition's rejected records to the
// dead-letter topic, as JSON with their reasons (the file sink's dead-letter
// lines), and returns once every one is acknowledged. A transactional sink
// refuses it: tasks write through OpenRange.
func (s *KafkaSink) WriteRejected(ctx context.Context, batchTime time.Time, topic string, partition int32, rejected []sdk.Rejected) error {
	if err := s.refuseOutsideTransaction(); err != nil {
		return err
	}
	return s.writeRejected(ctx, batchTime, topic, partition, 0, rejected)
}

// writeRejected writes one chunk's rejected records with the idempotent
// producer; see WriteRejected.
func (s *KafkaSink) writeRejected(ctx context.Context, batchTime time.Time, topic string, partition int32, chunk int, rejected []sdk.Rejected) error {
	msgs, err := s.rejectedMessages(batchTime, topic, partition, chunk, rejected)
	if err != nil {
		return err
	}
	if err := s.send(ctx, s.producer.SendMessages, msgs); err != nil {
		return fmt.Errorf("sink: write dead letters of batch %d, %s, to Kafka topic %q: %w", batchTime.UnixMilli(), sourceName(topic, partition, chunk), s.cfg.DeadLetterTopic, err)
	}
	return nil
}

func (s *KafkaSink) refuseOutsideTransaction() error {
	if s.txn != nil {
		return errors.New("sink: the transactional Kafka sink writes a task's outputs and dead letters in its transaction (OpenRange)")
	}
	return nil
}

// outputMessages are the messages of one chunk's outputs.
func (s *KafkaSink) outputMessages(batchTime time.Time, topic string, partition int32, chunk int, outputs []sdk.Output) []*sarama.ProducerMessage {
	msgs := make([]*sarama.ProducerMessage, len(outputs))
	for i, o := range outputs {
		m := s.message(s.cfg.Topic, OutputID{BatchTimeMs: batchTime.UnixMilli(), Topic: topic, Partition: partition, Chunk: chunk, Index: i, Count: len(outputs)})
		if o.Key != nil {
			m.Key = sarama.ByteEncoder(o.Key)
		}
		if o.Value != nil {
			m.Value = sarama.ByteEncoder(o.Value)
		}
		msgs[i] = m
	}
	return msgs
}

// rejectedMessages are the dead-letter messages of one chunk's rejected
// records.
func (s *KafkaSink) rejectedMessages(batchTime time.Time, topic string, partition int32, chunk int, rejected []sdk.Rejected) ([]*sarama.ProducerMessage, error) {
	msgs := make([]*sarama.ProducerMessage, len(rejected))
	for i, r := range rejected {
		body, err := json.Marshal(rejectedLine{Topic: r.Record.Topic, Partition: r.Record.Partition, Offset: r.Record.Offset, Stage: fmt.Sprint(r.Stage), Reason: r.Reason, Key: r.Record.Key, Value: r.Record.Value})
		if err != nil {
			return nil, fmt.Errorf("sink: dead letter of %s-%d at offset %d: %w", r.Record.Topic, r.Record.Partition, r.Record.Offset, err)
		}
		m := s.message(s.cfg.DeadLetterTopic, OutputID{BatchTimeMs: batchTime.UnixMilli(), Topic: topic, Partition: partition, Chunk: chunk, Index: i, Count: len(rejected)})
		m.Value = sarama.ByteEncoder(body)
		msgs[i] = m
	}
	return msgs, nil
}

// sourceName names a source partition, and its chunk after the first, in
// errors.
func sourceName(topic string, partition int32, chunk int) string {
	if chunk > 0 {
		return fmt.Sprintf("%s-%d chunk %d", topic, partition, chunk)
	}
	return fmt.Sprintf("%s-%d", topic, partition)
}

// message is a message to topic carrying id.
func (s *KafkaSink) message(topic string, id OutputID) *sarama.ProducerMessage {
	return &sarama.ProducerMessage{Topic: topic, Headers: id.Headers(), Metadata: id}
}

// send produces msgs with sendMessages and waits until all are acknowledged, one
// failed, or ctx ends. Messages still in flight when ctx ends may yet be
// written: outside a transaction, their OutputIDs make the retry's copies
// recognisable; in one, the transaction is aborted.
func (s *KafkaSink) send(ctx context.Context, sendMessages func([]*sarama.ProducerMessage) error, msgs []*sarama.ProducerMessage) error {
	if len(msgs) == 0 {
		return nil
	}
	err := s.await(ctx, func() error { return sendError(sendMessages(msgs), len(msgs)) })
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%d messages not all acknowledged: %w", len(msgs), err)
	}
	return err
}

// await runs a sarama call, which cannot be interrupted, and returns its
// error, or ctx's when ctx ends first; the call then finishes on its own.
// Close waits for calls in flight.
func (s *KafkaSink) await(ctx context.Context, call func() error) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errClosed
	}
	s.calls.Add(1)
	s.mu.Unlock()
	done := make(chan error, 1)
	go func() {
		defer s.calls.Done()
		done <- call()
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sendError describes a SendMessages error.
func sendError(err error, n int) error {
	if err == nil {
		return nil
	}
	var pes sarama.ProducerErrors
	if !errors.As(err, &pes) || len(pes) == 0 {
		return err
	}
	first := pes[0]
	if errors.Is(first.Err, sarama.ErrUnknownTopicOrPartition) {
		return fmt.Errorf("%d of %d messages failed: %w", len(pes), n, topicNotFound(first.Msg.Topic))
	}
	return fmt.Errorf("%d of %d messages failed, the first: %w", len(pes), n, first.Err)
}

// Close waits for writes in flight and closes the producer and its client.
func (s *KafkaSink) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.calls.Wait()
	var err error
	if s.producer != nil {
		err = s.producer.Close()
	}
	if cerr := s.client.Close(); cerr != nil && !errors.Is(cerr, sarama.ErrClosedClient) && err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sink: close Kafka producer for %s: %w", s.cfg.Topic, err)
	}
	return nil
}
