package kafkasource

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"go.uber.org/zap/zaptest"
)

// memberConfig is a committer of group that joins it, with short
// timeouts.
func memberConfig(t *testing.T, b *kafkatest.Broker, group string, topics ...string) Config {
	cfg := testConfig(b, ResetEarliest, topics...)
	cfg.GroupID = group
	cfg.Membership = Membership{Join: true, SessionTimeout: 6 * time.Second, HeartbeatInterval: 100 * time.Millisecond}
	cfg.Logger = zaptest.NewLogger(t)
	return cfg
}

// groupView is what kafka-consumer-groups --describe shows of a group:
// its state, protocol and each member's instance id and partitions.
type groupView struct {
	state, protocolType, protocol string
	members                       map[string]string // member id -> "instance: partitions"
}

func describeGroup(t *testing.T, b *kafkatest.Broker, group string) groupView {
	t.Helper()
	descs, err := b.Admin(t).DescribeConsumerGroups([]string{group})
	if err != nil || len(descs) != 1 {
		t.Fatalf("describe group %s: %v, %v", group, descs, err)
	}
	d := descs[0]
	v := groupView{state: d.State, protocolType: d.ProtocolType, protocol: d.Protocol, members: map[string]string{}}
	for id, m := range d.Members {
		a, err := m.GetMemberAssignment()
		if err != nil {
			t.Fatalf("assignment of member %s: %v", id, err)
		}
		var parts []string
		if a == nil {
			// A member that has not synced yet has no assignment.
			a = &sarama.ConsumerGroupMemberAssignment{}
		}
		for topic, ps := range a.Topics {
			parts = append(parts, fmt.Sprintf("%s%v", topic, ps))
		}
		slices.Sort(parts)
		instance := "<dynamic>"
		if m.GroupInstanceId != nil {
			instance = *m.GroupInstanceId
		}
		v.members[id] = instance + " " + m.ClientId + ": " + strings.Join(parts, " ")
	}
	return v
}

// waitGroup waits until the group, as tools describe it, satisfies ok.
func waitGroup(t *testing.T, b *kafkatest.Broker, group string, ok func(groupView) bool) groupView {
	t.Helper()
	var v groupView
	pollUntil(t, func() (bool, string) {
		v = describeGroup(t, b, group)
		return ok(v), fmt.Sprintf("group %s: %+v", group, v)
	})
	return v
}

// pollUntil polls cond until it holds, failing the test with cond's last
// explanation after testTimeout. (internal/testutil's WaitFor would make
// an import cycle: it starts a ResourceManager, whose driver imports this
// package.)
func pollUntil(t *testing.T, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v: %s", testTimeout, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// oneMember returns the only member's description, "" unless the group is
// Stable with exactly one member.
func oneMember(v groupView) string {
	if v.state != "Stable" || len(v.members) != 1 {
		return ""
	}
	for _, m := range v.members {
		return m
	}
	return ""
}

// commitAsBatchesDo commits next as the driver does after each batch until
// a commit goes through: one refused because the driver is (re)joining
// the group is followed by the next batch's.
func commitAsBatchesDo(t *testing.T, c *GroupCommitter, next map[TopicPartition]int64) {
	t.Helper()
	pollUntil(t, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		err := c.CommitOffsets(ctx, next)
		if err != nil && !strings.Contains(err.Error(), "the driver is joining the consumer group") {
			t.Fatalf("commit while the driver joins: %v", err)
		}
		return err == nil, fmt.Sprint(err)
	})
}

// TestGroupMemberVisibleToTools: while the stream runs, its group is a
// Stable consumer group with the driver as its one static member, holding
// every partition of the subscribed topics (partitions added later too),
// and the driver's commits land; a Kafka consumer that joins by mistake is
// refused and takes nothing; a new attempt's driver takes the old one's
// place, whose commits are then refused; once the stream stops, the group
// is Empty.
func TestGroupMemberVisibleToTools(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"orders": 3, "audit": 1})
	cfg := memberConfig(t, b, "spindle-retail", "orders", "audit")
	first := newTestCommitter(t, cfg)
	v := waitGroup(t, b, "spindle-retail", func(v groupView) bool { return oneMember(v) != "" })
	if want := "spindle-retail-driver spindle: audit[0] orders[0 1 2]"; oneMember(v) != want || v.protocolType != "consumer" || v.protocol != "spindle" {
		t.Fatalf("group %+v; want one member %q with protocol consumer/spindle", v, want)
	}
	// The group may show the driver before the driver has its sync's
	// answer: a commit in between waits for the next batch.
	commitAsBatchesDo(t, first, map[TopicPartition]int64{{"orders", 0}: 5, {"audit", 0}: 2})
	checkGroupOffsets(t, b, "spindle-retail", map[TopicPartition]int64{{"orders", 0}: 5, {"audit", 0}: 2})
	if groups, err := b.Admin(t).ListConsumerGroups(); err != nil || groups["spindle-retail"] != "consumer" {
		t.Fatalf("ListGroups: %v, %v; want spindle-retail as a consumer group", groups, err)
	}

	// A Kafka consumer joining the stream's group is refused.
	ccfg := b.SaramaConfig()
	ccfg.Consumer.Group.Rebalance.Timeout = 5 * time.Second
	foreign, err := sarama.NewConsumerGroup(b.Addrs(), "spindle-retail", ccfg)
	if err != nil {
		t.Fatal(err)
	}
	defer foreign.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	err = foreign.Consume(ctx, []string{"orders"}, &groupReader{first: map[TopicPartition]int64{}, want: 1, done: make(chan struct{})})
	if !errors.Is(err, sarama.ErrInconsistentGroupProtocol) {
		t.Fatalf("a Kafka consumer joining the group: %v, want INCONSISTENT_GROUP_PROTOCOL", err)
	}
	mustCommit(t, first, map[TopicPartition]int64{{"orders", 1}: 7})

	// A partition added to a subscribed topic joins the assignment when
	// the stream commits it: the driver joins again, and a commit refused
	// meanwhile goes through with a later batch.
	b.AddPartitions(t, "orders", 4)
	commitAsBatchesDo(t, first, map[TopicPartition]int64{{"orders", 3}: 1})
	waitGroup(t, b, "spindle-retail", func(v groupView) bool {
		return oneMember(v) == "spindle-retail-driver spindle: audit[0] orders[0 1 2 3]"
	})

	// The next attempt's driver takes the place of the first.
	before := describeGroup(t, b, "spindle-retail")
	second := newTestCommitter(t, cfg)
	waitGroup(t, b, "spindle-retail", func(v groupView) bool {
		if oneMember(v) == "" {
			return false
		}
		for id := range v.members {
			if _, old := before.members[id]; old {
				return false
			}
		}
		return true
	})
	commitAsBatchesDo(t, second, map[TopicPartition]int64{{"orders", 0}: 9})
	cctx, ccancel := context.WithTimeout(context.Background(), testTimeout)
	defer ccancel()
	if err := first.CommitOffsets(cctx, map[TopicPartition]int64{{"orders", 0}: 6}); err == nil {
		t.Fatal("the replaced driver's commit was accepted")
	}
	checkGroupOffsets(t, b, "spindle-retail", map[TopicPartition]int64{{"orders", 0}: 9, {"orders", 1}: 7, {"orders", 3}: 1})

	// Stopped, the stream leaves its group at once. (The replaced driver
	// stops first: its LeaveGroup, under a stale member id, removes no one.)
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if v := describeGroup(t, b, "spindle-retail"); oneMember(v) == "" {
		t.Fatalf("the replaced driver's leave emptied the group: %+v", v)
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	waitGroup(t, b, "spindle-retail", func(v groupView) bool { return v.state == "Empty" && len(v.members) == 0 })
}

func TestConfigFromAppMembership(t *testing.T) {
	base := map[string]string{conf.KeyKafkaBootstrapServers: "k:9092", conf.KeyKafkaTopics: "t", conf.KeyAppName: "retail"}
	cfg, err := fromConf(base)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Membership{Join: true, SessionTimeout: DefaultSessionTimeout, HeartbeatInterval: DefaultHeartbeatInterval}); cfg.Membership != want {
		t.Fatalf("default membership %+v, want %+v", cfg.Membership, want)
	}
	cfg, err = fromConf(confWith(base, conf.KeyKafkaGroupJoin, "false", conf.KeyKafkaGroupInstanceID, "am", conf.KeyKafkaSessionTimeout, "10000", conf.KeyKafkaHeartbeatInterval, "1000"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Membership{Join: false, InstanceID: "am", SessionTimeout: 10 * time.Second, HeartbeatInterval: time.Second}); cfg.Membership != want {
		t.Fatalf("membership %+v, want %+v", cfg.Membership, want)
	}
	if _, err := fromConf(confWith(base, conf.KeyKafkaSessionTimeout, "10000", conf.KeyKafkaHeartbeatInterval, "10000")); !errors.Is(err, ErrInvalidConfig) ||
		!strings.Contains(err.Error(), conf.KeyKafkaHeartbeatInterval+"=10s must be below "+conf.KeyKafkaSessionTimeout) {
		t.Fatalf("heartbeat not below the session timeout: %v", err)
	}
	// Submit refuses values that do not fit.
	for _, kv := range [][2]string{
		{conf.KeyKafkaGroupJoin, "yes please"}, {conf.KeyKafkaGroupInstanceID, " "}, {conf.KeyKafkaSessionTimeout, "5999"},
		{conf.KeyKafkaSessionTimeout, "1800001"}, {conf.KeyKafkaHeartbeatInterval, "0"},
	} {
		if _, err := fromConf(confWith(base, kv[0], kv[1])); !errors.Is(err, errSet) {
			t.Errorf("%s=%q: %v, want a refusal at submit", kv[0], kv[1], err)
		}
	}
}
