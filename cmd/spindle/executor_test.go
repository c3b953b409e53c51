package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	spindleconf "github.com/spindlehq/spindle/conf"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/executor"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"github.com/spindlehq/spindle/streaming/sink"
	"go.uber.org/zap"
)

// TestOpenSinkChoosesFromConf: spindle.sink.kind chooses between files under
// spindle.sink.path and a Kafka topic, and a bad choice fails clearly.
func TestOpenSinkChoosesFromConf(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"in": 1, "out": 2, "out-deadletter": 1})
	dir := t.TempDir()
	base := map[string]string{
		"spindle.kafka.bootstrap.servers": strings.Join(b.Addrs(), ","),
		"spindle.kafka.topics":            "in",
		"spindle.sink.path":               "file://" + dir,
	}
	conf := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	open := func(t *testing.T, c map[string]string) (executor.OutputWriter, error) {
		settings, err := spindleconf.AppConfFrom(c)
		if err != nil {
			t.Fatal(err)
		}
		kcfg, err := kafkasource.ConfigFromApp(settings)
		if err != nil {
			t.Fatal(err)
		}
		out, closeSink, err := openSink(context.Background(), settings, kcfg, zap.NewNop())
		if err == nil {
			t.Cleanup(closeSink)
		}
		return out, err
	}
	batch := time.UnixMilli(1_700_000_000_000)
	outs := []sdk.Output{{Key: []byte("k"), Value: []byte("v")}}
	// write writes a task as the executor does: a sink that needs the
	// task's range (the transactional Kafka sink) opens with it.
	write := func(out executor.OutputWriter) error {
		var w sink.PartitionWriter
		var err error
		if ro, ok := out.(executor.RangeOpener); ok {
			w, err = ro.OpenRange(context.Background(), batch, kafkasource.OffsetRange{Topic: "in", Partition: 0, From: 0, Until: 1}, 0)
		} else {
			w, err = out.OpenPartition(context.Background(), batch, "in", 0, 0)
		}
		if err != nil {
			return err
		}
		if err := w.WriteOutputs(context.Background(), 0, outs); err != nil {
			w.Abort()
			return err
		}
		return w.Commit(context.Background())
	}

	t.Run("file by default", func(t *testing.T) {
		out, err := open(t, conf())
		if err != nil {
			t.Fatal(err)
		}
		if err := write(out); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(filepath.Join(dir, "batch=1700000000000", "part-in-0"))
		if err != nil || string(raw) != "k\tv\n" {
			t.Fatalf("sink file: %q, %v", raw, err)
		}
	})
	t.Run("kafka", func(t *testing.T) {
		out, err := open(t, conf("spindle.sink.kind", "kafka", "spindle.sink.kafka.topic", "out"))
		if err != nil {
			t.Fatal(err)
		}
		if err := write(out); err != nil {
			t.Fatal(err)
		}
		msgs := b.ReadCommitted(t, "out")
		if len(msgs) != 1 || string(msgs[0].Value) != "v" {
			t.Fatalf("output topic holds %+v, want the one output", msgs)
		}
		var hs []*sarama.RecordHeader
		for k, v := range msgs[0].Headers {
			hs = append(hs, &sarama.RecordHeader{Key: []byte(k), Value: v})
		}
		id, err := sink.ParseOutputID(hs)
		if want := (sink.OutputID{BatchTimeMs: batch.UnixMilli(), Topic: "in", Partition: 0, Index: 0, Count: 1}); err != nil || id != want {
			t.Fatalf("OutputID %+v, %v; want %+v", id, err, want)
		}
	})
	t.Run("kafka topic missing", func(t *testing.T) {
		_, err := open(t, conf("spindle.sink.kind", "kafka", "spindle.sink.kafka.topic", "absent", "spindle.sink.kafka.deadLetterTopic", "out-deadletter"))
		if !errors.Is(err, sink.ErrTopicNotFound) || !strings.Contains(err.Error(), `"absent"`) {
			t.Fatalf("err %v, want the missing topic named", err)
		}
	})
	t.Run("bad conf", func(t *testing.T) {
		_, err := open(t, conf("spindle.sink.kind", "kafka"))
		if !errors.Is(err, sink.ErrInvalidConfig) || !strings.Contains(err.Error(), "spindle.sink.kafka.topic is required") {
			t.Fatalf("err %v, want the missing topic key named", err)
		}
	})
}
