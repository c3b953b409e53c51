package kafkasource

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// groupConfig commits to group without joining it (see
// groupmember_test.go for the driver as a member).
func groupConfig(b *kafkatest.Broker, group string) Config {
	cfg := testConfig(b, ResetEarliest, "orders")
	cfg.GroupID = group
	cfg.Membership.Join = false
	return cfg
}

func newTestCommitter(t testing.TB, cfg Config) *GroupCommitter {
	t.Helper()
	c, err := NewGroupCommitter(cfg)
	if err != nil {
		t.Fatalf("NewGroupCommitter: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func mustCommit(t testing.TB, c *GroupCommitter, next map[TopicPartition]int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := c.CommitOffsets(ctx, next); err != nil {
		t.Fatalf("CommitOffsets(%v): %v", next, err)
	}
}

// groupOffsets returns the group's committed offsets of the partitions, as
// kafka-consumer-groups and Burrow read them; -1 means none.
func groupOffsets(t testing.TB, b *kafkatest.Broker, group string, tps ...TopicPartition) map[TopicPartition]int64 {
	t.Helper()
	cfg := b.SaramaConfig()
	cfg.Metadata.Full = true
	admin, err := sarama.NewClusterAdmin(b.Addrs(), cfg)
	if err != nil {
		t.Fatalf("new cluster admin: %v", err)
	}
	defer admin.Close()
	ask := make(map[string][]int32)
	for _, tp := range tps {
		ask[tp.Topic] = append(ask[tp.Topic], tp.Partition)
	}
	resp, err := admin.ListConsumerGroupOffsets(group, ask)
	out := make(map[TopicPartition]int64, len(tps))
	if errors.Is(err, sarama.ErrGroupIDNotFound) {
		// Nothing was ever committed to the group.
		for _, tp := range tps {
			out[tp] = -1
		}
		return out
	}
	if err != nil {
		t.Fatalf("list offsets of group %s: %v", group, err)
	}
	for _, tp := range tps {
		blk := resp.GetBlock(tp.Topic, tp.Partition)
		if blk == nil || !errors.Is(blk.Err, sarama.ErrNoError) {
			t.Fatalf("committed offset of %s in group %s: block %+v", tp, group, blk)
		}
		out[tp] = blk.Offset
	}
	return out
}

func checkGroupOffsets(t testing.TB, b *kafkatest.Broker, group string, want map[TopicPartition]int64) {
	t.Helper()
	tps := make([]TopicPartition, 0, len(want))
	for tp := range want {
		tps = append(tps, tp)
	}
	got := groupOffsets(t, b, group, tps...)
	for tp, off := range want {
		if got[tp] != off {
			t.Errorf("group %s: committed offset of %s = %d, want %d", group, tp, got[tp], off)
		}
	}
}

func TestGroupCommitterCommitsAndMovesOffsets(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"orders": 3, "audit": 1}, kafkatest.WithBrokers(3))
	for p := range int32(3) {
		b.Produce(t, "orders", p, 10, kv)
	}
	b.Produce(t, "audit", 0, 4, kv)
	c := newTestCommitter(t, groupConfig(b, "spindle-orders"))
	if c.Group() != "spindle-orders" {
		t.Fatalf("Group() = %q", c.Group())
	}

	first := map[TopicPartition]int64{
		{"orders", 0}: 3, {"orders", 1}: 10, {"orders", 2}: 0, {"audit", 0}: 4,
	}
	mustCommit(t, c, first)
	checkGroupOffsets(t, b, "spindle-orders", first)

	second := map[TopicPartition]int64{{"orders", 0}: 7, {"orders", 2}: 5}
	mustCommit(t, c, second)
	// Partitions left out of a commit keep their offsets.
	checkGroupOffsets(t, b, "spindle-orders", map[TopicPartition]int64{
		{"orders", 0}: 7, {"orders", 1}: 10, {"orders", 2}: 5, {"audit", 0}: 4,
	})
	// Other groups are untouched.
	checkGroupOffsets(t, b, "someone-else", map[TopicPartition]int64{{"orders", 0}: -1})

	// Nothing to commit is no request and no error.
	mustCommit(t, c, nil)
}

// groupReader is a sarama consumer group handler recording the first
// offset each claimed partition delivers.
type groupReader struct {
	mu    sync.Mutex
	first map[TopicPartition]int64
	want  int
	done  chan struct{}
	once  sync.Once
}

func (*groupReader) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (*groupReader) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (g *groupReader) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for {
		select {
		case <-sess.Context().Done():
			return nil
		case m, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			g.mu.Lock()
			tp := TopicPartition{Topic: m.Topic, Partition: m.Partition}
			if _, seen := g.first[tp]; !seen {
				g.first[tp] = m.Offset
			}
			if len(g.first) == g.want {
				g.once.Do(func() { close(g.done) })
			}
			g.mu.Unlock()
		}
	}
}

func TestGroupCommitterConsumerGroupResumes(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"orders": 2})
	b.Produce(t, "orders", 0, 10, kv)
	b.Produce(t, "orders", 1, 10, kv)
	c := newTestCommitter(t, groupConfig(b, "resume"))
	committed := map[TopicPartition]int64{{"orders", 0}: 6, {"orders", 1}: 2}
	mustCommit(t, c, committed)

	cfg := b.SaramaConfig()
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	// One broker serves the group's requests and the fetches on one
	// connection: a long fetch wait would hold up joining and commits.
	cfg.Consumer.MaxWaitTime = 10 * time.Millisecond
	cfg.Consumer.Group.Rebalance.Timeout = 5 * time.Second
	group, err := sarama.NewConsumerGroup(b.Addrs(), "resume", cfg)
	if err != nil {
		t.Fatalf("new consumer group: %v", err)
	}
	reader := &groupReader{first: make(map[TopicPartition]int64), want: 2, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	consumed := make(chan error, 1)
	go func() {
		var err error
		for ctx.Err() == nil && err == nil {
			err = group.Consume(ctx, []string{"orders"}, reader)
		}
		consumed <- err
	}()
	defer func() {
		cancel()
		<-consumed
		_ = group.Close()
	}()

	select {
	case <-reader.done:
	case <-time.After(testTimeout):
		t.Fatalf("consumer group read no record of both partitions within %v", testTimeout)
	}
	reader.mu.Lock()
	for tp, off := range committed {
		if reader.first[tp] != off {
			t.Errorf("consumer group started %s at %d, want the committed %d", tp, reader.first[tp], off)
		}
	}
	reader.mu.Unlock()

	// While the group has a member, its offsets are that member's: a
	// commit from outside is refused with advice.
	cctx, ccancel := context.WithTimeout(context.Background(), testTimeout)
	defer ccancel()
	err = c.CommitOffsets(cctx, map[TopicPartition]int64{{"orders", 0}: 9})
	t.Logf("commit to a group with members: %v", err)
	if err == nil || !strings.Contains(err.Error(), conf.KeyKafkaGroupID) || !strings.Contains(err.Error(), "orders-0") {
		t.Fatalf("commit to a group with members: error = %v, want one naming orders-0 and %s", err, conf.KeyKafkaGroupID)
	}
}

func TestGroupCommitterUnknownPartition(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"orders": 2})
	c := newTestCommitter(t, groupConfig(b, "unknown"))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	err := c.CommitOffsets(ctx, map[TopicPartition]int64{
		{"orders", 0}: 1, {"orders", 7}: 3, {"ghost", 0}: 2,
	})
	if !errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
		t.Fatalf("error = %v, want ErrUnknownTopicOrPartition", err)
	}
	for _, name := range []string{"orders-7 at offset 3", "ghost-0 at offset 2", "group unknown"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %q", err, name)
		}
	}
	if strings.Contains(err.Error(), "orders-0") {
		t.Errorf("error %q names orders-0, which was committed", err)
	}
	checkGroupOffsets(t, b, "unknown", map[TopicPartition]int64{{"orders", 0}: 1})
}

func TestGroupCommitterRetriesAfterCoordinatorMoved(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"orders": 2})
	c := newTestCommitter(t, groupConfig(b, "moved"))
	next := map[TopicPartition]int64{{"orders", 0}: 4, {"orders", 1}: 8}

	var lookups atomic.Int32
	b.Cluster().ControlKey(int16(kmsg.FindCoordinator), func(kmsg.Request) (kmsg.Response, error, bool) {
		b.Cluster().KeepControl()
		lookups.Add(1)
		return nil, nil, false
	})
	var refused atomic.Int32
	refuse := func(times int32) {
		b.Cluster().ControlKey(int16(kmsg.OffsetCommit), func(req kmsg.Request) (kmsg.Response, error, bool) {
			if refused.Add(1) < times {
				b.Cluster().KeepControl()
			}
			return notCoordinator(req.(*kmsg.OffsetCommitRequest)), nil, true
		})
	}

	refuse(1)
	mustCommit(t, c, next)
	// One lookup before the first commit, one after NOT_COORDINATOR.
	if n := lookups.Load(); n != 2 {
		t.Errorf("coordinator looked up %d times, want 2", n)
	}
	checkGroupOffsets(t, b, "moved", next)

	// Refused again after the retry: the error names the partitions.
	refused.Store(0)
	refuse(2)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	err := c.CommitOffsets(ctx, map[TopicPartition]int64{{"orders", 0}: 6})
	if !errors.Is(err, sarama.ErrNotCoordinatorForConsumer) || !strings.Contains(err.Error(), "orders-0 at offset 6") {
		t.Fatalf("error = %v, want NOT_COORDINATOR naming orders-0 at offset 6", err)
	}
	if n := refused.Load(); n != 2 {
		t.Errorf("commit sent %d times, want 2", n)
	}
	checkGroupOffsets(t, b, "moved", next)
}

// notCoordinator answers a commit with NOT_COORDINATOR for every partition.
func notCoordinator(req *kmsg.OffsetCommitRequest) *kmsg.OffsetCommitResponse {
	resp := req.ResponseKind().(*kmsg.OffsetCommitResponse)
	for _, t := range req.Topics {
		rt := kmsg.NewOffsetCommitResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewOffsetCommitResponseTopicPartition()
			rp.Partition = p.Partition
			rp.ErrorCode = int16(sarama.ErrNotCoordinatorForConsumer)
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

func TestGroupCommitterCancelledContext(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"orders": 1})
	c := newTestCommitter(t, groupConfig(b, "cancelled"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	err := c.CommitOffsets(ctx, map[TopicPartition]int64{{"orders", 0}: 3})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("CommitOffsets took %v after cancel", d)
	}
	checkGroupOffsets(t, b, "cancelled", map[TopicPartition]int64{{"orders", 0}: -1})

	// Cancelled during a commit the coordinator refused: no retry.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	var commits atomic.Int32
	b.Cluster().ControlKey(int16(kmsg.OffsetCommit), func(req kmsg.Request) (kmsg.Response, error, bool) {
		b.Cluster().KeepControl()
		commits.Add(1)
		cancel()
		return notCoordinator(req.(*kmsg.OffsetCommitRequest)), nil, true
	})
	err = c.CommitOffsets(ctx, map[TopicPartition]int64{{"orders", 0}: 3})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if n := commits.Load(); n != 1 {
		t.Fatalf("commit sent %d times after cancel, want 1", n)
	}
}

func TestGroupCommitterRejectsBadInput(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"orders": 1})
	noGroup := groupConfig(b, " ")
	if _, err := NewGroupCommitter(noGroup); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), conf.KeyKafkaGroupID) {
		t.Errorf("NewGroupCommitter without a group: %v, want ErrInvalidConfig naming %s", err, conf.KeyKafkaGroupID)
	}
	if _, err := NewGroupCommitterWithClient(groupConfig(b, "g"), nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("NewGroupCommitterWithClient(nil client): %v, want ErrInvalidConfig", err)
	}
	shared, err := NewGroupCommitterWithClient(groupConfig(b, "shared"), b.Client(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := shared.CommitOffsets(ctx, map[TopicPartition]int64{{"orders", 0}: -1}); !errors.Is(err, ErrInvalidRange) || !strings.Contains(err.Error(), "orders-0") {
		t.Errorf("negative offset: %v, want ErrInvalidRange naming orders-0", err)
	}
	mustCommit(t, shared, map[TopicPartition]int64{{"orders", 0}: 2})
	// Close leaves a shared client open.
	if err := shared.Close(); err != nil || b.Client(t).Closed() {
		t.Fatalf("Close() = %v, shared client closed: %v", err, b.Client(t).Closed())
	}
	checkGroupOffsets(t, b, "shared", map[TopicPartition]int64{{"orders", 0}: 2})
}
