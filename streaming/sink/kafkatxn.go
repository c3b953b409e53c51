package sink

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"go.uber.org/zap"
)

// Transactional is the setting of spindle.sink.kafka.transactional.
type Transactional int

// Values of Transactional.
const (
	// TransactionalAuto writes in transactions when the brokers support
	// them (the key unset).
	TransactionalAuto Transactional = iota
	// TransactionalOn writes in transactions, or refuses to start.
	TransactionalOn
	// TransactionalOff writes with the idempotent producer only.
	TransactionalOff
)

// DefaultTransactionTimeout is how long, by default, the transaction
// coordinator keeps a silent producer's transaction open: Kafka's
// transaction.timeout.ms default. It bounds how long read_committed
// consumers wait behind the open transaction of an executor that died
// and whose task is not run again sooner.
const DefaultTransactionTimeout = time.Minute

// abortTimeout bounds the abort of a transaction that failed.
const abortTimeout = 10 * time.Second

// DefaultTransactionalIDPrefix is the transactional id prefix of an
// application named appName writing to topic: spindle-<app name>-<topic>,
// or spindle-<topic> for an application without a name.
func DefaultTransactionalIDPrefix(appName, topic string) string {
	if appName == "" {
		return "spindle-" + topic
	}
	return "spindle-" + appName + "-" + topic
}

// TransactionalID is the transactional id of the transactions that write
// the outputs of a source partition: <prefix>-<topic>-<partition>. Each
// task of the partition starts its transaction under it, which fences the
// producer of any earlier attempt of the partition's tasks.
func TransactionalID(prefix, topic string, partition int32) string {
	return prefix + "-" + topic + "-" + strconv.Itoa(int(partition))
}

// txnSupport is what a transactional sink needs beside its client.
type txnSupport struct {
	// group is the consumer group, on the sink's cluster, in which each
	// transaction records the batch-partition it wrote.
	group string
	// stableFetch is true when the brokers answer OffsetFetch version 7,
	// so that a fetch can wait for offsets a transaction is completing.
	stableFetch bool
}

// writeTransaction commits msgs, the messages of batch-partition rng, in
// one transaction, unless an earlier attempt's transaction committed
// them already.
func (s *KafkaSink) writeTransaction(ctx context.Context, batchTime time.Time, rng kafkasource.OffsetRange, msgs []*sarama.ProducerMessage) error {
	id := TransactionalID(s.cfg.TransactionalIDPrefix, rng.Topic, rng.Partition)
	marker := batchMarker{BatchTimeMs: batchTime.UnixMilli(), From: rng.From}
	fail := func(err error) error {
		return fmt.Errorf("sink: write batch %d, %s-%d, in Kafka transaction %s: %w%s", marker.BatchTimeMs, rng.Topic, rng.Partition, id, err, txnHint(err, s.cfg.TransactionalIDPrefix))
	}
	// A new producer of the id bumps its epoch: the producer of any
	// earlier attempt is fenced, and its open transaction is ended before
	// the producer is ready, so the group's record read next is final.
	p, err := s.newTxnProducer(ctx, id)
	if err != nil {
		return fail(fmt.Errorf("start the transactional producer: %w", err))
	}
	done, err := s.committed(ctx, rng, marker)
	if err != nil {
		s.abort(p)
		return fail(err)
	}
	if done {
		s.abort(p)
		s.lg.Info("batch already committed to Kafka by an earlier attempt; not written again",
			zap.Int64("batch", marker.BatchTimeMs), zap.String("topic", rng.Topic), zap.Int32("partition", rng.Partition), zap.String("transactionalId", id))
		return nil
	}
	if err := p.BeginTxn(); err != nil {
		s.abort(p)
		return fail(err)
	}
	if err := s.send(ctx, p.sendMessages, msgs); err != nil {
		s.abort(p)
		return fail(err)
	}
	meta := marker.encode()
	offsets := map[string][]*sarama.PartitionOffsetMetadata{rng.Topic: {{Partition: rng.Partition, Offset: rng.Until, LeaderEpoch: -1, Metadata: &meta}}}
	err = s.await(ctx, func() error {
		return p.do(func(sp sarama.SyncProducer) error {
			if err := sp.AddOffsetsToTxn(offsets, s.txn.group); err != nil {
				return err
			}
			return sp.CommitTxn()
		})
	})
	// Committed or not, a retry finds out: its producer ends this
	// transaction, and it reads the group's record.
	s.abort(p)
	if err != nil {
		return fail(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// txnProducer is one task's transactional producer. Its calls run one at
// a time, so that the abort and close of a task whose context ended wait
// for the call it left running.
type txnProducer struct {
	mu sync.Mutex
	p  sarama.SyncProducer
}

func (t *txnProducer) do(call func(sarama.SyncProducer) error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return call(t.p)
}

// BeginTxn starts the transaction; it sends nothing.
func (t *txnProducer) BeginTxn() error {
	return t.do(func(p sarama.SyncProducer) error { return p.BeginTxn() })
}

func (t *txnProducer) sendMessages(msgs []*sarama.ProducerMessage) error {
	return t.do(func(p sarama.SyncProducer) error { return p.SendMessages(msgs) })
}

// newTxnProducer starts a producer with transactional id id, sharing the
// sink's connections; a producer that starts after ctx ended is closed.
func (s *KafkaSink) newTxnProducer(ctx context.Context, id string) (*txnProducer, error) {
	conf := *s.client.Config()
	conf.Producer.Transaction.ID = id
	view := txnClient{Client: s.client, conf: &conf}
	var (
		mu      sync.Mutex
		started *txnProducer
		gone    bool
	)
	err := s.await(ctx, func() error {
		p, err := sarama.NewSyncProducerFromClient(view)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if gone {
			return p.Close()
		}
		started = &txnProducer{p: p}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	if err != nil {
		gone = true
		if started != nil {
			s.abort(started)
		}
		return nil, err
	}
	return started, nil
}

// abort aborts p's transaction, if one is open, and closes p, once any
// call of p still running returns. It waits at most abortTimeout: the next
// writer of the partition ends the transaction in any case.
func (s *KafkaSink) abort(p *txnProducer) {
	ctx, cancel := context.WithTimeout(context.Background(), abortTimeout)
	defer cancel()
	err := s.await(ctx, func() error {
		return p.do(func(sp sarama.SyncProducer) error {
			var err error
			if sp.TxnStatus()&sarama.ProducerTxnFlagInTransaction != 0 {
				err = sp.AbortTxn()
			}
			return errors.Join(err, sp.Close())
		})
	})
	if err != nil && !errors.Is(err, errClosed) {
		s.lg.Info("a failed Kafka transaction was not aborted; the next attempt of its task ends it", zap.Error(err))
	}
}

// txnHint tells the operator what to do about a transaction error.
func txnHint(err error, prefix string) string {
	switch {
	case errors.Is(err, sarama.ErrTransactionalIDAuthorizationFailed):
		return fmt.Sprintf("; the principal needs Write on transactional ids prefixed %q (or set %s=false)", prefix, KeyKafkaTransactional)
	case errors.Is(err, sarama.ErrGroupAuthorizationFailed):
		return fmt.Sprintf("; the principal needs Read on the consumer group %q", prefix)
	case errors.Is(err, sarama.ErrProducerFenced), errors.Is(err, sarama.ErrInvalidProducerEpoch):
		return "; a newer attempt of this task took over the partition"
	}
	return ""
}

// txnClient is a view of the sink's client whose configuration carries one
// transactional id: sarama takes a producer's transactional id from its
// client's configuration, and the view lets every transaction share the
// sink's connections. Closing a producer made from it leaves the client
// open.
type txnClient struct {
	sarama.Client
	conf *sarama.Config
}

func (c txnClient) Config() *sarama.Config { return c.conf }
