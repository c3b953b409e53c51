package sink

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

const txnPrefix = "spindle-test-out"

// newTxnSink starts a sink on b writing to out and out-deadletter, reading
// the source topic orders, with transactions where the broker has them.
func newTxnSink(t *testing.T, b *kafkatest.Broker, mode Transactional, lg *zap.Logger) *KafkaSink {
	t.Helper()
	return startSink(t, KafkaConfig{Brokers: b.Addrs(), Topic: "out", DeadLetterTopic: "out-deadletter",
		Transactional: mode, TransactionalIDPrefix: txnPrefix, SourceTopics: []string{"orders"}, Logger: lg})
}

// writeTask writes a task as an executor does, its outputs and dead
// letters as one chunk.
func writeTask(ctx context.Context, s *KafkaSink, batch time.Time, rng kafkasource.OffsetRange, outs []sdk.Output, rej []sdk.Rejected) error {
	return writeChunks(ctx, s, batch, rng, 0, [][]sdk.Output{outs}, rej)
}

// writeChunks writes a task whose first chunk is firstChunk, its outputs
// in chunks and its dead letters with the first.
func writeChunks(ctx context.Context, s *KafkaSink, batch time.Time, rng kafkasource.OffsetRange, firstChunk int, chunks [][]sdk.Output, rej []sdk.Rejected) error {
	w, err := s.OpenRange(ctx, batch, rng, firstChunk)
	if err != nil {
		return err
	}
	for i, outs := range chunks {
		if err := w.WriteOutputs(ctx, firstChunk+i, outs); err != nil {
			w.Abort()
			return err
		}
		if i == 0 {
			if err := w.WriteRejected(ctx, firstChunk, rej); err != nil {
				w.Abort()
				return err
			}
		}
	}
	return w.Commit(ctx)
}

func txnTopics(extra ...string) map[string]int32 {
	m := map[string]int32{"out": 3, "out-deadletter": 2, "orders": 4}
	for _, t := range extra {
		m[t] = 1
	}
	return m
}

func rejectedOf(n int, partition int32) []sdk.Rejected {
	out := make([]sdk.Rejected, n)
	for i := range out {
		out[i] = sdk.Rejected{Record: sdk.Record{Topic: "orders", Partition: partition, Offset: int64(i)}, Stage: sdk.StageParse, Reason: fmt.Sprintf("bad %d", i)}
	}
	return out
}

// idCounts counts the messages of each OutputID.
func idCounts(t *testing.T, ms []kafkatest.Message) map[OutputID]int {
	t.Helper()
	out := map[OutputID]int{}
	for _, m := range ms {
		id, err := ParseOutputID(headerSlice(m.Headers))
		if err != nil {
			t.Fatalf("%s-%d@%d: %v", m.Topic, m.Partition, m.Offset, err)
		}
		out[id]++
	}
	return out
}

// wantOnce fails unless ms hold exactly n outputs of batch-partition
// (batch, orders-partition), each once.
func wantOnce(t *testing.T, what string, ms []kafkatest.Message, batch time.Time, partition int32, n int) {
	t.Helper()
	got := map[OutputID]int{}
	for id, c := range idCounts(t, ms) {
		if id.BatchTimeMs == batch.UnixMilli() && id.Partition == partition {
			got[id] = c
		}
	}
	if len(got) != n {
		t.Fatalf("%s: %d outputs of batch %d orders-%d, want %d", what, len(got), batch.UnixMilli(), partition, n)
	}
	for id, c := range got {
		if c != 1 {
			t.Fatalf("%s: %v read %d times, want once", what, id, c)
		}
	}
}

// TestKafkaSinkTransactionRecognisesReplay: a task's outputs and dead
// letters are committed together; a replay of the batch-partition by a
// new sink (a new attempt's executor) finds the transaction's record in
// the sink's consumer group and writes nothing, so a read_committed and
// even a read_uncommitted consumer read each output once; other batches,
// and the same batch time over another range, are written.
func TestKafkaSinkTransactionRecognisesReplay(t *testing.T) {
	b := kafkatest.Start(t, txnTopics())
	first := newTxnSink(t, b, TransactionalAuto, nil)
	if !first.Transactional() {
		t.Fatal("the sink does not use transactions, though the broker supports them")
	}
	ctx := context.Background()
	batch := time.UnixMilli(1_700_000_001_000)
	rng := kafkasource.OffsetRange{Topic: "orders", Partition: 2, From: 10, Until: 20}
	outs, rej := outputs(7, "t"), rejectedOf(2, 2)
	if err := writeTask(ctx, first, batch, rng, outs, rej); err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.InfoLevel)
	replay := newTxnSink(t, b, TransactionalAuto, zap.New(core))
	if err := writeTask(ctx, replay, batch, rng, outs, rej); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if n := logs.FilterMessage("batch already committed to Kafka by an earlier attempt; not written again").Len(); n != 1 {
		t.Fatalf("the replay logged %d recognitions, want 1", n)
	}
	for what, ms := range map[string][]kafkatest.Message{
		"read_committed out":                   b.ReadCommitted(t, "out"),
		"read_uncommitted out":                 b.ReadUncommitted(t, "out"),
		"read_committed out-deadletter":        b.ReadCommitted(t, "out-deadletter"),
		"read_uncommitted out-deadletter (dl)": b.ReadUncommitted(t, "out-deadletter"),
	} {
		n := len(outs)
		if strings.Contains(what, "deadletter") {
			n = len(rej)
		}
		wantOnce(t, what, ms, batch, 2, n)
	}

	// The group holds the record: the range's end, and the batch.
	admin, err := sarama.NewClusterAdminFromClient(b.Client(t))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := admin.ListConsumerGroupOffsets(txnPrefix, map[string][]int32{"orders": {2}})
	if err != nil {
		t.Fatal(err)
	}
	blk := resp.GetBlock("orders", 2)
	if blk == nil || blk.Offset != 20 || blk.Metadata != `{"v":1,"batch":1700000001000,"from":10}` {
		t.Fatalf("group %s holds %+v for orders-2, want offset 20 and the batch's marker", txnPrefix, blk)
	}

	// The next batch, and a batch with the same time over another range
	// (a new checkpoint reading again), are written.
	next := time.UnixMilli(1_700_000_002_000)
	if err := writeTask(ctx, replay, next, kafkasource.OffsetRange{Topic: "orders", Partition: 2, From: 20, Until: 25}, outputs(3, "n"), nil); err != nil {
		t.Fatal(err)
	}
	if err := writeTask(ctx, replay, batch, kafkasource.OffsetRange{Topic: "orders", Partition: 2, From: 0, Until: 20}, outputs(4, "o"), nil); err != nil {
		t.Fatal(err)
	}
	got := idCounts(t, b.ReadCommitted(t, "out"))
	if len(got) != 7+3+4 {
		t.Fatalf("%d distinct outputs after two more batches, want 14: %v", len(got), got)
	}
	if n := got[OutputID{BatchTimeMs: next.UnixMilli(), Topic: "orders", Partition: 2, Index: 2, Count: 3}]; n != 1 {
		t.Fatalf("the next batch's last output read %d times, want once", n)
	}
	if n := got[OutputID{BatchTimeMs: batch.UnixMilli(), Topic: "orders", Partition: 2, Index: 0, Count: 4}]; n != 1 {
		t.Fatalf("the same-time batch over another range read %d times, want once", n)
	}
}

// TestKafkaSinkTransactionFencesEarlierAttempt: a task of an earlier
// attempt has written its messages but not committed when the partition's
// next writer starts: the earlier transaction is aborted and its commit
// fails as fenced, and a read_committed consumer reads the outputs once,
// though a read_uncommitted one sees the aborted copies too.
func TestKafkaSinkTransactionFencesEarlierAttempt(t *testing.T) {
	b := kafkatest.Start(t, txnTopics())
	old, next := newTxnSink(t, b, TransactionalAuto, nil), newTxnSink(t, b, TransactionalAuto, nil)
	held, release := make(chan struct{}), make(chan struct{})
	var adds atomic.Int32
	c := b.Cluster()
	c.ControlKey(int16(kmsg.AddOffsetsToTxn), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		// The first commit is the old attempt's: hold it.
		if adds.Add(1) == 1 {
			close(held)
			c.SleepControl(func() { <-release })
		}
		return nil, nil, false
	})
	ctx := context.Background()
	batch := time.UnixMilli(1_700_000_003_000)
	rng := kafkasource.OffsetRange{Topic: "orders", Partition: 1, From: 0, Until: 9}
	outs := outputs(9, "f")
	oldErr := make(chan error, 1)
	go func() { oldErr <- writeTask(ctx, old, batch, rng, outs, rejectedOf(1, 1)) }()
	select {
	case <-held:
	case err := <-oldErr:
		t.Fatalf("the old attempt's write ended before its commit: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the old attempt never committed")
	}
	if err := writeTask(ctx, next, batch, rng, outs, rejectedOf(1, 1)); err != nil {
		t.Fatalf("the next attempt: %v", err)
	}
	close(release)
	select {
	case err := <-oldErr:
		if err == nil || !strings.Contains(err.Error(), "spindle-test-out-orders-1") {
			t.Fatalf("the fenced attempt's write: %v; want an error naming its transactional id", err)
		}
		t.Logf("fenced attempt: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the fenced attempt's write never returned")
	}
	wantOnce(t, "read_committed", b.ReadCommitted(t, "out"), batch, 1, len(outs))
	for id, n := range idCounts(t, b.ReadUncommitted(t, "out")) {
		if n != 2 {
			t.Fatalf("read_uncommitted: %v read %d times, want twice (aborted and committed)", id, n)
		}
	}
}

// TestKafkaSinkTransactionsConcurrent: tasks of several partitions write
// at once through one sink, each in its own transaction.
func TestKafkaSinkTransactionsConcurrent(t *testing.T) {
	b := kafkatest.Start(t, txnTopics())
	s := newTxnSink(t, b, TransactionalOn, nil)
	batch := time.UnixMilli(1_700_000_004_000)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for p := range int32(4) {
		wg.Go(func() {
			rng := kafkasource.OffsetRange{Topic: "orders", Partition: p, From: 0, Until: 50}
			errs <- writeTask(context.Background(), s, batch, rng, outputs(50, fmt.Sprint(p)), rejectedOf(int(p), p))
			next := kafkasource.OffsetRange{Topic: "orders", Partition: p, From: 50, Until: 60}
			errs <- writeTask(context.Background(), s, batch.Add(time.Second), next, outputs(10, fmt.Sprint(p)), nil)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := idCounts(t, b.ReadCommitted(t, "out"))
	if len(got) != 4*60 {
		t.Fatalf("%d outputs, want %d", len(got), 4*60)
	}
	if dl := idCounts(t, b.ReadCommitted(t, "out-deadletter")); len(dl) != 0+1+2+3 {
		t.Fatalf("%d dead letters, want 6", len(dl))
	}
}

// TestKafkaSinkWithoutTransactionSupport: a broker that lacks the
// transaction APIs, or a sink cluster without the source topic (where the
// batch records go), makes spindle.sink.kafka.transactional=true an error
// that says why, and the default fall back to the idempotent producer
// with a warning.
func TestKafkaSinkWithoutTransactionSupport(t *testing.T) {
	b := kafkatest.Start(t, txnTopics())
	// What the broker answers, minus the transaction coordinator's APIs.
	real, err := b.Client(t).LeastLoadedBroker().ApiVersions(&sarama.ApiVersionsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	b.Cluster().ControlKey(int16(kmsg.ApiVersions), func(r kmsg.Request) (kmsg.Response, error, bool) {
		b.Cluster().KeepControl()
		resp := r.(*kmsg.ApiVersionsRequest).ResponseKind().(*kmsg.ApiVersionsResponse)
		for _, k := range real.ApiKeys {
			if !slices.Contains([]int16{25, 26, 28}, k.ApiKey) {
				resp.ApiKeys = append(resp.ApiKeys, kmsg.ApiVersionsResponseApiKey{ApiKey: k.ApiKey, MinVersion: k.MinVersion, MaxVersion: k.MaxVersion})
			}
		}
		return resp, nil, true
	})
	check := func(t *testing.T, cfg KafkaConfig, why string) {
		cfg.Brokers, cfg.Topic, cfg.DeadLetterTopic = b.Addrs(), "out", "out-deadletter"
		cfg.Transactional = TransactionalOn
		_, err := NewKafkaSink(context.Background(), cfg)
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "spindle.sink.kafka.transactional=true but ") || !strings.Contains(err.Error(), why) {
			t.Fatalf("transactional=true: %v; want an error saying %q", err, why)
		}
		core, logs := observer.New(zap.WarnLevel)
		cfg.Transactional, cfg.Logger = TransactionalAuto, zap.New(core)
		s, err := NewKafkaSink(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if s.Transactional() || logs.Len() != 1 || !strings.Contains(fmt.Sprint(logs.All()[0].ContextMap()["reason"]), why) {
			t.Fatalf("default: transactional %v, warnings %v; want the idempotent producer and a warning saying %q", s.Transactional(), logs.All(), why)
		}
		if err := writeTask(context.Background(), s, time.UnixMilli(1), kafkasource.OffsetRange{Topic: "orders", Partition: 0, Until: 1}, outputs(2, "i"), nil); err != nil {
			t.Fatalf("the idempotent fallback: %v", err)
		}
	}
	t.Run("no transaction APIs", func(t *testing.T) {
		check(t, KafkaConfig{SourceTopics: []string{"orders"}}, "does not support Kafka transactions (no API 25")
	})
}

func TestKafkaSinkSourceTopicMissingOnSinkCluster(t *testing.T) {
	b := kafkatest.Start(t, txnTopics())
	cfg := KafkaConfig{Brokers: b.Addrs(), Topic: "out", DeadLetterTopic: "out-deadletter", SourceTopics: []string{"orders", "payments"}, Transactional: TransactionalOn}
	_, err := NewKafkaSink(context.Background(), cfg)
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), `has no topic "payments"`) || !strings.Contains(err.Error(), `consumer group "spindle-out"`) {
		t.Fatalf("err %v; want one naming the missing source topic and the group", err)
	}
	cfg.Transactional = TransactionalAuto
	s, err := NewKafkaSink(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Transactional() {
		t.Fatal("transactions chosen without the source topic on the sink's cluster")
	}
}

func TestTransactionalIDs(t *testing.T) {
	prefix := DefaultTransactionalIDPrefix("retail", "sales")
	if got := TransactionalID(prefix, "tx", 3, 0); got != "spindle-retail-sales-tx-3" {
		t.Fatalf("transactional id %q", got)
	}
	if got, group := TransactionalID(prefix, "tx", 3, 4), TransactionGroup(prefix, 4); got != "spindle-retail-sales-tx-3.4" || group != "spindle-retail-sales.4" {
		t.Fatalf("a later part's transactional id %q, group %q", got, group)
	}
	if got := DefaultTransactionalIDPrefix("", "sales"); got != "spindle-sales" {
		t.Fatalf("prefix without an app name %q", got)
	}
}

// TestKafkaSinkTransactionsOfSplitRange: the parts of a range the driver
// split run at once, on two executors, each in a transaction of its own
// (neither fences the other), over several chunks; replayed, each part
// finds its own record and writes nothing.
func TestKafkaSinkTransactionsOfSplitRange(t *testing.T) {
	b := kafkatest.Start(t, txnTopics())
	ctx := context.Background()
	batch := time.UnixMilli(1_700_000_005_000)
	// The partition's range [0, 60) in chunks of 10 offsets, split at
	// offset 30: part one holds chunks 0-2, part two chunks 3-5.
	parts := []struct {
		rng        kafkasource.OffsetRange
		firstChunk int
	}{{kafkasource.OffsetRange{Topic: "orders", Partition: 0, From: 0, Until: 30}, 0}, {kafkasource.OffsetRange{Topic: "orders", Partition: 0, From: 30, Until: 60}, 3}}
	chunks := [][]sdk.Output{outputs(4, "c0"), outputs(5, "c1"), outputs(6, "c2")}
	for round := range 2 {
		core, logs := observer.New(zap.InfoLevel)
		sinks := []*KafkaSink{newTxnSink(t, b, TransactionalOn, zap.New(core)), newTxnSink(t, b, TransactionalOn, zap.New(core))}
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for i, p := range parts {
			wg.Go(func() { errs <- writeChunks(ctx, sinks[i], batch, p.rng, p.firstChunk, chunks, rejectedOf(1, 0)) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if n := logs.FilterMessage("batch already committed to Kafka by an earlier attempt; not written again").Len(); n != 2*round {
			t.Fatalf("round %d: %d parts recognised, want %d", round, n, 2*round)
		}
	}
	got := idCounts(t, b.ReadUncommitted(t, "out"))
	if len(got) != 2*(4+5+6) {
		t.Fatalf("%d outputs, want %d", len(got), 2*(4+5+6))
	}
	for id, n := range got {
		if n != 1 {
			t.Fatalf("%v written %d times", id, n)
		}
	}
	if dl := idCounts(t, b.ReadCommitted(t, "out-deadletter")); len(dl) != 2 {
		t.Fatalf("%d dead letters, want one per part", len(dl))
	}
}
