package devcluster

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"go.uber.org/zap"
)

// produceTick is how often the producer sends what the rate asks for.
const produceTick = 100 * time.Millisecond

// unknownStore is the store of transactions the retail job rejects at
// its region lookup.
const unknownStore = "s-unknown"

// Traffic is the rate transactions are produced at over time.
type Traffic interface {
	// At returns the store clock and the transactions per second at
	// elapsed real time since producing began.
	At(elapsed time.Duration) (clock time.Duration, rate float64)
	// Validate reports a rate that cannot be produced.
	Validate() error
}

// Steady is a constant rate, in transactions per second; its store clock
// is the time elapsed.
type Steady float64

// At returns elapsed and the rate.
func (s Steady) At(elapsed time.Duration) (time.Duration, float64) { return elapsed, float64(s) }

// Validate reports a rate that is not a positive number.
func (s Steady) Validate() error {
	if s <= 0 || math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
		return fmt.Errorf("devcluster: rate %v: want a positive number of transactions per second", float64(s))
	}
	return nil
}

// ProducerConfig configures the retail transaction producer.
type ProducerConfig struct {
	// Brokers are Kafka's bootstrap addresses.
	Brokers []string
	// Topic is where transactions go, keyed by store.
	Topic string
	// Stores are the stores transactions come from (the region table's).
	Stores []string
	// Traffic is the rate over time (RetailDay, Steady).
	Traffic Traffic
	// RoundRobin spreads transactions over the partitions in turn, so
	// that every executor works; otherwise they go by store.
	RoundRobin bool
	// InvalidEvery makes one transaction in InvalidEvery invalid (unknown
	// store, zero quantity or truncated JSON), for the dead-letter output;
	// 0 makes none.
	InvalidEvery int
	// Seed seeds the transactions' contents.
	Seed uint64
	// LedgerFile, when set, receives a line per transaction as Kafka
	// answers for it (gzipped CSV; ReadLedger reads it back), so that what
	// was produced can be checked after the run.
	LedgerFile string
	// Logger receives the producer's log.
	Logger *zap.Logger
}

// Validate reports the first invalid field.
func (c ProducerConfig) Validate() error {
	switch {
	case len(c.Brokers) == 0 || c.Topic == "":
		return errors.New("devcluster: a producer needs brokers and a topic")
	case len(c.Stores) == 0:
		return errors.New("devcluster: a producer needs at least one store")
	case c.InvalidEvery < 0:
		return fmt.Errorf("devcluster: invalid every %d transactions: want 0 (none) or more", c.InvalidEvery)
	case c.Traffic == nil:
		return errors.New("devcluster: a producer needs a traffic rate")
	}
	return c.Traffic.Validate()
}

// Producer writes retail transactions to Kafka at the traffic's rate and
// keeps the ledger of what Kafka acknowledged. Its writes are idempotent,
// so that a retry after a lost answer does not write a transaction twice.
type Producer struct {
	cfg      ProducerConfig
	lg       *zap.Logger
	client   sarama.Client
	producer sarama.SyncProducer
	rng      *rand.Rand
	file     *ledgerWriter

	closeOnce sync.Once
	closeErr  error

	mu     sync.Mutex
	ledger *Ledger
	start  time.Time
	clock  time.Duration
	rate   float64
	// perSecond counts acknowledged transactions by whole seconds since
	// start.
	perSecond []int64
}

// txnMeta rides on each message to enter it in the ledger once Kafka
// answered.
type txnMeta struct {
	id    int64
	store string
	valid bool
	cents int64
}

// NewProducer connects to Kafka.
func NewProducer(cfg ProducerConfig) (*Producer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	sc := sarama.NewConfig()
	sc.ClientID = "spindle-retail-producer"
	sc.Producer.Return.Successes = true
	sc.Producer.RequiredAcks = sarama.WaitForAll
	sc.Producer.Idempotent = true
	sc.Net.MaxOpenRequests = 1
	sc.Producer.Partitioner = sarama.NewHashPartitioner
	if cfg.RoundRobin {
		sc.Producer.Partitioner = sarama.NewRoundRobinPartitioner
	}
	sc.Metadata.Full = false
	client, err := sarama.NewClient(cfg.Brokers, sc)
	if err != nil {
		return nil, fmt.Errorf("devcluster: connect to Kafka at %v: %w", cfg.Brokers, err)
	}
	prod, err := sarama.NewSyncProducerFromClient(client)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("devcluster: Kafka producer: %w", err)
	}
	p := &Producer{cfg: cfg, lg: cfg.Logger, client: client, producer: prod,
		rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x5f3759df)), ledger: NewLedger()}
	if cfg.LedgerFile != "" {
		if p.file, err = createLedgerFile(cfg.LedgerFile); err != nil {
			p.Close()
			return nil, err
		}
	}
	return p, nil
}

// Run produces at the traffic's rate until ctx ends, then returns nil; it
// returns an error only when Kafka refuses every transaction from the
// start.
func (p *Producer) Run(ctx context.Context) error {
	start := time.Now()
	p.mu.Lock()
	p.start = start
	p.mu.Unlock()
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
func (p *Producer) batch(n int) []*sarama.ProducerMessage {
	msgs := make([]*sarama.ProducerMessage, n)
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range msgs {
		msgs[i] = p.transaction(p.ledger.next())
	}
	return msgs
}

// transaction returns transaction number id as a message: one the retail
// job accepts, or every InvalidEvery-th one that it rejects (unknown
// store, zero quantity or truncated JSON, in turn).
func (p *Producer) transaction(id int64) *sarama.ProducerMessage {
	store := p.cfg.Stores[p.rng.IntN(len(p.cfg.Stores))]
	qty := 1 + p.rng.Int64N(4)
	cents := 99 + p.rng.Int64N(9900)
	meta := txnMeta{id: id, store: store, valid: true, cents: qty * cents}
	kind := int64(-1)
	if p.cfg.InvalidEvery > 0 && id%int64(p.cfg.InvalidEvery) == 0 {
		kind = (id / int64(p.cfg.InvalidEvery)) % 3
		meta = txnMeta{id: id}
		switch kind {
		case 0:
			store = unknownStore
		case 1:
			qty = 0 // rejected by the parser
		}
	}
	value := fmt.Sprintf(`{"id":"%s","store":"%s","sku":"A-%d","qty":%d,"price":%d.%02d,"ts":"%s"}`,
		TransactionID(id), store, 1+p.rng.IntN(500), qty, cents/100, cents%100, time.Now().UTC().Format(time.RFC3339Nano))
	if kind == 2 {
		value = value[:len(value)/2] // truncated JSON, still naming its id
	}
	return &sarama.ProducerMessage{Topic: p.cfg.Topic, Key: sarama.StringEncoder(store), Value: sarama.StringEncoder(value), Metadata: meta}
}

// send writes msgs and enters in the ledger what Kafka answered.
func (p *Producer) send(msgs []*sarama.ProducerMessage) error {
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
		st := TxnValid
		switch {
		case failed[m]:
			st = TxnRefused
			p.ledger.refuse(meta.id)
		case meta.valid:
			p.ledger.valid(meta.id, meta.store, meta.cents)
		default:
			st = TxnInvalid
			p.ledger.invalid(meta.id)
		}
		if st != TxnRefused {
			p.perSecond[sec]++
		}
		if p.file != nil {
			p.file.line(meta.id, st, meta.store, meta.cents)
		}
	}
	if len(failed) > 0 {
		p.lg.Warn("kafka refused transactions", zap.Int("failed", len(failed)), zap.Error(err))
	}
	if len(failed) == len(msgs) && p.ledger.totals.Total() == 0 {
		return fmt.Errorf("devcluster: produce to %s: %w", p.cfg.Topic, err)
	}
	return nil
}

// Produced returns what Kafka acknowledged so far.
func (p *Producer) Produced() Produced {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ledger.Totals()
}

// Ledger is every transaction and what Kafka answered for it; read it
// once Run has returned.
func (p *Producer) Ledger() *Ledger { return p.ledger }

// Started is when Run began producing.
func (p *Producer) Started() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.start
}

// PerSecond returns the transactions Kafka acknowledged in each second
// since Run began.
func (p *Producer) PerSecond() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int64(nil), p.perSecond...)
}

// Now returns the store clock and the rate the producer is at (0 once it
// has stopped).
func (p *Producer) Now() (clock time.Duration, rate float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.clock, p.rate
}

// Close disconnects from Kafka and completes the ledger file; later
// calls do nothing.
func (p *Producer) Close() error {
	p.closeOnce.Do(func() {
		errs := []error{p.producer.Close(), p.client.Close()}
		if p.file != nil {
			errs = append(errs, p.file.close())
		}
		p.closeErr = errors.Join(errs...)
	})
	return p.closeErr
}
