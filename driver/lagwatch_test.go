package driver

import (
	"context"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"go.uber.org/zap"
)

// TestWatchLagReportsEachPartition: after a batch, the watcher checks the
// lag from the batch's positions and hands every partition's lag, with
// the thresholds' verdicts, to the metrics.
func TestWatchLagReportsEachPartition(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"events": 2})
	b.Produce(t, "events", 0, 50, func(i int) ([]byte, []byte) { return nil, []byte("v") })
	b.Produce(t, "events", 1, 20, func(i int) ([]byte, []byte) { return nil, []byte("v") })
	kcfg := kafkasource.DefaultConfig()
	kcfg.Brokers, kcfg.Topics = b.Addrs(), []string{"events"}
	lcfg := kafkasource.DefaultLagMonitorConfig()
	lcfg.MaxRecords = 25
	mon, err := kafkasource.NewLagMonitor(kcfg, lcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	got := make(chan []LagSample, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	checks := watchLag(ctx, mon, func(s []LagSample) { got <- s }, zap.NewNop())
	checks.request(BatchInfo{Partitions: []PartitionProgress{
		{Topic: "events", Partition: 0, From: 0, Until: 10, Latest: 50},
		{Topic: "events", Partition: 1, From: 0, Until: 20, Latest: 20},
	}})
	select {
	case s := <-got:
		if len(s) != 2 || s[0].Records != 40 || !s[0].OverRecords || s[0].OldestAge <= 0 || s[1].Records != 0 || s[1].OverRecords || s[1].OldestAge != 0 {
			t.Fatalf("samples %+v, want partition 0 lag 40 over 25 with an age, partition 1 no lag", s)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no lag samples within 30s")
	}
}

// TestLagChecksKeepOnlyTheNewestRequest: requests made while a check runs
// never block the batch; only the newest waits.
func TestLagChecksKeepOnlyTheNewestRequest(t *testing.T) {
	l := lagChecks{next: make(chan map[kafkasource.TopicPartition]int64, 1)}
	for until := int64(1); until <= 3; until++ {
		l.request(BatchInfo{Partitions: []PartitionProgress{{Topic: "t", Partition: 0, Until: until}}})
	}
	next := <-l.next
	if next[kafkasource.TopicPartition{Topic: "t", Partition: 0}] != 3 || len(l.next) != 0 {
		t.Fatalf("pending request %v (and %d more), want only the newest, offset 3", next, len(l.next))
	}
}
