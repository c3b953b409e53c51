package kafkasource

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/internal/kafkatest"
)

func TestReadRangeExactBounds(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 1})
	// Several produce calls, so the range spans record batches.
	for i := 0; i < 5; i++ {
		b.Produce(t, "t", 0, 40, func(j int) ([]byte, []byte) { return kv(i*40 + j) })
	}
	r := newTestReader(t, testConfig(b, ResetEarliest, "t"))
	for _, rng := range []OffsetRange{
		{Topic: "t", Partition: 0, From: 0, Until: 200},
		{Topic: "t", Partition: 0, From: 0, Until: 1},
		{Topic: "t", Partition: 0, From: 37, Until: 43},
		{Topic: "t", Partition: 0, From: 199, Until: 200},
		{Topic: "t", Partition: 0, From: 55, Until: 55},
	} {
		checkRecords(t, mustRead(t, r, rng), "t", 0, rng.From, rng.Until)
	}
}

func TestReadRangeKeepsHeadersAndTimestamps(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 1})
	ts := time.UnixMilli(1_700_000_000_123)
	b.ProduceMessages(t, &sarama.ProducerMessage{
		Topic:     "t",
		Key:       sarama.StringEncoder("k"),
		Value:     sarama.StringEncoder("v"),
		Timestamp: ts,
		Headers:   []sarama.RecordHeader{{Key: []byte("a"), Value: []byte("1")}, {Key: []byte("b"), Value: []byte("2")}},
	}, &sarama.ProducerMessage{Topic: "t"})

	client := b.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	recs, err := ReadRange(ctx, client, OffsetRange{Topic: "t", Partition: 0, From: 0, Until: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("got %d records, want 2", len(recs))
	}
	got := recs[0]
	if !got.Timestamp.Equal(ts) || string(got.Key) != "k" || string(got.Value) != "v" ||
		len(got.Headers) != 2 || string(got.Headers[0].Key) != "a" || string(got.Headers[1].Value) != "2" {
		t.Fatalf("record = %+v, want key k, value v, timestamp %v, headers a=1 b=2", got, ts)
	}
	if recs[1].Key != nil || recs[1].Value != nil {
		t.Fatalf("record without key and value read as %q=%q, want nil", recs[1].Key, recs[1].Value)
	}
}

func TestReadRangeUnavailable(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 1})
	b.Produce(t, "t", 0, 50, kv)
	b.DeleteRecords(t, "t", 0, 20)
	r := newTestReader(t, testConfig(b, ResetEarliest, "t"))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()

	for _, tc := range []struct {
		name string
		rng  OffsetRange
		want error
	}{
		{"deleted by retention", OffsetRange{Topic: "t", From: 10, Until: 30}, ErrRangeUnavailable},
		{"not yet written", OffsetRange{Topic: "t", From: 40, Until: 51}, ErrRangeUnavailable},
		{"until before from", OffsetRange{Topic: "t", From: 30, Until: 29}, ErrInvalidRange},
		{"negative from", OffsetRange{Topic: "t", From: -1, Until: 3}, ErrInvalidRange},
	} {
		if _, err := r.ReadRange(ctx, tc.rng); !errors.Is(err, tc.want) {
			t.Errorf("%s: ReadRange(%s) = %v, want %v", tc.name, tc.rng, err, tc.want)
		}
	}
	// What is left is still readable.
	checkRecords(t, mustRead(t, r, OffsetRange{Topic: "t", From: 20, Until: 50}), "t", 0, 20, 50)
}

func TestReadRangeContextCancelled(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 1})
	b.Produce(t, "t", 0, 5, kv)
	r := newTestReader(t, testConfig(b, ResetEarliest, "t"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.ReadRange(ctx, OffsetRange{Topic: "t", From: 0, Until: 5}); !errors.Is(err, context.Canceled) {
		t.Fatalf("ReadRange with a cancelled context = %v", err)
	}
}

func TestReadRangeConcurrentSamePartition(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 1})
	b.Produce(t, "t", 0, 300, kv)
	r := newTestReader(t, testConfig(b, ResetEarliest, "t"))
	errs := make(chan error, 3)
	for i := range 3 {
		go func() {
			rng := OffsetRange{Topic: "t", From: int64(i * 100), Until: int64(i*100 + 100)}
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			recs, err := r.ReadRange(ctx, rng)
			if err == nil && (len(recs) != 100 || recs[0].Offset != rng.From) {
				err = errors.New("wrong records for " + rng.String())
			}
			errs <- err
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
