package devcluster

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"
)

// produceTick is how often the producer sends what the rate asks for.
const produceTick = 100 * time.Millisecond

// ProducerConfig configures the demo's transaction producer.
type ProducerConfig struct {
	// Brokers are Kafka's bootstrap addresses.
	Brokers []string
	// Topic is where transactions go, keyed by store.
	Topic string
	// AMQPURL, when set, sends transactions to the AMQP queue Queue
	// instead of Kafka, as persistent messages whose ids are the
	// transactions' ids.
	AMQPURL, Queue string
	// Stores are the stores transactions come from (the region table's).
	Stores []string
	// Traffic is the rate over the day.
	Traffic RetailDay
	// InvalidEvery makes one transaction in InvalidEvery invalid (unknown
	// store, zero quantity or truncated JSON), for the dead-letter output;
	// 0 makes none.
	InvalidEvery int
	// Seed seeds the transactions' contents.
	Seed uint64
	// Logger receives the producer's log.
	Logger *zap.Logger
}

// Validate reports the first invalid field.
func (c ProducerConfig) Validate() error {
	switch {
	case c.AMQPURL != "" && c.Queue == "":
		return errors.New("devcluster: a producer to an AMQP broker needs a queue")
	case c.AMQPURL == "" && (len(c.Brokers) == 0 || c.Topic == ""):
		return errors.New("devcluster: a producer needs brokers and a topic")
	case len(c.Stores) == 0:
		return errors.New("devcluster: a producer needs at least one store")
	case c.InvalidEvery < 0:
		return fmt.Errorf("devcluster: invalid every %d transactions: want 0 (none) or more", c.InvalidEvery)
	}
	return c.Traffic.Validate()
}

// Produced counts what Kafka (or the AMQP broker) acknowledged.
type Produced struct {
	// Valid and Invalid are the transactions written, by whether the job
	// should accept them.
	Valid, Invalid int64
	// RevenueCents is the total amount of the valid ones.
	RevenueCents int64
	// Failed are transactions Kafka refused; their ids are never reused.
	Failed int64
	// LastID is the highest transaction number generated (ids are
	// t-1 … t-LastID).
	LastID int64
}

// Total is every transaction written.
func (p Produced) Total() int64 { return p.Valid + p.Invalid }

// publisher writes transactions to a broker and returns which of them it
// refused (by index), with why.
type publisher interface {
	publish(txns []txn) (failed map[int]bool, err error)
	close() error
}

// txn is one generated transaction.
type txn struct {
	id         int64
	key, value string
	meta       txnMeta
}

// Producer writes a retail day's transactions to Kafka or an AMQP queue.
type Producer struct {
	cfg ProducerConfig
	lg  *zap.Logger
	pub publisher
	rng *rand.Rand

	mu       sync.Mutex
	produced Produced
	clock    time.Duration
	rate     float64
}

// txnMeta is what counting a transaction once acknowledged needs.
type txnMeta struct {
	valid bool
	cents int64
}

// NewProducer connects to Kafka or the AMQP broker.
func NewProducer(cfg ProducerConfig) (*Producer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	var pub publisher
	var err error
	if cfg.AMQPURL != "" {
		pub, err = newAMQPPublisher(cfg.AMQPURL, cfg.Queue)
	} else {
		pub, err = newKafkaPublisher(cfg.Brokers, cfg.Topic)
	}
	if err != nil {
		return nil, err
	}
	return &Producer{cfg: cfg, lg: cfg.Logger, pub: pub, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5f3759df))}, nil
}

// Run produces at the day's rate until ctx ends, then returns nil; it
// returns an error only when Kafka cannot be written to at all.
func (p *Producer) Run(ctx context.Context) error {
	start := time.Now()
	tick := time.NewTicker(produceTick)
	defer tick.Stop()
	last := start
	carry := 0.0
	defer func() {
		p.mu.Lock()
		p.rate = 0
		p.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			clock, rate := p.cfg.Traffic.At(now.Sub(start))
			want := rate*now.Sub(last).Seconds() + carry
			last = now
			n := int(want)
			carry = want - float64(n)
			p.mu.Lock()
			p.clock, p.rate = clock, rate
			p.mu.Unlock()
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
func (p *Producer) batch(n int) []txn {
	msgs := make([]txn, n)
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range msgs {
		p.produced.LastID++
		msgs[i] = p.transaction(p.produced.LastID)
	}
	return msgs
}

// transaction returns transaction number id as a message: one the retail
// job accepts, or every InvalidEvery-th one that it rejects.
func (p *Producer) transaction(id int64) txn {
	store := p.cfg.Stores[p.rng.IntN(len(p.cfg.Stores))]
	qty := 1 + p.rng.Int64N(4)
	cents := 99 + p.rng.Int64N(9900)
	meta := txnMeta{valid: true, cents: qty * cents}
	invalid := p.cfg.InvalidEvery > 0 && id%int64(p.cfg.InvalidEvery) == 0
	if invalid {
		meta = txnMeta{}
		switch (id / int64(p.cfg.InvalidEvery)) % 3 {
		case 0:
			store = "s-unknown" // rejected by the region lookup
		case 1:
			qty = 0 // rejected by the parser
		}
	}
	value := fmt.Sprintf(`{"id":"%s","store":"%s","sku":"A-%d","qty":%d,"price":%d.%02d,"ts":"%s"}`,
		transactionID(id), store, 1+p.rng.IntN(500), qty, cents/100, cents%100, time.Now().UTC().Format(time.RFC3339Nano))
	if invalid && (id/int64(p.cfg.InvalidEvery))%3 == 2 {
		value = value[:len(value)/2] // truncated JSON, still naming its id
	}
	return txn{id: id, key: store, value: value, meta: meta}
}

// send writes msgs and counts those the broker acknowledged.
func (p *Producer) send(msgs []txn) error {
	failed, err := p.pub.publish(msgs)
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, m := range msgs {
		switch {
		case failed[i]:
			p.produced.Failed++
		case m.meta.valid:
			p.produced.Valid++
			p.produced.RevenueCents += m.meta.cents
		default:
			p.produced.Invalid++
		}
	}
	if len(failed) > 0 {
		p.lg.Warn("the broker refused transactions", zap.Int("failed", len(failed)), zap.Error(err))
	}
	if len(failed) == len(msgs) && p.produced.Total() == 0 {
		return fmt.Errorf("devcluster: produce to %s: %w", p.destination(), err)
	}
	return nil
}

// destination names where transactions go.
func (p *Producer) destination() string {
	if p.cfg.AMQPURL != "" {
		return "queue " + p.cfg.Queue
	}
	return "topic " + p.cfg.Topic
}

// Produced returns what the broker acknowledged so far.
func (p *Producer) Produced() Produced {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.produced
}

// Now returns the store clock and the rate the producer is at (0 once it
// has stopped).
func (p *Producer) Now() (clock time.Duration, rate float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.clock, p.rate
}

// Close disconnects from the broker.
func (p *Producer) Close() error { return p.pub.close() }

// transactionID is the id the producer gives transaction n.
func transactionID(n int64) string { return "t-" + strconv.FormatInt(n, 10) }
