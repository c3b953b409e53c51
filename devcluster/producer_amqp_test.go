package devcluster

import (
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/spindlehq/spindle/internal/rabbitmqtest"
)

// TestProducerWritesToAnAMQPQueue: with an AMQP broker, every transaction
// the producer counts is in the queue once, persistent, its message id
// the id in its body.
func TestProducerWritesToAnAMQPQueue(t *testing.T) {
	b := rabbitmqtest.Start(t)
	got := produce(t, ProducerConfig{AMQPURL: b.URL, Queue: "txns", Stores: []string{"s-01"}})
	conn, err := amqp.Dial(b.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for {
		d, ok, err := ch.Get("txns", true)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		m := idRE.FindSubmatch(d.Body)
		if m == nil || d.MessageId != "t-"+string(m[1]) || d.DeliveryMode != amqp.Persistent || seen[d.MessageId] {
			t.Fatalf("message %q: id %q, delivery mode %d (seen before: %v)", d.Body, d.MessageId, d.DeliveryMode, seen[d.MessageId])
		}
		seen[d.MessageId] = true
	}
	if int64(len(seen)) != got.LastID {
		t.Fatalf("the queue holds %d transactions, the producer generated %d", len(seen), got.LastID)
	}
}
