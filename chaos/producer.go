package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"go.uber.org/zap"
)

// produceTick is how often the producer sends what the rate asks for.
const produceTick = 100 * time.Millisecond

// unknownStore is the store of transactions the job rejects at enrich.
const unknownStore = "s-unknown"

// producerConfig configures the transaction producer.
type producerConfig struct {
	// brokers are Kafka's bootstrap addresses; topic where transactions go.
	brokers []string
	topic   string
	// stores are the stores valid transactions come from.
	stores []string
	// rate is the transactions per second.
	rate float64
	// invalidEvery makes one transaction in invalidEvery invalid; 0 none.
	invalidEvery int
	// seed seeds the transactions' contents.
	seed uint64
	// logger receives the producer's log.
	logger *zap.Logger
}

// producer writes retail transactions to Kafka at a fixed rate and keeps
// the ledger of what Kafka acknowledged.
type producer struct {
	cfg      producerConfig
	client   sarama.Client
	producer sarama.SyncProducer
	rng      *rand.Rand
	start    time.Time

	mu     sync.Mutex
	ledger *ledger
	// perSecond counts acknowledged transactions by whole seconds since
	// start.
	perSecond []int64
}

// txnMeta rides on each message to enter it in the ledger once
// acknowledged.
type txnMeta struct {
	id    int64
	store string
	valid bool
	cents int64
}

// newProducer connects to Kafka.
func newProducer(cfg producerConfig) (*producer, error) {
	sc := sarama.NewConfig()
	sc.ClientID = "spindle-chaos"
	sc.Producer.Return.Successes = true
	sc.Producer.RequiredAcks = sarama.WaitForAll
	// Spread transactions over every partition, so every executor works.
	sc.Producer.Partitioner = sarama.NewRoundRobinPartitioner
	sc.Metadata.Full = false
	client, err := sarama.NewClient(cfg.brokers, sc)
	if err != nil {
		return nil, fmt.Errorf("chaos: connect to Kafka at %v: %w", cfg.brokers, err)
	}
	prod, err := sarama.NewSyncProducerFromClient(client)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("chaos: Kafka producer: %w", err)
	}
	return &producer{
		cfg: cfg, client: client, producer: prod,
		rng:    rand.New(rand.NewPCG(cfg.seed, cfg.seed^0x5f3759df)),
		ledger: newLedger(),
	}, nil
}

// run produces at the rate until ctx ends, then returns nil; it returns an
// error only when Kafka refuses every transaction from the start.
func (p *producer) run(ctx context.Context, start time.Time) error {
	p.mu.Lock()
	p.start = start
	p.mu.Unlock()
	tick := time.NewTicker(produceTick)
	defer tick.Stop()
	last := time.Now()
	carry := 0.0
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			want := p.cfg.rate*now.Sub(last).Seconds() + carry
			last = now
			n := int(want)
			carry = want - float64(n)
			if n == 0 {
				continue
			}
			if err := p.send(p.batch(n)); err != nil {
				return err
			}
		}
	}
}

// batch generates the next n transactions.
func (p *producer) batch(n int) []*sarama.ProducerMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	msgs := make([]*sarama.ProducerMessage, n)
	for i := range msgs {
		msgs[i] = p.transaction(p.ledger.next())
	}
	return msgs
}

// transaction returns transaction number id: one the retail job accepts,
// or every invalidEvery-th one that it rejects (unknown store, zero
// quantity or truncated JSON, in turn).
func (p *producer) transaction(id int64) *sarama.ProducerMessage {
	store := p.cfg.stores[p.rng.IntN(len(p.cfg.stores))]
	qty := 1 + p.rng.Int64N(4)
	cents := 99 + p.rng.Int64N(9900)
	meta := txnMeta{id: id, store: store, valid: true, cents: qty * cents}
	kind := int64(-1)
	if p.cfg.invalidEvery > 0 && id%int64(p.cfg.invalidEvery) == 0 {
		kind = (id / int64(p.cfg.invalidEvery)) % 3
		meta = txnMeta{id: id}
		switch kind {
		case 0:
			store = unknownStore
		case 1:
			qty = 0
		}
	}
	value := fmt.Sprintf(`{"id":"%s","store":"%s","sku":"A-%d","qty":%d,"price":%d.%02d,"ts":"%s"}`,
		TransactionID(id), store, 1+p.rng.IntN(500), qty, cents/100, cents%100, time.Now().UTC().Format(time.RFC3339Nano))
	if kind == 2 {
		value = value[:len(value)/2] // truncated JSON, still naming its id
	}
	return &sarama.ProducerMessage{Topic: p.cfg.topic, Key: sarama.StringEncoder(store), Value: sarama.StringEncoder(value), Metadata: meta}
}

// send writes msgs and enters those Kafka acknowledged in the ledger.
func (p *producer) send(msgs []*sarama.ProducerMessage) error {
	err := p.producer.SendMessages(msgs)
	failed := map[*sarama.ProducerMessage]bool{}
	var perrs sarama.ProducerErrors
	if errors.As(err, &perrs) {
		for _, pe := range perrs {
			failed[pe.Msg] = true
		}
	} else if err != nil {
		for _, m := range msgs {
			failed[m] = true
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	sec := int(time.Since(p.start) / time.Second)
	for len(p.perSecond) <= sec {
		p.perSecond = append(p.perSecond, 0)
	}
	for _, m := range msgs {
		meta := m.Metadata.(txnMeta)
		if failed[m] {
			p.ledger.refuse(meta.id)
			continue
		}
		p.perSecond[sec]++
		if meta.valid {
			p.ledger.valid(meta.id, meta.store, meta.cents)
		} else {
			p.ledger.invalid(meta.id)
		}
	}
	if len(failed) > 0 {
		p.cfg.logger.Warn("kafka refused transactions", zap.Int("failed", len(failed)), zap.Error(err))
	}
	if len(failed) == len(msgs) && p.ledger.Produced() == 0 {
		return fmt.Errorf("chaos: produce to %s: %w", p.cfg.topic, err)
	}
	return nil
}

// snapshot returns a copy of the ledger's totals and of the per-second
// input counts.
func (p *producer) snapshot() (Produced, []int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ledger.Totals(), append([]int64(nil), p.perSecond...)
}

// close disconnects from Kafka.
func (p *producer) close() error {
	return errors.Join(p.producer.Close(), p.client.Close())
}

// TransactionID is the id the producer gives transaction n: "t-<n>".
func TransactionID(n int64) string { return "t-" + strconv.FormatInt(n, 10) }
