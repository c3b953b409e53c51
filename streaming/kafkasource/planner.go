package kafkasource

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/IBM/sarama"
	"go.uber.org/zap"
)

// Planner decides the offset ranges of each batch on the driver. Plan may
// be called concurrently, though a stream plans one batch at a time.
type Planner struct {
	cfg       Config
	client    sarama.Client
	ownClient bool
	log       *zap.Logger
}

// NewPlanner validates cfg and connects to the bootstrap brokers.
func NewPlanner(cfg Config) (*Planner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	client, err := sarama.NewClient(cfg.Brokers, cfg.saramaConfig())
	if err != nil {
		return nil, fmt.Errorf("kafkasource: connect to %v: %w", cfg.Brokers, err)
	}
	return &Planner{cfg: cfg, client: client, ownClient: true, log: cfg.logger()}, nil
}

// NewPlannerWithClient validates cfg and plans with an existing client,
// which Close leaves open. cfg.Brokers and cfg.ClientConfig are not used
// to connect.
func NewPlannerWithClient(cfg Config, client sarama.Client) (*Planner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if client == nil {
		return nil, fmt.Errorf("%w: nil sarama client", ErrInvalidConfig)
	}
	return &Planner{cfg: cfg, client: client, log: cfg.logger()}, nil
}

// Close releases the planner's own client.
func (p *Planner) Close() error {
	if !p.ownClient {
		return nil
	}
	if err := p.client.Close(); err != nil && !errors.Is(err, sarama.ErrClosedClient) {
		return fmt.Errorf("kafkasource: close client: %w", err)
	}
	return nil
}

// PlanInput is what Plan needs to know about the stream.
type PlanInput struct {
	// Current is the next offset to read of each partition, normally the
	// Until of its previous range. A partition of a subscribed topic that is
	// missing is new and starts per auto.offset.reset; partitions of other
	// topics are ignored.
	Current map[TopicPartition]int64
	// BatchDuration is the batch interval, at least a millisecond.
	BatchDuration time.Duration
	// RateLimit is the records per second of the whole stream, from
	// backpressure or the initial rate; 0 or less means none.
	RateLimit float64
}

// Plan is the work of one batch.
type Plan struct {
	// Ranges holds one range per partition of the subscribed topics,
	// sorted by topic and partition, including empty ones so that every
	// partition's position is known for the next batch.
	Ranges []OffsetRange
	// Lag is how many records remain after these ranges: the consumer lag
	// once the batch is done.
	Lag int64
	// Latest is each partition's next offset to be written, as the broker
	// reported it while planning.
	Latest map[TopicPartition]int64
	// OutOfRange lists partitions whose next offset the broker no longer
	// (or never) held, and where reading resumes.
	OutOfRange []OutOfRangeEvent
}

// OutOfRangeEvent describes one partition whose next offset was outside
// what the broker holds, typically because retention deleted it.
type OutOfRangeEvent struct {
	// Topic is the topic name.
	Topic string
	// Partition is the partition number.
	Partition int32
	// Offset is the next offset the stream wanted to read.
	Offset int64
	// Earliest is the earliest offset the broker holds.
	Earliest int64
	// Latest is the next offset the broker will write.
	Latest int64
	// ResetTo is where reading resumes, per auto.offset.reset.
	ResetTo int64
	// Lost is how many offsets are skipped, [Offset, ResetTo) when ResetTo
	// is ahead of Offset, else 0.
	Lost int64
}

// Plan asks the brokers what each partition holds and returns the ranges of
// the next batch. Each range runs from the partition's current offset up to
// its latest offset, capped, as in Spark, by MaxRatePerPartition and by
// RateLimit split across partitions in proportion to their lag, both times
// the batch duration, with MinRatePerPartition records as a floor whenever a
// cap applies. ctx is checked between broker round trips; each round trip is
// bounded by the client's network timeouts.
func (p *Planner) Plan(ctx context.Context, in PlanInput) (Plan, error) {
	if in.BatchDuration.Milliseconds() < 1 {
		return Plan{}, fmt.Errorf("%w: batch duration %v must be at least 1ms", ErrInvalidConfig, in.BatchDuration)
	}
	if math.IsNaN(in.RateLimit) || math.IsInf(in.RateLimit, 0) {
		return Plan{}, fmt.Errorf("%w: rate limit %v is not a finite number", ErrInvalidConfig, in.RateLimit)
	}
	for tp, off := range in.Current {
		if off < 0 {
			return Plan{}, fmt.Errorf("%w: current offset %d of %s is negative", ErrInvalidRange, off, tp)
		}
	}
	if err := ctx.Err(); err != nil {
		return Plan{}, err
	}

	tps, err := p.partitions()
	if err != nil {
		return Plan{}, err
	}
	if err := ctx.Err(); err != nil {
		return Plan{}, err
	}
	offs, err := listOffsets(ctx, p.client, tps)
	if err != nil {
		return Plan{}, err
	}

	var plan Plan
	from := make([]int64, len(tps))
	lag := make([]int64, len(tps))
	for i, tp := range tps {
		b := offs[tp]
		start, ev, err := p.startOffset(tp, in.Current, b)
		if err != nil {
			return Plan{}, err
		}
		if ev != nil {
			plan.OutOfRange = append(plan.OutOfRange, *ev)
		}
		from[i] = start
		lag[i] = b.latest - start
	}

	limits, limited := maxMessagesPerPartition(lag, in.RateLimit, p.cfg.MaxRatePerPartition, p.cfg.MinRatePerPartition, in.BatchDuration)
	plan.Ranges = make([]OffsetRange, len(tps))
	plan.Latest = make(map[TopicPartition]int64, len(tps))
	for i, tp := range tps {
		plan.Latest[tp] = offs[tp].latest
		until := offs[tp].latest
		if limited && limits[i] < lag[i] {
			until = from[i] + limits[i]
		}
		plan.Ranges[i] = OffsetRange{Topic: tp.Topic, Partition: tp.Partition, From: from[i], Until: until}
		plan.Lag += offs[tp].latest - until
	}
	return plan, nil
}

// partitions returns every partition of the subscribed topics, sorted,
// after refreshing metadata so that added partitions show up.
func (p *Planner) partitions() ([]TopicPartition, error) {
	refreshErr := p.client.RefreshMetadata(p.cfg.Topics...)
	var tps []TopicPartition
	for _, topic := range p.cfg.Topics {
		parts, err := p.client.Partitions(topic)
		if errors.Is(err, sarama.ErrUnknownTopicOrPartition) || (err == nil && len(parts) == 0) {
			return nil, fmt.Errorf("%w: %s", ErrUnknownTopic, topic)
		}
		if err != nil {
			return nil, fmt.Errorf("kafkasource: partitions of topic %s: %w", topic, err)
		}
		for _, part := range parts {
			tps = append(tps, TopicPartition{Topic: topic, Partition: part})
		}
	}
	if refreshErr != nil {
		return nil, fmt.Errorf("kafkasource: refresh metadata of %v: %w", p.cfg.Topics, refreshErr)
	}
	slices.SortFunc(tps, func(a, b TopicPartition) int {
		return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	// A topic listed twice is read once.
	return slices.Compact(tps), nil
}

// startOffset returns where the partition's range begins: its current
// offset, or per auto.offset.reset if it is new or out of range.
func (p *Planner) startOffset(tp TopicPartition, current map[TopicPartition]int64, b bounds) (int64, *OutOfRangeEvent, error) {
	cur, known := current[tp]
	if !known {
		switch p.cfg.AutoOffsetReset {
		case ResetEarliest:
			return b.earliest, nil, nil
		case ResetLatest:
			return b.latest, nil, nil
		}
		return 0, nil, fmt.Errorf("%w: new partition %s", ErrNoOffset, tp)
	}
	if cur >= b.earliest && cur <= b.latest {
		return cur, nil, nil
	}

	ev := &OutOfRangeEvent{Topic: tp.Topic, Partition: tp.Partition, Offset: cur, Earliest: b.earliest, Latest: b.latest}
	switch p.cfg.AutoOffsetReset {
	case ResetEarliest:
		ev.ResetTo = b.earliest
	case ResetLatest:
		ev.ResetTo = b.latest
	default:
		ev.ResetTo = -1
	}
	fields := []zap.Field{
		zap.String("topic", tp.Topic),
		zap.Int32("partition", tp.Partition),
		zap.Int64("offset", cur),
		zap.Int64("earliest", b.earliest),
		zap.Int64("latest", b.latest),
		zap.String("auto_offset_reset", p.cfg.AutoOffsetReset),
	}
	if cur < b.earliest {
		// Retention (or a delete-records call) removed offsets the stream
		// had not read yet.
		lostUntil := b.earliest
		if ev.ResetTo > lostUntil {
			lostUntil = ev.ResetTo
		}
		ev.Lost = lostUntil - cur
		p.log.Error("Kafka offsets deleted before they were read",
			append(fields, zap.Int64("lost_from", cur), zap.Int64("lost_until", lostUntil), zap.Int64("lost", ev.Lost), zap.Int64("reset_to", ev.ResetTo))...)
	} else {
		// Past the end: the partition was truncated or recreated.
		p.log.Error("Kafka offset beyond the end of the partition",
			append(fields, zap.Int64("reset_to", ev.ResetTo))...)
	}
	if ev.ResetTo < 0 {
		return 0, nil, fmt.Errorf("%w: offset %d of %s is outside [%d, %d]", ErrNoOffset, cur, tp, b.earliest, b.latest)
	}
	return ev.ResetTo, ev, nil
}
