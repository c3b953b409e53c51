package kafkasource

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/internal/kafkatest"
)

// TestFetchMatchesPartitionConsumer: the fetch path and sarama's partition
// consumer return the same records, with keys, values, headers and
// timestamps, for ranges that start and end inside record batches.
func TestFetchMatchesPartitionConsumer(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 1})
	var msgs []*sarama.ProducerMessage
	for i := range 300 {
		m := &sarama.ProducerMessage{Topic: "t", Value: sarama.ByteEncoder(fmt.Appendf(nil, "v%d", i)), Timestamp: time.UnixMilli(1_700_000_000_000 + int64(i))}
		if i%3 != 0 {
			m.Key = sarama.ByteEncoder(fmt.Appendf(nil, "k%d", i))
		}
		if i%5 == 0 {
			m.Headers = []sarama.RecordHeader{{Key: []byte("h"), Value: []byte(fmt.Sprint(i))}}
		}
		msgs = append(msgs, m)
		if len(msgs) == 37 {
			b.ProduceMessages(t, msgs...)
			msgs = nil
		}
	}
	b.ProduceMessages(t, msgs...)
	r := newTestReader(t, testConfig(b, ResetEarliest, "t"))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	for _, rng := range []OffsetRange{
		{Topic: "t", Partition: 0, From: 0, Until: 300},
		{Topic: "t", Partition: 0, From: 36, Until: 38},
		{Topic: "t", Partition: 0, From: 100, Until: 299},
	} {
		var fetched []Record
		next, err := r.fetchRange(ctx, rng, func(rec *Record) { fetched = append(fetched, *rec) })
		if err != nil || next != rng.Until {
			t.Fatalf("fetch %s: stopped at %d: %v", rng, next, err)
		}
		consumed, err := r.consumeRange(ctx, rng)
		if err != nil {
			t.Fatalf("consume %s: %v", rng, err)
		}
		if len(fetched) != int(rng.Count()) || len(consumed) != len(fetched) {
			t.Fatalf("%s: fetched %d records, consumed %d, want %d", rng, len(fetched), len(consumed), rng.Count())
		}
		for i := range fetched {
			if fetched[i].Offset != rng.From+int64(i) {
				t.Fatalf("%s record %d has offset %d", rng, i, fetched[i].Offset)
			}
			// The consumer gives empty header lists as nil as well.
			if !reflect.DeepEqual(fetched[i], consumed[i]) {
				t.Fatalf("%s record %d: fetched %+v, consumed %+v", rng, i, fetched[i], consumed[i])
			}
		}
	}
}

// TestFetchGrowsForRecordsLargerThanTheFetchSize: a record larger than
// the partition fetch size is still read, by asking for more bytes.
func TestFetchGrowsForRecordsLargerThanTheFetchSize(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 1})
	big := bytes.Repeat([]byte("x"), 20_000)
	b.Produce(t, "t", 0, 3, func(i int) ([]byte, []byte) { return []byte{byte('a' + i)}, big })
	cfg := testConfig(b, ResetEarliest, "t")
	cfg.ClientConfig = sarama.NewConfig()
	cfg.ClientConfig.Consumer.Fetch.Default = 1024
	r := newTestReader(t, cfg)
	recs := mustRead(t, r, OffsetRange{Topic: "t", Partition: 0, From: 0, Until: 3})
	if len(recs) != 3 || !bytes.Equal(recs[2].Value, big) || string(recs[2].Key) != "c" {
		t.Fatalf("read %d records, want the 3 records of 20,000 bytes", len(recs))
	}
}

// TestFetchSkipsTransactionMarkers: a committed transaction's marker takes
// an offset but is no record; a range over it returns the data records.
func TestFetchSkipsTransactionMarkers(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 1})
	cfg := b.SaramaConfig()
	cfg.Producer.Idempotent = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Producer.Transaction.ID = "tx-test"
	cfg.Net.MaxOpenRequests = 1
	p, err := sarama.NewSyncProducer(b.Addrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for round := range 2 {
		if err := p.BeginTxn(); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "t", Partition: 0, Value: sarama.StringEncoder(fmt.Sprintf("r%d-%d", round, i))}); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.CommitTxn(); err != nil {
			t.Fatal(err)
		}
	}
	_, latest := b.Offsets(t, "t", 0)
	if latest != 8 {
		t.Fatalf("latest offset %d, want 8 (6 records and 2 markers)", latest)
	}
	r := newTestReader(t, testConfig(b, ResetEarliest, "t"))
	recs := mustRead(t, r, OffsetRange{Topic: "t", Partition: 0, From: 0, Until: latest})
	var got []string
	for _, rec := range recs {
		got = append(got, fmt.Sprintf("%d:%s", rec.Offset, rec.Value))
	}
	if want := "[0:r0-0 1:r0-1 2:r0-2 4:r1-0 5:r1-1 6:r1-2]"; fmt.Sprint(got) != want {
		t.Fatalf("records %v, want %s", got, want)
	}
}

// TestReadRangeEachHandsOverEveryRecordOnce: ReadRangeEach gives the same
// records as ReadRange, each once and in offset order, and reports a range
// the broker no longer holds without calling each.
func TestReadRangeEachHandsOverEveryRecordOnce(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"t": 1})
	for i := range 3 {
		b.Produce(t, "t", 0, 50, func(j int) ([]byte, []byte) { return kv(i*50 + j) })
	}
	r := newTestReader(t, testConfig(b, ResetEarliest, "t"))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	rng := OffsetRange{Topic: "t", Partition: 0, From: 20, Until: 130}
	var got []Record
	if err := r.ReadRangeEach(ctx, rng, func(rec *Record) { got = append(got, *rec) }); err != nil {
		t.Fatal(err)
	}
	if want := mustRead(t, r, rng); !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadRangeEach gave %d records, ReadRange %d, or they differ", len(got), len(want))
	}
	checkRecords(t, got, "t", 0, rng.From, rng.Until)

	b.DeleteRecords(t, "t", 0, 100)
	calls := 0
	err := r.ReadRangeEach(ctx, OffsetRange{Topic: "t", Partition: 0, From: 50, Until: 120}, func(*Record) { calls++ })
	if !errors.Is(err, ErrRangeUnavailable) || calls != 0 {
		t.Fatalf("deleted range: error %v after %d records, want ErrRangeUnavailable and none", err, calls)
	}
}
