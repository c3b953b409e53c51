package kafkasource

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// lagBase is a whole millisecond well in the past, so produced timestamps
// round-trip exactly and every age is positive.
var lagBase = time.Now().Add(-24 * time.Hour).Truncate(time.Millisecond)

// produceAt writes one record per timestamp to a partition, as one record
// batch.
func produceAt(t testing.TB, b *kafkatest.Broker, topic string, partition int32, stamps ...time.Time) {
	t.Helper()
	cfg := b.SaramaConfig()
	// The producer holds records until it has them all, so they share a
	// batch and the monitor must find its offset inside one.
	cfg.Producer.Flush.Messages = len(stamps)
	cfg.Producer.Flush.Frequency = time.Second
	producer, err := sarama.NewSyncProducer(b.Addrs(), cfg)
	if err != nil {
		t.Fatalf("new producer: %v", err)
	}
	defer producer.Close()
	msgs := make([]*sarama.ProducerMessage, len(stamps))
	for i, ts := range stamps {
		msgs[i] = &sarama.ProducerMessage{Topic: topic, Partition: partition, Value: sarama.StringEncoder(fmt.Sprint(i)), Timestamp: ts}
	}
	if err := producer.SendMessages(msgs); err != nil {
		t.Fatalf("produce %d records to %s-%d: %v", len(msgs), topic, partition, err)
	}
}

// minutes returns lagBase plus each number of minutes.
func minutes(ms ...int) []time.Time {
	out := make([]time.Time, len(ms))
	for i, m := range ms {
		out[i] = lagBase.Add(time.Duration(m) * time.Minute)
	}
	return out
}

func newTestLagMonitor(t testing.TB, b *kafkatest.Broker, cfg LagMonitorConfig) *LagMonitor {
	t.Helper()
	m, err := NewLagMonitor(testConfig(b, ResetEarliest, "unused"), cfg)
	if err != nil {
		t.Fatalf("NewLagMonitor: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func mustCheck(t testing.TB, m *LagMonitor, next map[TopicPartition]int64) LagReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	r, err := m.Check(ctx, next)
	if err != nil {
		t.Fatalf("Check(%v): %v", next, err)
	}
	return r
}

func partitionLag(t testing.TB, r LagReport, topic string, partition int32) PartitionLag {
	t.Helper()
	for _, p := range r.Partitions {
		if p.Topic == topic && p.Partition == partition {
			return p
		}
	}
	t.Fatalf("no entry for %s-%d in %+v", topic, partition, r.Partitions)
	return PartitionLag{}
}

// fixedClock returns a clock that reads what *now holds.
func fixedClock(now *atomic.Int64) func() time.Time {
	return func() time.Time { return time.UnixMilli(now.Load()) }
}

func TestLagMonitorLagAndAge(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"events": 3, "audit": 1}, kafkatest.WithBrokers(3))
	produceAt(t, b, "events", 0, minutes(0, 1, 2, 3, 4)...)
	produceAt(t, b, "events", 0, minutes(5, 6, 7, 8, 9)...)
	produceAt(t, b, "events", 1, minutes(20, 21, 22, 23, 24)...)
	produceAt(t, b, "audit", 0, minutes(30, 40, 50, 60)...)

	now := lagBase.Add(3 * time.Hour)
	m := newTestLagMonitor(t, b, LagMonitorConfig{Now: func() time.Time { return now }})
	r := mustCheck(t, m, map[TopicPartition]int64{
		{"events", 0}: 7, // in the second batch
		{"events", 1}: 5, // caught up
		{"events", 2}: 0, // empty
		{"audit", 0}:  1, // inside the only batch
	})

	want := []PartitionLag{
		{Topic: "audit", Partition: 0, Next: 1, Latest: 4, Lag: 3, OldestTimestamp: lagBase.Add(40 * time.Minute), Age: 3*time.Hour - 40*time.Minute},
		{Topic: "events", Partition: 0, Next: 7, Latest: 10, Lag: 3, OldestTimestamp: lagBase.Add(7 * time.Minute), Age: 3*time.Hour - 7*time.Minute},
		{Topic: "events", Partition: 1, Next: 5, Latest: 5},
		{Topic: "events", Partition: 2, Next: 0, Latest: 0},
	}
	if len(r.Partitions) != len(want) {
		t.Fatalf("report has %d partitions, want %d: %+v", len(r.Partitions), len(want), r.Partitions)
	}
	for i, w := range want {
		got := r.Partitions[i]
		if !got.OldestTimestamp.Equal(w.OldestTimestamp) {
			t.Errorf("%s oldest timestamp = %v, want %v", w.TopicPartition(), got.OldestTimestamp, w.OldestTimestamp)
		}
		got.OldestTimestamp = w.OldestTimestamp
		if got != w {
			t.Errorf("partition %d = %+v, want %+v", i, got, w)
		}
	}
	if r.TotalLag != 6 || r.MaxAge != 3*time.Hour-7*time.Minute || !r.Time.Equal(now) {
		t.Errorf("total lag %d, max age %v, time %v; want 6, %v, %v", r.TotalLag, r.MaxAge, r.Time, 3*time.Hour-7*time.Minute, now)
	}
}

func TestLagMonitorThresholds(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 4})
	// t-0: lag 100, oldest 120 minutes old; t-1: lag 3, 60 minutes;
	// t-2: lag 50, 5 minutes; t-3: no lag.
	hundred := make([]int, 100)
	produceAt(t, b, "t", 0, minutes(hundred...)...)
	produceAt(t, b, "t", 1, minutes(60, 61, 62)...)
	fifty := make([]int, 50)
	for i := range fifty {
		fifty[i] = 115
	}
	produceAt(t, b, "t", 2, minutes(fifty...)...)
	produceAt(t, b, "t", 3, minutes(0, 1)...)
	now := lagBase.Add(2 * time.Hour)
	next := map[TopicPartition]int64{{"t", 0}: 0, {"t", 1}: 0, {"t", 2}: 0, {"t", 3}: 2}

	for _, tc := range []struct {
		name                 string
		maxRecords           int64
		maxAge               time.Duration
		overRecords, overAge []int32
	}{
		{name: "no thresholds"},
		{name: "records", maxRecords: 40, overRecords: []int32{0, 2}},
		{name: "records at the threshold are not over", maxRecords: 100, overRecords: nil},
		{name: "age", maxAge: 30 * time.Minute, overAge: []int32{0, 1}},
		{name: "age at the threshold is not over", maxAge: time.Hour, overAge: []int32{0}},
		{name: "both", maxRecords: 10, maxAge: 90 * time.Minute, overRecords: []int32{0, 2}, overAge: []int32{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.InfoLevel)
			m, err := NewLagMonitorWithClient(b.Client(t), LagMonitorConfig{
				MaxRecords: tc.maxRecords, MaxAge: tc.maxAge, Logger: zap.New(core),
				Now: func() time.Time { return now },
			})
			if err != nil {
				t.Fatal(err)
			}
			r := mustCheck(t, m, next)
			var gotRecords, gotAge []int32
			for _, p := range r.Partitions {
				if p.OverRecords {
					gotRecords = append(gotRecords, p.Partition)
				}
				if p.OverAge {
					gotAge = append(gotAge, p.Partition)
				}
			}
			if !slices.Equal(gotRecords, tc.overRecords) || !slices.Equal(gotAge, tc.overAge) {
				t.Fatalf("over records %v, over age %v; want %v, %v (report %+v)", gotRecords, gotAge, tc.overRecords, tc.overAge, r.Partitions)
			}

			var loggedRecords, loggedAge []int32
			for _, e := range logs.FilterLevelExact(zapcore.WarnLevel).All() {
				f := e.ContextMap()
				p := partitionLag(t, r, f["topic"].(string), f["partition"].(int32))
				switch f["key"] {
				case conf.KeyLagMaxRecords:
					if f["lag"] != p.Lag || f["max_records"] != tc.maxRecords {
						t.Errorf("records warning fields %v, want lag %d and max_records %d", f, p.Lag, tc.maxRecords)
					}
					loggedRecords = append(loggedRecords, p.Partition)
				case conf.KeyLagMaxAge:
					if f["age"] != p.Age || f["max_age"] != tc.maxAge {
						t.Errorf("age warning fields %v, want age %v and max_age %v", f, p.Age, tc.maxAge)
					}
					loggedAge = append(loggedAge, p.Partition)
				default:
					t.Errorf("warning %q without a threshold key: %v", e.Message, f)
				}
			}
			if !slices.Equal(loggedRecords, tc.overRecords) || !slices.Equal(loggedAge, tc.overAge) {
				t.Fatalf("warned about records of %v and age of %v; want %v, %v", loggedRecords, loggedAge, tc.overRecords, tc.overAge)
			}
		})
	}
}

func TestLagMonitorWarnInterval(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 1})
	produceAt(t, b, "t", 0, minutes(0, 1, 2, 3)...)
	var now atomic.Int64
	now.Store(lagBase.Add(time.Hour).UnixMilli())
	core, logs := observer.New(zapcore.InfoLevel)
	m := newTestLagMonitor(t, b, LagMonitorConfig{MaxRecords: 2, WarnInterval: 10 * time.Minute, Logger: zap.New(core), Now: fixedClock(&now)})
	warnings := func() int { return logs.FilterLevelExact(zapcore.WarnLevel).Len() }
	behind := map[TopicPartition]int64{{"t", 0}: 0}

	for _, step := range []struct {
		name    string
		advance time.Duration
		next    map[TopicPartition]int64
		want    int
	}{
		{"first time over", 0, behind, 1},
		{"still over, within the interval", 5 * time.Minute, behind, 1},
		{"still over, interval passed", 6 * time.Minute, behind, 2},
		{"back under", time.Minute, map[TopicPartition]int64{{"t", 0}: 3}, 2},
		{"over again warns at once", time.Minute, behind, 3},
	} {
		now.Add(step.advance.Milliseconds())
		mustCheck(t, m, step.next)
		if got := warnings(); got != step.want {
			t.Fatalf("%s: %d warnings in all, want %d", step.name, got, step.want)
		}
	}
}

func TestLagMonitorDeletedOffsetHasNoAge(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"ret": 1})
	produceAt(t, b, "ret", 0, minutes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)...)
	b.DeleteRecords(t, "ret", 0, 6)
	m := newTestLagMonitor(t, b, LagMonitorConfig{MaxAge: time.Minute})
	p := partitionLag(t, mustCheck(t, m, map[TopicPartition]int64{{"ret", 0}: 2}), "ret", 0)
	if p.Lag != 8 || !p.OldestTimestamp.IsZero() || p.Age != 0 || p.OverAge {
		t.Fatalf("deleted offset: %+v, want lag 8 and no age", p)
	}
	// A partition past its end has no lag.
	p = partitionLag(t, mustCheck(t, m, map[TopicPartition]int64{{"ret", 0}: 50}), "ret", 0)
	if p.Lag != 0 || p.Age != 0 {
		t.Fatalf("offset past the end: %+v, want no lag", p)
	}
}

func TestLagMonitorLargeBatch(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"big": 2})
	// Each partition's first record is larger than the first fetch takes of
	// any partition but the first in the request.
	for p := range int32(2) {
		b.ProduceMessages(t, &sarama.ProducerMessage{
			Topic: "big", Partition: p, Timestamp: lagBase.Add(time.Duration(p) * time.Hour),
			Value: sarama.ByteEncoder(bytes.Repeat([]byte{'a'}, lagFetchBytes+1)),
		})
		produceAt(t, b, "big", p, minutes(600, 601)...)
	}
	var fetches atomic.Int32
	b.Cluster().ControlKey(int16(kmsg.Fetch), func(kmsg.Request) (kmsg.Response, error, bool) {
		b.Cluster().KeepControl()
		fetches.Add(1)
		return nil, nil, false
	})
	now := lagBase.Add(5 * time.Hour)
	m := newTestLagMonitor(t, b, LagMonitorConfig{Now: func() time.Time { return now }})
	r := mustCheck(t, m, map[TopicPartition]int64{{"big", 0}: 0, {"big", 1}: 0})
	for p := range int32(2) {
		got := partitionLag(t, r, "big", p)
		if want := 5*time.Hour - time.Duration(p)*time.Hour; got.Lag != 3 || got.Age != want {
			t.Errorf("big-%d: %+v, want lag 3 and age %v", p, got, want)
		}
	}
	if n := fetches.Load(); n != 2 {
		t.Errorf("%d fetches, want 2: one for both partitions and one for the batch that did not fit", n)
	}
}

func TestLagMonitorCancelledContext(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 1})
	produceAt(t, b, "t", 0, minutes(0, 1)...)
	m := newTestLagMonitor(t, b, LagMonitorConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	r, err := m.Check(ctx, map[TopicPartition]int64{{"t", 0}: 0})
	if !errors.Is(err, context.Canceled) || len(r.Partitions) != 0 {
		t.Fatalf("Check = %+v, %v; want an empty report and context.Canceled", r, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Check took %v after cancel", d)
	}

	// Cancelled while the latest offsets are listed: no fetch follows.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	b.Cluster().ControlKey(int16(kmsg.ListOffsets), func(kmsg.Request) (kmsg.Response, error, bool) {
		b.Cluster().KeepControl()
		cancel()
		return nil, nil, false
	})
	var fetches atomic.Int32
	b.Cluster().ControlKey(int16(kmsg.Fetch), func(kmsg.Request) (kmsg.Response, error, bool) {
		b.Cluster().KeepControl()
		fetches.Add(1)
		return nil, nil, false
	})
	if _, err := m.Check(ctx, map[TopicPartition]int64{{"t", 0}: 0}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Check = %v, want context.Canceled", err)
	}
	if n := fetches.Load(); n != 0 {
		t.Fatalf("%d fetches after cancel, want 0", n)
	}
}

func TestLagMonitorBadInput(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 1})
	m := newTestLagMonitor(t, b, LagMonitorConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if _, err := m.Check(ctx, map[TopicPartition]int64{{"t", 0}: -3}); !errors.Is(err, ErrInvalidRange) || !strings.Contains(err.Error(), "t-0") {
		t.Errorf("negative offset: %v, want ErrInvalidRange naming t-0", err)
	}
	cfg := testConfig(b, ResetEarliest, "t")
	cfg.ClientConfig = newSaramaConfig()
	cfg.ClientConfig.Metadata.Retry.Max = 0
	m, err := NewLagMonitor(cfg, LagMonitorConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Check(ctx, map[TopicPartition]int64{{"ghost", 0}: 0}); err == nil || !strings.Contains(err.Error(), "ghost") {
		t.Errorf("unknown topic: %v, want an error naming ghost", err)
	}
	if _, err := NewLagMonitorWithClient(nil, LagMonitorConfig{}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil client: %v, want ErrInvalidConfig", err)
	}
	for _, bad := range []LagMonitorConfig{{MaxRecords: -1}, {MaxAge: -time.Second}, {WarnInterval: -time.Second}} {
		if _, err := NewLagMonitorWithClient(b.Client(t), bad); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("config %+v: %v, want ErrInvalidConfig", bad, err)
		}
	}
}

func TestLagMonitorConfigFromApp(t *testing.T) {
	for _, tc := range []struct {
		name    string
		conf    map[string]string
		want    LagMonitorConfig
		mention []string
	}{
		{name: "defaults", conf: map[string]string{"spark.app.name": "x"}, want: LagMonitorConfig{MaxAge: 10 * time.Minute, WarnInterval: time.Minute}},
		{name: "set", conf: map[string]string{conf.KeyLagMaxRecords: " 100000 ", conf.KeyLagMaxAge: "30s"}, want: LagMonitorConfig{MaxRecords: 100000, MaxAge: 30 * time.Second, WarnInterval: time.Minute}},
		{name: "off", conf: map[string]string{conf.KeyLagMaxRecords: "0", conf.KeyLagMaxAge: "0"}, want: LagMonitorConfig{WarnInterval: time.Minute}},
		{name: "spark form", conf: map[string]string{conf.KeyLagMaxAge: "5min"}, want: LagMonitorConfig{MaxAge: 5 * time.Minute, WarnInterval: time.Minute}},
		{name: "bare seconds", conf: map[string]string{conf.KeyLagMaxAge: "90"}, want: LagMonitorConfig{MaxAge: 90 * time.Second, WarnInterval: time.Minute}},
		{name: "records not a number", conf: map[string]string{conf.KeyLagMaxRecords: "lots"}, mention: []string{conf.KeyLagMaxRecords, `"lots"`, "whole number"}},
		{name: "records negative", conf: map[string]string{conf.KeyLagMaxRecords: "-1"}, mention: []string{conf.KeyLagMaxRecords, `"-1"`, "at least 0"}},
		{name: "records fraction", conf: map[string]string{conf.KeyLagMaxRecords: "1.5"}, mention: []string{conf.KeyLagMaxRecords, `"1.5"`}},
		{name: "age not a duration", conf: map[string]string{conf.KeyLagMaxAge: "ten minutes"}, mention: []string{conf.KeyLagMaxAge, `"ten minutes"`, "5min"}},
		{name: "age negative", conf: map[string]string{conf.KeyLagMaxAge: "-5m"}, mention: []string{conf.KeyLagMaxAge, `"-5m"`, "negative"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := appConf(tc.conf)
			if tc.mention != nil {
				if !errors.Is(err, errSet) {
					t.Fatalf("error = %v, want a refusal at submit", err)
				}
				for _, s := range tc.mention {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := LagMonitorConfigFromApp(a)
			if got.MaxRecords != tc.want.MaxRecords || got.MaxAge != tc.want.MaxAge || got.WarnInterval != tc.want.WarnInterval {
				t.Fatalf("config = %+v, want %+v", got, tc.want)
			}
			if err := got.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
