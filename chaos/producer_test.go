package chaos

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"
)

// TestProducerRateAndLedger produces at 400/s for about a second into an
// in-process Kafka: the ledger counts what was written, by validity and
// store, the per-second counts add up, and Kafka holds exactly those
// records, each naming its transaction.
func TestProducerRateAndLedger(t *testing.T) {
	k, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if err := k.CreateTopic(topic, 3, nil); err != nil {
		t.Fatal(err)
	}
	p, err := newProducer(producerConfig{brokers: k.ListenAddrs(), topic: topic, stores: []string{"s-01", "s-02"}, rate: 400, invalidEvery: 10, seed: 1, logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	if err := p.run(ctx, start); err != nil {
		t.Fatal(err)
	}
	tot, perSecond := p.snapshot()
	if tot.Total() < 300 || tot.Total() > 420 {
		t.Fatalf("%d transactions in about a second at 400/s", tot.Total())
	}
	if tot.Invalid != tot.LastID/10 || tot.Refused != 0 || tot.Valid+tot.Invalid != tot.LastID {
		t.Fatalf("totals %+v: want one in 10 invalid and none refused", tot)
	}
	var sum int64
	for _, n := range perSecond {
		sum += n
	}
	if sum != tot.Total() {
		t.Fatalf("per-second counts add up to %d, want %d", sum, tot.Total())
	}
	var cents int64
	for store, c := range tot.StoreCents {
		if store != "s-01" && store != "s-02" {
			t.Fatalf("revenue for store %q", store)
		}
		cents += c
	}
	if cents <= 0 {
		t.Fatal("no revenue recorded")
	}

	// Kafka holds every transaction once.
	client, err := sarama.NewClient(k.ListenAddrs(), sarama.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var inKafka int64
	for part := range int32(3) {
		newest, err := client.GetOffset(topic, part, sarama.OffsetNewest)
		if err != nil {
			t.Fatal(err)
		}
		inKafka += newest
	}
	if inKafka != tot.Total() {
		t.Fatalf("Kafka holds %d records, the ledger %d", inKafka, tot.Total())
	}
	msg := p.transaction(p.ledger.next())
	value, _ := msg.Value.Encode()
	if !strings.Contains(string(value), `"id":"t-`) {
		t.Fatalf("transaction %s names no id", value)
	}
}
