package kafkasource

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/conf"
	"go.uber.org/zap"
)

// DefaultLagMaxAge is how old the oldest unprocessed record of a partition
// may be before the lag monitor warns, unless configured otherwise.
const DefaultLagMaxAge = 10 * time.Minute

// DefaultLagWarnInterval is how long a partition that stays over a
// threshold goes without another warning, as set by
// LagMonitorConfigFromApp.
const DefaultLagWarnInterval = time.Minute

const (
	// lagFetchBytes is what a partition may return in the first fetch
	// for its oldest unprocessed record: only the first record batch is
	// needed.
	lagFetchBytes = 64 << 10
	// lagFetchAttempts bounds the fetches for one partition: a second one
	// after a leader change, or with more room when the first record
	// batch did not fit.
	lagFetchAttempts = 2
)

// errNoRecord marks a partition whose fetch returned no data record: its
// first record batch did not fit in the fetch, or the offset holds only
// transaction markers. The first is worth another fetch with more room; if
// that returns none either, the age is unknown but nothing failed.
var errNoRecord = errors.New("no record returned")

// LagMonitorConfig configures a LagMonitor.
type LagMonitorConfig struct {
	// MaxRecords is the lag, in records, above which a partition is
	// flagged and logged; 0 means no records threshold
	// (spindle.monitor.lag.maxRecords, default 0).
	MaxRecords int64
	// MaxAge is the age of a partition's oldest unprocessed record above
	// which it is flagged and logged; 0 means no age threshold
	// (spindle.monitor.lag.maxAge, default 10m).
	MaxAge time.Duration
	// WarnInterval is how long a partition that stays over a threshold
	// goes without another warning; 0 warns on every Check.
	// LagMonitorConfigFromApp sets DefaultLagWarnInterval.
	WarnInterval time.Duration
	// Logger receives the warnings; nil logs nothing.
	Logger *zap.Logger
	// Now is the clock ages are measured by; nil means time.Now.
	Now func() time.Time
}

// DefaultLagMonitorConfig returns the configuration used when no
// spindle.monitor.lag.* key is set.
func DefaultLagMonitorConfig() LagMonitorConfig {
	return LagMonitorConfig{MaxAge: DefaultLagMaxAge, WarnInterval: DefaultLagWarnInterval}
}

// Validate checks the thresholds.
func (c LagMonitorConfig) Validate() error {
	if c.MaxRecords < 0 {
		return fmt.Errorf("%w: lag threshold %d records must be >= 0 (%s)", ErrInvalidConfig, c.MaxRecords, conf.KeyLagMaxRecords)
	}
	if c.MaxAge < 0 {
		return fmt.Errorf("%w: lag threshold age %v must be >= 0 (%s)", ErrInvalidConfig, c.MaxAge, conf.KeyLagMaxAge)
	}
	if c.WarnInterval < 0 {
		return fmt.Errorf("%w: lag warning interval %v must be >= 0", ErrInvalidConfig, c.WarnInterval)
	}
	return nil
}

// LagReport is the stream's consumer lag at one moment.
type LagReport struct {
	// Time is when the check ran; ages are measured from it.
	Time time.Time
	// Partitions holds one entry per partition checked, sorted by topic
	// and partition.
	Partitions []PartitionLag
	// TotalLag is the sum of the partitions' lags.
	TotalLag int64
	// MaxAge is the largest age of any partition.
	MaxAge time.Duration
}

// PartitionLag is the lag of one partition.
type PartitionLag struct {
	// Topic is the topic name.
	Topic string
	// Partition is the partition number.
	Partition int32
	// Next is the next offset the stream will read.
	Next int64
	// Latest is the next offset the broker will write (the last stable
	// offset with read_committed).
	Latest int64
	// Lag is Latest - Next, the records not yet processed; 0 when Next is
	// at or past Latest.
	Lag int64
	// OldestTimestamp is the timestamp of the oldest unprocessed record,
	// the one at offset Next (or the first after it that holds a record);
	// zero when there is no lag or it is unknown, e.g. because retention
	// deleted offset Next.
	OldestTimestamp time.Time
	// Age is how long before the check OldestTimestamp was; zero when
	// OldestTimestamp is zero or in the future.
	Age time.Duration
	// OverRecords is set when Lag exceeds MaxRecords (if set).
	OverRecords bool
	// OverAge is set when Age exceeds MaxAge (if set).
	OverAge bool
}

// TopicPartition returns the partition the entry is about.
func (p PartitionLag) TopicPartition() TopicPartition {
	return TopicPartition{Topic: p.Topic, Partition: p.Partition}
}

// LagMonitor measures how far the stream is behind the brokers and warns
// when a partition is over a threshold. It is safe for concurrent use.
type LagMonitor struct {
	cfg       LagMonitorConfig
	client    sarama.Client
	ownClient bool
	log       *zap.Logger
	now       func() time.Time

	mu sync.Mutex
	// warned is when each partition was last warned about, per threshold.
	warned map[lagWarning]time.Time
}

// lagWarning names one threshold of one partition.
type lagWarning struct {
	tp  TopicPartition
	key string
}

// NewLagMonitor validates both configurations and connects to kcfg's
// bootstrap brokers; only kcfg's client settings are used.
func NewLagMonitor(kcfg Config, cfg LagMonitorConfig) (*LagMonitor, error) {
	if err := kcfg.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	client, err := sarama.NewClient(kcfg.Brokers, kcfg.saramaConfig())
	if err != nil {
		return nil, fmt.Errorf("kafkasource: connect to %v: %w", kcfg.Brokers, err)
	}
	m := newLagMonitor(client, cfg)
	m.ownClient = true
	return m, nil
}

// NewLagMonitorWithClient validates cfg and checks with an existing
// client, which Close leaves open.
func NewLagMonitorWithClient(client sarama.Client, cfg LagMonitorConfig) (*LagMonitor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if client == nil {
		return nil, fmt.Errorf("%w: nil sarama client", ErrInvalidConfig)
	}
	return newLagMonitor(client, cfg), nil
}

func newLagMonitor(client sarama.Client, cfg LagMonitorConfig) *LagMonitor {
	m := &LagMonitor{cfg: cfg, client: client, log: cfg.Logger, now: cfg.Now, warned: make(map[lagWarning]time.Time)}
	if m.log == nil {
		m.log = zap.NewNop()
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m
}

// Close releases the monitor's own client.
func (m *LagMonitor) Close() error {
	if !m.ownClient {
		return nil
	}
	if err := m.client.Close(); err != nil && !errors.Is(err, sarama.ErrClosedClient) {
		return fmt.Errorf("kafkasource: close client: %w", err)
	}
	return nil
}

// Check measures the lag of each partition of next, which holds each
// partition's next offset to read. It lists the partitions' latest offsets
// and, for each partition with lag, fetches the record at its next offset
// (one fetch per leader, not waiting for data) to learn how old the oldest
// unprocessed record is. Partitions over a threshold are flagged in the
// report and logged at WARN with the key to tune.
//
// If the latest offsets cannot be listed, Check returns an empty report
// and the error. If only some ages cannot be learned, the report is
// complete but for those ages, which are zero, and the error names the
// partitions. ctx is checked between broker round trips.
func (m *LagMonitor) Check(ctx context.Context, next map[TopicPartition]int64) (LagReport, error) {
	for tp, off := range next {
		if off < 0 {
			return LagReport{}, fmt.Errorf("%w: next offset %d of %s is negative", ErrInvalidRange, off, tp)
		}
	}
	if err := ctx.Err(); err != nil {
		return LagReport{}, fmt.Errorf("kafkasource: check lag: %w", err)
	}
	tps := make([]TopicPartition, 0, len(next))
	for tp := range next {
		tps = append(tps, tp)
	}
	slices.SortFunc(tps, compareTopicPartitions)
	offs, err := listOffsets(ctx, m.client, tps)
	if err != nil {
		return LagReport{}, fmt.Errorf("kafkasource: check lag: %w", err)
	}

	report := LagReport{Time: m.now(), Partitions: make([]PartitionLag, len(tps))}
	wanted := make(map[TopicPartition]int64)
	for i, tp := range tps {
		b := offs[tp]
		p := PartitionLag{Topic: tp.Topic, Partition: tp.Partition, Next: next[tp], Latest: b.latest}
		p.Lag = max(0, b.latest-p.Next)
		report.TotalLag += p.Lag
		// Below the earliest offset the oldest unprocessed record is gone:
		// its age is unknown.
		if p.Lag > 0 && p.Next >= b.earliest {
			wanted[tp] = p.Next
		}
		report.Partitions[i] = p
	}

	stamps, ageErr := m.oldestTimestamps(ctx, wanted)
	if err := ctx.Err(); err != nil {
		return LagReport{}, fmt.Errorf("kafkasource: check lag: %w", err)
	}
	for i := range report.Partitions {
		p := &report.Partitions[i]
		if ts, ok := stamps[p.TopicPartition()]; ok {
			p.OldestTimestamp = ts
			p.Age = max(0, report.Time.Sub(ts))
		}
		report.MaxAge = max(report.MaxAge, p.Age)
		p.OverRecords = m.cfg.MaxRecords > 0 && p.Lag > m.cfg.MaxRecords
		p.OverAge = m.cfg.MaxAge > 0 && p.Age > m.cfg.MaxAge
	}
	m.warn(report)
	if ageErr != nil {
		return report, fmt.Errorf("kafkasource: check lag: %w", ageErr)
	}
	return report, nil
}

// warn logs the partitions over a threshold, each at most once per
// WarnInterval while it stays over.
func (m *LagMonitor) warn(report LagReport) {
	m.mu.Lock()
	defer m.mu.Unlock()
	due := func(tp TopicPartition, key string, over bool) bool {
		w := lagWarning{tp: tp, key: key}
		if !over {
			delete(m.warned, w)
			return false
		}
		last, seen := m.warned[w]
		if seen && report.Time.Sub(last) < m.cfg.WarnInterval {
			return false
		}
		m.warned[w] = report.Time
		return true
	}
	for _, p := range report.Partitions {
		tp := p.TopicPartition()
		if due(tp, conf.KeyLagMaxRecords, p.OverRecords) {
			m.log.Warn("Kafka consumer lag over threshold",
				zap.String("topic", p.Topic),
				zap.Int32("partition", p.Partition),
				zap.Int64("lag", p.Lag),
				zap.Int64("next", p.Next),
				zap.Int64("latest", p.Latest),
				zap.Int64("max_records", m.cfg.MaxRecords),
				zap.String("key", conf.KeyLagMaxRecords))
		}
		if due(tp, conf.KeyLagMaxAge, p.OverAge) {
			m.log.Warn("Oldest unprocessed Kafka record older than threshold",
				zap.String("topic", p.Topic),
				zap.Int32("partition", p.Partition),
				zap.Duration("age", p.Age),
				zap.Time("oldest_timestamp", p.OldestTimestamp),
				zap.Int64("lag", p.Lag),
				zap.Duration("max_age", m.cfg.MaxAge),
				zap.String("key", conf.KeyLagMaxAge))
		}
	}
}

// oldestTimestamps returns the timestamp of the first record at or after
// each wanted offset. Partitions whose offset is gone, or that hold no
// record there, are left out; those that could not be fetched are left out
// and named in the error.
func (m *LagMonitor) oldestTimestamps(ctx context.Context, wanted map[TopicPartition]int64) (map[TopicPartition]time.Time, error) {
	out := make(map[TopicPartition]time.Time, len(wanted))
	pending := wanted
	var failed map[TopicPartition]error
	for attempt := 0; attempt < lagFetchAttempts && len(pending) > 0; attempt++ {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		maxBytes := int32(lagFetchBytes)
		if attempt > 0 {
			// A record batch larger than lagFetchBytes comes back cut
			// off, or not at all, unless its partition is the first of
			// the fetch; the consumer's fetch size holds one.
			maxBytes = max(maxBytes, m.client.Config().Consumer.Fetch.Default)
			topics := make([]string, 0, len(pending))
			for tp := range pending {
				if !slices.Contains(topics, tp.Topic) {
					topics = append(topics, tp.Topic)
				}
			}
			// A failed refresh leaves the old leaders to fail again.
			_ = m.client.RefreshMetadata(topics...)
			if err := ctx.Err(); err != nil {
				return out, err
			}
		}
		pending, failed = m.fetchOldest(pending, maxBytes, out)
	}
	for tp, err := range failed {
		if errors.Is(err, errNoRecord) {
			delete(failed, tp)
		}
	}
	if len(failed) == 0 {
		return out, nil
	}
	tps := make([]TopicPartition, 0, len(failed))
	for tp := range failed {
		tps = append(tps, tp)
	}
	slices.SortFunc(tps, compareTopicPartitions)
	errs := make([]error, 0, min(len(tps), maxNamedPartitions)+1)
	for _, tp := range tps[:min(len(tps), maxNamedPartitions)] {
		errs = append(errs, fmt.Errorf("age of the record at offset %d of %s: %w", wanted[tp], tp, failed[tp]))
	}
	if len(tps) > maxNamedPartitions {
		errs = append(errs, fmt.Errorf("and the ages of %d more partitions", len(tps)-maxNamedPartitions))
	}
	return out, errors.Join(errs...)
}

// fetchOldest sends one fetch to each partition's leader, leaders in
// parallel, and fills out. It returns the partitions worth another attempt
// and why each failed.
func (m *LagMonitor) fetchOldest(wanted map[TopicPartition]int64, maxBytes int32, out map[TopicPartition]time.Time) (map[TopicPartition]int64, map[TopicPartition]error) {
	retry := make(map[TopicPartition]int64)
	failed := make(map[TopicPartition]error)
	byLeader := make(map[*sarama.Broker][]TopicPartition)
	for tp := range wanted {
		leader, err := m.client.Leader(tp.Topic, tp.Partition)
		if err != nil {
			retry[tp], failed[tp] = wanted[tp], fmt.Errorf("leader: %w", err)
			continue
		}
		byLeader[leader] = append(byLeader[leader], tp)
	}

	type result struct {
		stamps map[TopicPartition]time.Time
		retry  map[TopicPartition]error
	}
	results := make(chan result, len(byLeader))
	var wg sync.WaitGroup
	for leader, tps := range byLeader {
		wg.Go(func() {
			stamps, again := m.fetchLeader(leader, tps, wanted, maxBytes)
			results <- result{stamps, again}
		})
	}
	wg.Wait()
	close(results)
	for r := range results {
		for tp, ts := range r.stamps {
			out[tp] = ts
		}
		for tp, err := range r.retry {
			retry[tp], failed[tp] = wanted[tp], err
		}
	}
	return retry, failed
}

// fetchLeader asks one leader for the record at each wanted offset, not
// waiting for data. It returns the timestamps found and, for partitions to
// try again, why.
func (m *LagMonitor) fetchLeader(leader *sarama.Broker, tps []TopicPartition, wanted map[TopicPartition]int64, maxBytes int32) (map[TopicPartition]time.Time, map[TopicPartition]error) {
	req := newOldestFetchRequest(m.client.Config())
	for _, tp := range tps {
		req.AddBlock(tp.Topic, tp.Partition, wanted[tp], maxBytes, -1)
	}
	stamps := make(map[TopicPartition]time.Time, len(tps))
	again := make(map[TopicPartition]error)
	resp, err := leader.Fetch(req)
	if err != nil {
		// The connection is reopened on next use.
		_ = leader.Close()
		err = fmt.Errorf("fetch from broker %d (%s): %w", leader.ID(), leader.Addr(), err)
		for _, tp := range tps {
			again[tp] = err
		}
		return stamps, again
	}
	for _, tp := range tps {
		block := resp.GetBlock(tp.Topic, tp.Partition)
		switch {
		case block == nil:
			again[tp] = sarama.ErrIncompleteResponse
		case errors.Is(block.Err, sarama.ErrOffsetOutOfRange):
			// Deleted since the offsets were listed: the age is unknown.
		case !errors.Is(block.Err, sarama.ErrNoError):
			again[tp] = block.Err
		default:
			ts, found := firstRecordTime(block, wanted[tp])
			switch {
			case !found:
				again[tp] = errNoRecord
			case !ts.IsZero():
				stamps[tp] = ts
			}
		}
	}
	return stamps, again
}

// newOldestFetchRequest returns a fetch request that does not wait for
// data, in the highest version the configured Kafka version supports, as
// sarama's consumer chooses it.
func newOldestFetchRequest(sc *sarama.Config) *sarama.FetchRequest {
	req := &sarama.FetchRequest{MinBytes: 1, MaxWaitTime: 0, Version: fetchVersion(sc.Version)}
	if req.Version >= 3 {
		req.MaxBytes = sc.Consumer.Fetch.MaxBytes
	}
	if req.Version >= 4 {
		req.Isolation = sc.Consumer.IsolationLevel
	}
	if req.Version >= 7 {
		// No fetch session: each check is one request.
		req.SessionID, req.SessionEpoch = 0, -1
	}
	if req.Version >= 11 {
		req.RackID = sc.RackID
	}
	return req
}

// firstRecordTime returns the timestamp of the first data record at or
// after offset in block, and whether there was one. The timestamp is zero
// when the record has none.
func firstRecordTime(block *sarama.FetchResponseBlock, offset int64) (ts time.Time, found bool) {
	for _, records := range block.RecordsSet {
		switch {
		case records.RecordBatch != nil:
			batch := records.RecordBatch
			if batch.Control {
				continue
			}
			for _, rec := range batch.Records {
				if batch.FirstOffset+rec.OffsetDelta < offset {
					continue
				}
				switch {
				case batch.LogAppendTime:
					return batch.MaxTimestamp, true
				case batch.FirstTimestamp.IsZero():
					return time.Time{}, true
				}
				return batch.FirstTimestamp.Add(rec.TimestampDelta), true
			}
		case records.MsgSet != nil:
			for _, outer := range records.MsgSet.Messages {
				inner := outer.Messages()
				for _, msg := range inner {
					off, ts := msg.Offset, msg.Msg.Timestamp
					if msg.Msg.Version >= 1 {
						// Compressed v1 messages carry offsets relative to
						// the wrapper's, which is that of the last one.
						off += outer.Offset - inner[len(inner)-1].Offset
						if msg.Msg.LogAppendTime {
							ts = outer.Msg.Timestamp
						}
					}
					if off >= offset {
						return ts, true
					}
				}
			}
		}
	}
	return time.Time{}, false
}

func compareTopicPartitions(a, b TopicPartition) int {
	return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
}
