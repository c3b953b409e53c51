package clustertest

import (
	"fmt"
	"os"
	"path/filepath"
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
	"github.com/twmb/franz-go/pkg/kmsg"
)

// requestHold holds, at the broker, the AddOffsetsToTxn requests of the
// transactional ids it matches while it is armed, as a commit that stalls
// at its first step; released, they go on as usual.
type requestHold struct {
	mu       sync.Mutex
	match    func(txnID string) bool
	held     []string
	release  chan struct{}
	released bool
}

func holdCommits(t *testing.T, b *kafkatest.Broker) *requestHold {
	h := &requestHold{release: make(chan struct{})}
	c := b.Cluster()
	c.ControlKey(int16(kmsg.AddOffsetsToTxn), func(r kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		id := r.(*kmsg.AddOffsetsToTxnRequest).TransactionalID
		h.mu.Lock()
		hold := h.match != nil && h.match(id)
		if hold {
			h.held = append(h.held, id)
		}
		release := h.release
		h.mu.Unlock()
		if hold {
			c.SleepControl(func() { <-release })
		}
		return nil, nil, false
	})
	t.Cleanup(h.releaseAll)
	return h
}

// arm starts holding the commits of the ids match accepts.
func (h *requestHold) arm(match func(txnID string) bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.match, h.held, h.release, h.released = match, nil, make(chan struct{}), false
}

// waitHeld waits until n commits are held and returns their ids.
func (h *requestHold) waitHeld(t *testing.T, n int, timeout time.Duration) []string {
	t.Helper()
	var held []string
	testutil.WaitFor(t, timeout, func() (bool, string) {
		h.mu.Lock()
		defer h.mu.Unlock()
		held = append([]string(nil), h.held...)
		return len(held) >= n, fmt.Sprintf("%d commits held (%v), want %d", len(held), held, n)
	})
	return held
}

// releaseAll lets the held commits go on and holds no more.
func (h *requestHold) releaseAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.match = nil
	if !h.released {
		h.released = true
		close(h.release)
	}
}

// killExecutor SIGKILLs the executor container id of appID.
func killExecutor(t *testing.T, c *testutil.Cluster, appID, id string, nm int) {
	t.Helper()
	for _, ct := range c.RunningContainers(appID)[nm] {
		if ct.ID == id && ct.PID > 0 {
			if err := syscall.Kill(int(ct.PID), syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("executor %s of %s is not running", id, appID)
}

// waitDriverMember waits until group is a Stable consumer group whose one
// member is the driver (static, instance <group>-driver) holding every
// partition of topic, as kafka-consumer-groups --describe shows it, and
// returns the member id.
func waitDriverMember(t *testing.T, b *kafkatest.Broker, group, topic string, partitions int32) string {
	t.Helper()
	admin := b.Admin(t)
	var member string
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		descs, err := admin.DescribeConsumerGroups([]string{group})
		if err != nil || len(descs) != 1 {
			return false, fmt.Sprintf("describe %s: %v", group, err)
		}
		d := descs[0]
		if d.State != "Stable" || len(d.Members) != 1 {
			return false, fmt.Sprintf("group %s is %s with %d members", group, d.State, len(d.Members))
		}
		for id, m := range d.Members {
			a, err := m.GetMemberAssignment()
			if err != nil || a == nil {
				return false, fmt.Sprintf("member %s of %s has no assignment yet (%v)", id, group, err)
			}
			if m.GroupInstanceId == nil || *m.GroupInstanceId != group+"-driver" || len(a.Topics[topic]) != int(partitions) {
				return false, fmt.Sprintf("member %s of %s: instance %v, assignment %v", id, group, m.GroupInstanceId, a.Topics)
			}
			member = id
		}
		return true, ""
	})
	return member
}

// executorLogs concatenates the framework logs of appID's executors of
// attempt.
func executorLogs(t *testing.T, c *testutil.Cluster, appID string, attempt int) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(c.Dir, "nm*", "nm-logs", appID, fmt.Sprintf("container_*_%02d_*", attempt), "spindle.log"))
	var all strings.Builder
	for _, f := range files {
		if strings.HasSuffix(filepath.Dir(f), "_000001") {
			continue // the AM's
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(raw)
	}
	return all.String()
}

// TestRetailKafkaSinkTransactionsExactlyOnce: the retail job writes to
// Kafka with transactions (the default where the brokers support them).
// First an executor is SIGKILLed while its task's transaction is open,
// its messages written and its commit held at the broker; then the AM is
// SIGKILLed while a batch is half committed: some partitions' transactions
// committed, one held at its commit. A stock sarama consumer with
// isolation.level=read_committed reads every valid transaction's output,
// and every dead letter, exactly once, with no deduplication; a
// read_uncommitted consumer also sees the killed executor's aborted
// messages. The replay of the half-committed batch writes nothing for the
// partitions whose transactions had committed. Throughout, the source's
// consumer group shows the driver as its one member, the second attempt's
// after the AM kill.
func TestRetailKafkaSinkTransactionsExactlyOnce(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"tx": 4, "sales": 3, "sales-deadletter": 2})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	out, dead := tailTopicIsolated(t, b, "sales", sarama.ReadCommitted), tailTopicIsolated(t, b, "sales-deadletter", sarama.ReadCommitted)
	rawOut, rawDead := tailTopic(t, b, "sales"), tailTopic(t, b, "sales-deadletter")
	commits := holdCommits(t, b)
	f := localFS(t)
	var want testutil.RetailTotals
	sub := retailJob(t, c, b, "tx", f.local, "--name", "retail-eos", "--conf", "spark.yarn.maxAppAttempts=2",
		"--conf", "spindle.sink.kind=kafka", "--conf", "spindle.sink.kafka.topic=sales",
		// kfake reports a group's offsets as unstable while any
		// transaction has offsets pending in the group (Kafka: in the
		// partition), so a transaction that a killed executor left open
		// after its offset commit would hold up the other partitions'
		// tasks until it times out.
		"--conf", "spindle.sink.kafka.transaction.timeout.ms=10000")
	appID := sub.AppID()
	t.Cleanup(func() { killApp(t, c, appID) })
	execs := waitExecutors(t, c, appID, 2, 30*time.Second)
	if log := amLog(t, c, appID, 1); !strings.Contains(log, `"transactional": true`) {
		t.Fatalf("the AM did not choose transactions; its log:\n%s", log)
	}
	exactlyOnce := func(what string, timeout time.Duration) kafkaOutputs {
		t.Helper()
		got := waitRetailKafka(t, out, dead, &want, timeout)
		if len(got.replays) > 0 {
			t.Fatalf("%s: a read_committed consumer read outputs more than once, by batch: %v", what, got.replays)
		}
		return got
	}

	// Transactions 0-599 (one rejected at enrich).
	testutil.ProduceRetail(t, b, "tx", 4, 0, 600, &want)
	exactlyOnce("first batches", 60*time.Second)
	firstMember := waitDriverMember(t, b, "spindle-retail-eos", "tx", 4)

	// An executor dies with its transaction open: both executors' next
	// commits are held, one executor is killed, the other goes on.
	commits.arm(func(string) bool { return true })
	testutil.ProduceRetail(t, b, "tx", 4, 600, 600, &want)
	held := commits.waitHeld(t, 2, 30*time.Second)
	var victim string
	for id, nm := range execs {
		victim = id
		killExecutor(t, c, appID, id, nm)
		break
	}
	commits.releaseAll()
	t.Logf("executor %s killed with commits %v held", victim, held)
	exactlyOnce("after the executor kill", 90*time.Second)
	raw := readKafkaOutputs(t, rawOut, rawDead)
	aborted := 0
	for _, n := range raw.replays {
		aborted += n
	}
	if aborted == 0 {
		t.Fatal("a read_uncommitted consumer saw no message twice: the killed executor's transaction wrote nothing that was aborted")
	}
	t.Logf("read_uncommitted: %d messages of aborted transactions", aborted)

	// The AM dies mid-batch: one partition's commit is held until after
	// the kill, and at least one other partition of the batch has
	// committed.
	ckpt := filepath.Join(f.local, "checkpoint")
	before := newestBatchMs(t, ckpt)
	// The task of tx-3, or its first part if the driver split its range.
	target := sink.TransactionalID(sink.DefaultTransactionalIDPrefix("retail-eos", "sales"), "tx", 3, 0)
	commits.arm(func(id string) bool { return id == target })
	testutil.ProduceRetail(t, b, "tx", 4, 1200, 600, &want)
	commits.waitHeld(t, 1, 30*time.Second)
	admin := b.Admin(t)
	group := sink.DefaultTransactionalIDPrefix("retail-eos", "sales")
	var inflight int64
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		offs := testutil.BatchOffsets(t, ckpt)
		if len(offs) == 0 || offs[len(offs)-1].BatchTimeMs <= before {
			return false, "no batch planned after the third wave yet"
		}
		inflight = offs[len(offs)-1].BatchTimeMs
		resp, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{"tx": {0, 1, 2}})
		if err != nil {
			return false, err.Error()
		}
		for p := range int32(3) {
			if blk := resp.GetBlock("tx", p); blk != nil && strings.Contains(blk.Metadata, fmt.Sprintf(`"batch":%d`, inflight)) {
				return true, ""
			}
		}
		return false, fmt.Sprintf("no other partition of batch %d committed in group %s yet", inflight, group)
	})
	for _, cm := range testutil.BatchCommits(t, ckpt) {
		if cm.BatchTimeMs == inflight {
			t.Fatalf("batch %d committed to the checkpoint although %s's commit is held", inflight, target)
		}
	}
	am := amContainer(t, c, appID, 1)
	if err := syscall.Kill(int(am.PID), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	commits.releaseAll()
	t.Logf("AM %s killed in batch %d", am.ID, inflight)

	// Transactions 1800-2399 arrive while the next attempt starts.
	testutil.ProduceRetail(t, b, "tx", 4, 1800, 600, &want)
	got := exactlyOnce("after the AM kill", 120*time.Second)
	if d := got.sink.IDsDiff(2400); d != "" {
		t.Fatalf("read_committed output topic: %s", d)
	}
	waitRetailState(t, f, &want, 30*time.Second)
	if m := waitDriverMember(t, b, "spindle-retail-eos", "tx", 4); m == firstMember {
		t.Fatalf("the consumer group's member is still attempt 1's driver %s", m)
	}
	if n := len(c.Attempts(appID)); n != 2 {
		t.Fatalf("%d attempts, want 2", n)
	}
	if r := c.Report(appID); r.GetState() != pb.ApplicationState_APPLICATION_STATE_RUNNING {
		t.Fatalf("app %v after the AM was killed, want RUNNING", r.GetState())
	}
	if log := amLog(t, c, appID, 2); !strings.Contains(log, "replaying uncommitted batch") {
		t.Fatalf("attempt 2 did not replay the batch in flight; its log:\n%s", log)
	}
	if log := executorLogs(t, c, appID, 2); !strings.Contains(log, "batch already committed to Kafka by an earlier attempt") {
		t.Fatalf("no executor of attempt 2 recognised a partition of batch %d that attempt 1 had committed; their logs:\n%s", inflight, log)
	}
}
