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
	checks := watchLag(ctx, mon, time.Hour, func(s []LagSample) { got <- s }, zap.NewNop())
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

// TestWatchLagKeepsMeasuringWhileNoBatchCompletes: once the positions of
// a batch are known, the watcher measures again every interval without a
// newer request, so the lag it reports grows while the stream is stuck;
// a batch that has started but not completed counts its own records as
// lag.
func TestWatchLagKeepsMeasuringWhileNoBatchCompletes(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"events": 1})
	b.Produce(t, "events", 0, 10, func(i int) ([]byte, []byte) { return nil, []byte("v") })
	kcfg := kafkasource.DefaultConfig()
	kcfg.Brokers, kcfg.Topics = b.Addrs(), []string{"events"}
	mon, err := kafkasource.NewLagMonitor(kcfg, kafkasource.DefaultLagMonitorConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	got := make(chan []LagSample, 64)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	checks := watchLag(ctx, mon, minLagInterval, func(s []LagSample) { got <- s }, zap.NewNop())
	next := func(want int64) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case s := <-got:
				if len(s) == 1 && s[0].Records == want {
					return
				}
			case <-deadline:
				t.Fatalf("no lag sample of %d records within 30s", want)
			}
		}
	}
	// A batch [0, 10) has started and is stuck: its records are lag.
	checks.started(BatchInfo{Partitions: []PartitionProgress{{Topic: "events", Partition: 0, From: 0, Until: 10}}})
	next(10)
	// More records arrive and no batch completes: the lag grows.
	b.Produce(t, "events", 0, 25, func(i int) ([]byte, []byte) { return nil, []byte("v") })
	next(35)
	// After a completed batch [0, 10), measured from its end; then again
	// as records keep arriving.
	checks.request(BatchInfo{Partitions: []PartitionProgress{{Topic: "events", Partition: 0, From: 0, Until: 10}}})
	next(25)
	b.Produce(t, "events", 0, 5, func(i int) ([]byte, []byte) { return nil, []byte("v") })
	next(30)
}
