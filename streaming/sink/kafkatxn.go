package sink

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/sdk"
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
// the outputs of a source partition, <prefix>-<topic>-<partition>, or of
// the part of it that starts at chunk firstChunk when the driver split the
// partition's range into several tasks, <prefix>-<topic>-<partition>.<firstChunk>.
// Each task starts its transaction under its id, which fences the producer
// of any earlier attempt of the same task; the parts of a split range run
// at once under ids of their own.
func TransactionalID(prefix, topic string, partition int32, firstChunk int) string {
	return prefix + "-" + topic + "-" + strconv.Itoa(int(partition)) + partSuffix(firstChunk)
}

// TransactionGroup is the consumer group in which the transactions of a
// task starting at chunk firstChunk record their batch: the prefix, or
// <prefix>.<firstChunk> for the later parts of a split range (a group
// holds one record per source partition).
func TransactionGroup(prefix string, firstChunk int) string {
	return prefix + partSuffix(firstChunk)
}

// partSuffix names a later part of a split range.
func partSuffix(firstChunk int) string {
	if firstChunk > 0 {
		return "." + strconv.Itoa(firstChunk)
	}
	return ""
}

// txnSupport is what a transactional sink needs beside its client.
type txnSupport struct {
	// stableFetch is true when the brokers answer OffsetFetch version 7,
	// so that a fetch can wait for offsets a transaction is completing.
	stableFetch bool
}

// txnPartitionWriter writes one task's messages in one transaction.
type txnPartitionWriter struct {
	sink      *KafkaSink
	batchTime time.Time
	rng       kafkasource.OffsetRange
	id, group string
	marker    batchMarker
	p         *txnProducer
	// done is set when an earlier attempt's transaction of the task had
	// committed: the writer drops what it is given.
	done bool
}

// beginTransaction starts the transaction of a task. A new producer of
// the task's transactional id bumps its epoch: the producer of any earlier
// attempt is fenced, and its open transaction is ended before the producer
// is ready, so the group's record read next is final.
func (s *KafkaSink) beginTransaction(ctx context.Context, batchTime time.Time, rng kafkasource.OffsetRange, firstChunk int) (PartitionWriter, error) {
	w := &txnPartitionWriter{sink: s, batchTime: batchTime, rng: rng,
		id: TransactionalID(s.cfg.TransactionalIDPrefix, rng.Topic, rng.Partition, firstChunk), group: TransactionGroup(s.cfg.TransactionalIDPrefix, firstChunk),
		marker: batchMarker{BatchTimeMs: batchTime.UnixMilli(), From: rng.From}}
	p, err := s.newTxnProducer(ctx, w.id)
	if err != nil {
		return nil, w.fail(fmt.Errorf("start the transactional producer: %w", err))
	}
	w.p = p
	done, err := s.committed(ctx, w.group, rng, w.marker)
	if err != nil {
		s.abort(p)
		return nil, w.fail(err)
	}
	if done {
		s.abort(p)
		w.done = true
		s.lg.Info("batch already committed to Kafka by an earlier attempt; not written again",
			zap.Int64("batch", w.marker.BatchTimeMs), zap.String("topic", rng.Topic), zap.Int32("partition", rng.Partition), zap.String("transactionalId", w.id))
		return w, nil
	}
	if err := p.BeginTxn(); err != nil {
		s.abort(p)
		return nil, w.fail(err)
	}
	return w, nil
}

// fail names the task and its transaction in err.
func (w *txnPartitionWriter) fail(err error) error {
	return fmt.Errorf("sink: write batch %d, %s-%d, in Kafka transaction %s: %w%s", w.marker.BatchTimeMs, w.rng.Topic, w.rng.Partition, w.id, err, txnHint(err, w.sink.cfg.TransactionalIDPrefix))
}

func (w *txnPartitionWriter) WriteOutputs(ctx context.Context, chunk int, outputs []sdk.Output) error {
	if w.done {
		return nil
	}
	if err := w.sink.send(ctx, w.p.sendMessages, w.sink.outputMessages(w.batchTime, w.rng.Topic, w.rng.Partition, chunk, outputs)); err != nil {
		return w.fail(fmt.Errorf("outputs of chunk %d: %w", chunk, err))
	}
	return nil
}

func (w *txnPartitionWriter) WriteRejected(ctx context.Context, chunk int, rejected []sdk.Rejected) error {
	if w.done {
		return nil
	}
	msgs, err := w.sink.rejectedMessages(w.batchTime, w.rng.Topic, w.rng.Partition, chunk, rejected)
	if err != nil {
		return err
	}
	if err := w.sink.send(ctx, w.p.sendMessages, msgs); err != nil {
		return w.fail(fmt.Errorf("dead letters of chunk %d: %w", chunk, err))
	}
	return nil
}

// Commit commits the task's messages and its record in the sink's group
// in one transaction. Committed or not when it fails, a retry finds out:
// its producer ends this transaction, and it reads the group's record.
func (w *txnPartitionWriter) Commit(ctx context.Context) error {
	if w.done {
		return nil
	}
	meta := w.marker.encode()
	offsets := map[string][]*sarama.PartitionOffsetMetadata{w.rng.Topic: {{Partition: w.rng.Partition, Offset: w.rng.Until, LeaderEpoch: -1, Metadata: &meta}}}
	err := w.sink.await(ctx, func() error {
		return w.p.do(func(sp sarama.SyncProducer) error {
			if err := sp.AddOffsetsToTxn(offsets, w.group); err != nil {
				return err
			}
			return sp.CommitTxn()
		})
	})
	w.sink.abort(w.p)
	w.done = true
	if err != nil {
		return w.fail(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// Abort aborts the transaction, so that read_committed consumers never see
// its messages; a task that dies without it leaves the transaction to the
// next attempt, or to the transaction timeout.
func (w *txnPartitionWriter) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.sink.abort(w.p)
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
		return fmt.Sprintf("; the principal needs Write on transactional ids prefixed %q (or set %s=false)", prefix, conf.KeySinkKafkaTransactional)
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
