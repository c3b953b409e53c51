package clustertest

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/IBM/sarama"
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/streaming/sink"
)

// topicTail consumes every partition of a topic from its start, for as
// long as the test runs, and keeps what it read.
type topicTail struct {
	topic string
	mu    sync.Mutex
	msgs  []*sarama.ConsumerMessage
	err   error
}

// tailTopic starts consuming topic on b, with Kafka's default
// read_uncommitted isolation; the test's cleanup stops it.
func tailTopic(t *testing.T, b *kafkatest.Broker, topic string) *topicTail {
	t.Helper()
	return tailTopicIsolated(t, b, topic, sarama.ReadUncommitted)
}

// tailTopicIsolated starts consuming topic on b at the isolation level.
func tailTopicIsolated(t *testing.T, b *kafkatest.Broker, topic string, level sarama.IsolationLevel) *topicTail {
	t.Helper()
	cfg := b.SaramaConfig()
	cfg.Consumer.MaxWaitTime = 50 * time.Millisecond
	cfg.Consumer.IsolationLevel = level
	client, err := sarama.NewClient(b.Addrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	consumer, err := sarama.NewConsumerFromClient(client)
	if err != nil {
		client.Close()
		t.Fatal(err)
	}
	var (
		wg  sync.WaitGroup
		pcs []sarama.PartitionConsumer
	)
	// Partition consumers close before their consumer, as sarama needs.
	t.Cleanup(func() {
		for _, pc := range pcs {
			pc.AsyncClose()
		}
		wg.Wait()
		consumer.Close()
		client.Close()
	})
	parts, err := client.Partitions(topic)
	if err != nil {
		t.Fatalf("partitions of %s: %v", topic, err)
	}
	tt := &topicTail{topic: topic}
	for _, p := range parts {
		pc, err := consumer.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err != nil {
			t.Fatalf("consume %s-%d: %v", topic, p, err)
		}
		pcs = append(pcs, pc)
		wg.Go(func() {
			for m := range pc.Messages() {
				tt.mu.Lock()
				tt.msgs = append(tt.msgs, m)
				tt.mu.Unlock()
			}
		})
		wg.Go(func() {
			for err := range pc.Errors() {
				tt.mu.Lock()
				tt.err = cmp.Or(tt.err, error(err))
				tt.mu.Unlock()
			}
		})
	}
	return tt
}

// messages returns what was read so far; a consumer error fails the test.
func (tt *topicTail) messages(t testing.TB) []*sarama.ConsumerMessage {
	t.Helper()
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if tt.err != nil {
		t.Fatalf("consume %s: %v", tt.topic, tt.err)
	}
	return append([]*sarama.ConsumerMessage(nil), tt.msgs...)
}

// kafkaOutputs is what the Kafka sink wrote to its two topics, each output
// kept once by its OutputID.
type kafkaOutputs struct {
	// sink is the deduplicated outputs and dead letters as the retail job's
	// sink reader sees them.
	sink testutil.RetailSink
	// replays counts, per batch time, the messages that repeat an output
	// already in the topic.
	replays map[int64]int
	// incomplete names a batch-partition of which fewer outputs than its
	// count are in a topic, "" when none.
	incomplete string
}

// readKafkaOutputs checks every message of the output and dead-letter
// topics: each has a valid OutputID, and the copies of an output are
// equal. It keeps the first of each with a sink.Deduplicator and writes
// them out as the file sink would, to read with testutil.ReadRetailSink.
func readKafkaOutputs(t *testing.T, out, dead *topicTail) kafkaOutputs {
	t.Helper()
	dir := testutil.SharedDir(t)
	res := kafkaOutputs{replays: map[int64]int{}}
	for _, tc := range []struct {
		tail *topicTail
		dir  string
	}{{out, dir}, {dead, filepath.Join(dir, "_deadletter")}} {
		var dedup sink.Deduplicator
		first := map[sink.OutputID]*sarama.ConsumerMessage{}
		files := map[string]*bytes.Buffer{}
		seen := map[string]map[int]bool{}
		counts := map[string]int{}
		for _, m := range tc.tail.messages(t) {
			id, err := sink.ParseOutputID(m.Headers)
			if err != nil {
				t.Fatalf("%s-%d offset %d: %v", m.Topic, m.Partition, m.Offset, err)
			}
			if id.Topic != "tx" || id.Partition < 0 || id.Partition >= 4 {
				t.Fatalf("%s-%d offset %d: %v is not from a partition of tx", m.Topic, m.Partition, m.Offset, id)
			}
			if !dedup.First(id) {
				if f := first[id]; !bytes.Equal(f.Key, m.Key) || !bytes.Equal(f.Value, m.Value) {
					t.Fatalf("%v written twice with different contents: %q=%q at %s-%d@%d, %q=%q at %s-%d@%d",
						id, f.Key, f.Value, f.Topic, f.Partition, f.Offset, m.Key, m.Value, m.Topic, m.Partition, m.Offset)
				}
				res.replays[id.BatchTimeMs]++
				continue
			}
			first[id] = m
			name := filepath.Join(tc.dir, fmt.Sprintf("batch=%d", id.BatchTimeMs), fmt.Sprintf("part-%s-%d", id.Topic, id.Partition))
			if files[name] == nil {
				files[name], seen[name] = &bytes.Buffer{}, map[int]bool{}
			}
			if m.Key != nil {
				files[name].Write(m.Key)
				files[name].WriteByte('\t')
			}
			files[name].Write(m.Value)
			files[name].WriteByte('\n')
			seen[name][id.Index] = true
			counts[name] = id.Count
		}
		for name, buf := range files {
			if n := len(seen[name]); n < counts[name] {
				res.incomplete = fmt.Sprintf("%s: %d of %d outputs of %s", tc.tail.topic, n, counts[name], strings.TrimPrefix(name, dir))
			}
			if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	res.sink = testutil.ReadRetailSink(t, dir)
	return res
}

// waitRetailKafka waits until the deduplicated topics hold exactly want,
// every batch-partition complete, and fails on a transaction under two
// OutputIDs: a copy no consumer could recognise.
func waitRetailKafka(t *testing.T, out, dead *topicTail, want *testutil.RetailTotals, timeout time.Duration) kafkaOutputs {
	t.Helper()
	var got kafkaOutputs
	testutil.WaitFor(t, timeout, func() (bool, string) {
		got = readKafkaOutputs(t, out, dead)
		if d := want.Diff(got.sink.Totals); d != "" {
			return false, "Kafka sink: " + d
		}
		return got.incomplete == "", "incomplete batch-partition: " + got.incomplete
	})
	if len(got.sink.Duplicates) > 0 {
		t.Fatalf("transactions in the output topic under more than one OutputID: %v", got.sink.Duplicates)
	}
	return got
}

// TestRetailKafkaSinkSurvivesAMKill: the retail job writes to Kafka with
// spindle.sink.kind=kafka, without transactions, and its AM is SIGKILLed while a batch is half
// done — offsets recorded, some partitions' outputs in the output topic,
// others held up by a stopped executor, no commit. The next attempt replays
// that batch, writing those outputs again with the same OutputIDs. Every
// message carries valid OutputID headers, the copies of an output are
// equal, and once deduplicated by OutputID the output topic holds every
// valid transaction exactly once with exact revenue per store and the
// dead-letter topic every rejected one with its reason.
func TestRetailKafkaSinkSurvivesAMKill(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"tx": 4, "sales": 3, "sales-deadletter": 2})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	out, dead := tailTopic(t, b, "sales"), tailTopic(t, b, "sales-deadletter")
	f := localFS(t)
	var want testutil.RetailTotals
	sub := retailJob(t, c, b, "tx", f.local, "--conf", "spark.yarn.maxAppAttempts=2",
		"--conf", "spindle.sink.kind=kafka", "--conf", "spindle.sink.kafka.topic=sales", "--conf", "spindle.sink.kafka.transactional=false")
	appID := sub.AppID()
	t.Cleanup(func() { killApp(t, c, appID) })
	execs := waitExecutors(t, c, appID, 2, 30*time.Second)

	// Transactions 0-599 (one rejected at enrich) are processed.
	testutil.ProduceRetail(t, b, "tx", 4, 0, 600, &want)
	waitRetailKafka(t, out, dead, &want, 60*time.Second)

	// Stop one executor, so that the next batch with records cannot
	// finish, and produce 600-1199 (one rejected at parse).
	resume := pauseOneExecutor(t, c, appID, execs)
	ckpt := filepath.Join(f.local, "checkpoint")
	before := newestBatchMs(t, ckpt)
	testutil.ProduceRetail(t, b, "tx", 4, 600, 600, &want)

	// Mid-batch: offsets recorded, some outputs in the topic, no commit.
	var inflight int64
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		committed := map[int64]bool{}
		for _, cm := range testutil.BatchCommits(t, ckpt) {
			committed[cm.BatchTimeMs] = true
		}
		for _, o := range testutil.BatchOffsets(t, ckpt) {
			if o.BatchTimeMs <= before || o.Records() == 0 {
				continue
			}
			if committed[o.BatchTimeMs] {
				t.Fatalf("batch %d committed although an executor is stopped", o.BatchTimeMs)
			}
			batch := []byte(strconv.FormatInt(o.BatchTimeMs, 10))
			for _, m := range out.messages(t) {
				for _, h := range m.Headers {
					if string(h.Key) == sink.HeaderBatchTime && bytes.Equal(h.Value, batch) {
						inflight = o.BatchTimeMs
						return true, ""
					}
				}
			}
			return false, fmt.Sprintf("batch %d planned, no output in the topic yet", o.BatchTimeMs)
		}
		return false, "the batch with transactions 600-1199 is not planned yet"
	})
	am := amContainer(t, c, appID, 1)
	if err := syscall.Kill(int(am.PID), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	resume()
	t.Logf("AM %s killed in batch %d", am.ID, inflight)

	// Transactions 1200-1799 arrive while the next attempt starts.
	testutil.ProduceRetail(t, b, "tx", 4, 1200, 600, &want)
	got := waitRetailKafka(t, out, dead, &want, 60*time.Second)
	if d := got.sink.IDsDiff(1800); d != "" {
		t.Fatalf("deduplicated output topic: %s", d)
	}
	waitRetailState(t, f, &want, 30*time.Second)
	t.Logf("messages repeating an output, by batch: %v", got.replays)
	if got.replays[inflight] == 0 {
		t.Fatalf("no output of batch %d, in flight when the AM died, was written again with the same OutputID (repeats by batch: %v)", inflight, got.replays)
	}

	if n := len(c.Attempts(appID)); n != 2 {
		t.Fatalf("%d attempts, want 2", n)
	}
	if r := c.Report(appID); r.GetState() != pb.ApplicationState_APPLICATION_STATE_RUNNING {
		t.Fatalf("app %v after the AM was killed, want RUNNING", r.GetState())
	}
	committed := false
	for _, cm := range testutil.BatchCommits(t, ckpt) {
		committed = committed || cm.BatchTimeMs == inflight
	}
	if !committed {
		t.Fatalf("batch %d, in flight when the AM died, was not committed by the next attempt", inflight)
	}
	if log := amLog(t, c, appID, 2); !strings.Contains(log, "replaying uncommitted batch") {
		t.Fatalf("attempt 2 did not replay the batch in flight; its log:\n%s", log)
	}
	if files, _ := filepath.Glob(filepath.Join(f.local, "out", "batch=*")); len(files) > 0 {
		t.Fatalf("the file sink wrote %v although the Kafka sink was chosen", files)
	}
}
