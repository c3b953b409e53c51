package chaos

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"
)

// TestTrimCommitted: records below the last committed batch's ranges are
// deleted; those of a newer, uncommitted batch (which a new attempt
// replays) are kept.
func TestTrimCommitted(t *testing.T) {
	ctx := context.Background()
	k, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if err := k.CreateTopic(topic, 2, nil); err != nil {
		t.Fatal(err)
	}
	sc := sarama.NewConfig()
	sc.Producer.Return.Successes = true
	sc.Producer.Partitioner = sarama.NewManualPartitioner
	client, err := sarama.NewClient(k.ListenAddrs(), sc)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	prod, err := sarama.NewSyncProducerFromClient(client)
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	for part := range int32(2) {
		for range 10 {
			if _, _, err := prod.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: part, Value: sarama.StringEncoder("x")}); err != nil {
				t.Fatal(err)
			}
		}
	}
	store, base, err := dfs.Open(ctx, "file://"+filepath.Join(t.TempDir(), "ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	log, err := hdfscheckpoint.NewLog(store, base, 0, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	committed := time.UnixMilli(1000)
	ranges := []hdfscheckpoint.OffsetRange{{Topic: topic, Partition: 0, From: 0, Until: 6}, {Topic: topic, Partition: 1, From: 0, Until: 4}}
	if err := log.WriteOffsets(ctx, hdfscheckpoint.BatchOffsets{BatchTime: committed, Ranges: ranges}); err != nil {
		t.Fatal(err)
	}
	if err := log.WriteCommit(ctx, hdfscheckpoint.BatchCommit{BatchTime: committed}); err != nil {
		t.Fatal(err)
	}
	pending := []hdfscheckpoint.OffsetRange{{Topic: topic, Partition: 0, From: 6, Until: 10}, {Topic: topic, Partition: 1, From: 4, Until: 10}}
	if err := log.WriteOffsets(ctx, hdfscheckpoint.BatchOffsets{BatchTime: time.UnixMilli(2000), Ranges: pending}); err != nil {
		t.Fatal(err)
	}
	trimCommitted(ctx, k, log, zap.NewNop())
	for part, want := range map[int32]int64{0: 6, 1: 4} {
		earliest, err := client.GetOffset(topic, part, sarama.OffsetOldest)
		if err != nil {
			t.Fatal(err)
		}
		if earliest != want {
			t.Errorf("partition %d starts at %d after trimming, want %d", part, earliest, want)
		}
	}
}
