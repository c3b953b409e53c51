package kafkatest

import (
	"fmt"
	"testing"

	"github.com/IBM/sarama"
)

func kv(i int) (key, value []byte) {
	return fmt.Appendf(nil, "k%d", i), fmt.Appendf(nil, "v%d", i)
}

func TestProduceAndReadBack(t *testing.T) {
	b := Start(t, map[string]int32{"events": 3})
	if len(b.Addrs()) != 1 {
		t.Fatalf("Addrs() = %v, want one broker", b.Addrs())
	}
	b.Produce(t, "events", 1, 2500, kv)
	b.Produce(t, "events", 2, 3, kv)

	earliest, latest := b.Offsets(t, "events", 1)
	if earliest != 0 || latest != 2500 {
		t.Fatalf("Offsets(events-1) = %d, %d; want 0, 2500", earliest, latest)
	}
	got := b.ReadPartition(t, "events", 1)
	if len(got) != 2500 {
		t.Fatalf("ReadPartition returned %d records, want 2500", len(got))
	}
	for i, m := range got {
		k, v := kv(i)
		if m.Offset != int64(i) || string(m.Key) != string(k) || string(m.Value) != string(v) || m.Partition != 1 {
			t.Fatalf("record %d = %+v, want offset %d key %s value %s", i, m, i, k, v)
		}
	}
	all := b.ReadAll(t, "events")
	if len(all) != 2503 {
		t.Fatalf("ReadAll returned %d records, want 2503", len(all))
	}
	if all[2500].Partition != 2 || string(all[2502].Value) != "v2" {
		t.Fatalf("ReadAll tail = %+v, want partition 2 records after partition 1", all[2500:])
	}
	if got := b.ReadPartition(t, "events", 0); len(got) != 0 {
		t.Fatalf("ReadPartition of an empty partition returned %d records", len(got))
	}
}

func TestHeadersRoundTrip(t *testing.T) {
	b := Start(t, map[string]int32{"h": 1})
	b.ProduceMessages(t, &sarama.ProducerMessage{
		Topic:   "h",
		Value:   sarama.StringEncoder("body"),
		Headers: []sarama.RecordHeader{{Key: []byte("trace"), Value: []byte("abc")}},
	})
	got := b.ReadAll(t, "h")
	if len(got) != 1 || string(got[0].Headers["trace"]) != "abc" || string(got[0].Value) != "body" {
		t.Fatalf("ReadAll = %+v, want one record with header trace=abc", got)
	}
	if got[0].Timestamp.IsZero() {
		t.Fatalf("record has no timestamp")
	}
}

func TestAddPartitionsAndDeleteRecords(t *testing.T) {
	b := Start(t, map[string]int32{"grow": 1}, WithBrokers(3))
	if len(b.Addrs()) != 3 {
		t.Fatalf("Addrs() = %v, want three brokers", b.Addrs())
	}
	b.AddPartitions(t, "grow", 4)
	client := b.Client(t)
	if err := client.RefreshMetadata("grow"); err != nil {
		t.Fatal(err)
	}
	parts, err := client.Partitions("grow")
	if err != nil || len(parts) != 4 {
		t.Fatalf("Partitions(grow) = %v, %v; want 4 partitions", parts, err)
	}
	b.Produce(t, "grow", 3, 10, kv)
	b.DeleteRecords(t, "grow", 3, 6)
	earliest, latest := b.Offsets(t, "grow", 3)
	if earliest != 6 || latest != 10 {
		t.Fatalf("Offsets after DeleteRecords = %d, %d; want 6, 10", earliest, latest)
	}
	got := b.ReadPartition(t, "grow", 3)
	if len(got) != 4 || got[0].Offset != 6 {
		t.Fatalf("ReadPartition after DeleteRecords = %+v, want offsets 6..9", got)
	}
}

func TestSASLPlain(t *testing.T) {
	b := Start(t, map[string]int32{"secure": 1}, WithSASL(sarama.SASLTypePlaintext, "alice", "s3cret"))
	b.Produce(t, "secure", 0, 5, kv)
	if got := b.ReadAll(t, "secure"); len(got) != 5 {
		t.Fatalf("ReadAll over SASL returned %d records, want 5", len(got))
	}

	bad := b.SaramaConfig()
	bad.Net.SASL.Password = "wrong"
	bad.Metadata.Retry.Max = 0
	c, err := sarama.NewClient(b.Addrs(), bad)
	if err == nil {
		defer c.Close()
		err = c.RefreshMetadata("secure")
	}
	if err == nil {
		t.Fatalf("client with a wrong password fetched metadata")
	}
}

// TestReadIsolated: records of a committed transaction are read at both
// isolation levels, those of an aborted one only read_uncommitted, and the
// commit and abort markers at the ends of the partition do not stall
// either read.
func TestReadIsolated(t *testing.T) {
	b := Start(t, map[string]int32{"txn": 2})
	b.Produce(t, "txn", 0, 2, kv)
	cfg := b.SaramaConfig()
	cfg.Producer.Idempotent = true
	cfg.Net.MaxOpenRequests = 1
	cfg.Producer.Transaction.ID = "kafkatest-txn"
	p, err := sarama.NewSyncProducer(b.Addrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	write := func(value string, commit bool) {
		t.Helper()
		if err := p.BeginTxn(); err != nil {
			t.Fatal(err)
		}
		for part := range int32(2) {
			if _, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: "txn", Partition: part, Value: sarama.StringEncoder(value)}); err != nil {
				t.Fatal(err)
			}
		}
		end := p.CommitTxn
		if !commit {
			end = p.AbortTxn
		}
		if err := end(); err != nil {
			t.Fatal(err)
		}
	}
	write("committed", true)
	write("aborted", false)
	values := func(ms []Message) string {
		var out []string
		for _, m := range ms {
			out = append(out, fmt.Sprintf("%d:%s", m.Partition, m.Value))
		}
		return fmt.Sprint(out)
	}
	if got, want := values(b.ReadCommitted(t, "txn")), "[0:v0 0:v1 0:committed 1:committed]"; got != want {
		t.Fatalf("read_committed: %s, want %s", got, want)
	}
	if got, want := values(b.ReadUncommitted(t, "txn")), "[0:v0 0:v1 0:committed 0:aborted 1:committed 1:aborted]"; got != want {
		t.Fatalf("read_uncommitted: %s, want %s", got, want)
	}
}
