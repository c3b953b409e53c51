package kafkasource

import (
	"context"
	"errors"
	"fmt"

	"github.com/IBM/sarama"
	"go.uber.org/zap"
)

// maxPrealloc bounds the records slice allocated up front for a range.
const maxPrealloc = 1 << 16

// Reader reads offset ranges on an executor. It is safe for concurrent use;
// each ReadRange has its own partition consumer.
type Reader struct {
	client    sarama.Client
	ownClient bool
	log       *zap.Logger
}

// NewReader validates cfg and connects to the bootstrap brokers. Only the
// client settings (Brokers, ClientConfig, Logger) matter to a Reader.
func NewReader(cfg Config) (*Reader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	client, err := sarama.NewClient(cfg.Brokers, cfg.saramaConfig())
	if err != nil {
		return nil, fmt.Errorf("kafkasource: connect to %v: %w", cfg.Brokers, err)
	}
	return &Reader{client: client, ownClient: true, log: cfg.logger()}, nil
}

// NewReaderWithClient reads with an existing client, which Close leaves
// open. Consumer errors are only seen if the client's configuration has
// Consumer.Return.Errors set; otherwise sarama logs them and a range that
// cannot be read waits for ctx.
func NewReaderWithClient(client sarama.Client, log *zap.Logger) (*Reader, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: nil sarama client", ErrInvalidConfig)
	}
	if log == nil {
		log = zap.NewNop()
	}
	return &Reader{client: client, log: log}, nil
}

// Close releases the reader's own client.
func (r *Reader) Close() error {
	if !r.ownClient {
		return nil
	}
	if err := r.client.Close(); err != nil && !errors.Is(err, sarama.ErrClosedClient) {
		return fmt.Errorf("kafkasource: close client: %w", err)
	}
	return nil
}

// ReadRange returns the records of rng, offsets From up to but not including
// Until, in offset order. It fails with ErrRangeUnavailable if the broker no
// longer holds From or has not yet written up to Until, and with ctx's error
// if ctx ends first.
//
// Offsets that hold no data record (compacted away, or transaction markers)
// are skipped; the range completes at its last offset or at the first record
// beyond it.
func (r *Reader) ReadRange(ctx context.Context, rng OffsetRange) ([]Record, error) {
	// The range's size is known: one allocation holds every record.
	out := make([]Record, 0, min(max(rng.Count(), 0), maxFetchPrealloc))
	if err := r.ReadRangeEach(ctx, rng, func(rec *Record) { out = append(out, *rec) }); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// ReadRangeEach is ReadRange that hands each record to each, in offset
// order, instead of collecting them, so that a caller that converts the
// records holds them only once. The record is each's to keep (its key,
// value and headers are not reused). When it fails, each may have been
// called for some of the range's records.
func (r *Reader) ReadRangeEach(ctx context.Context, rng OffsetRange, each func(*Record)) error {
	if err := rng.validate(); err != nil {
		return err
	}
	if rng.Count() == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	conf := r.client.Config()
	if conf.Consumer.IsolationLevel == sarama.ReadUncommitted && fetchVersion(conf.Version) >= 4 {
		// Each fetch response carries the high watermark, so a range the
		// broker has not written yet is found without asking first.
		next, err := r.fetchRange(ctx, rng, each)
		if !errors.Is(err, errLegacyRecords) {
			return err
		}
		// Old message format: sarama's partition consumer decodes the rest.
		rng.From = next
	}
	// A partition consumer would wait for offsets not written yet.
	latest, err := r.client.GetOffset(rng.Topic, rng.Partition, sarama.OffsetNewest)
	if err != nil {
		return fmt.Errorf("kafkasource: latest offset of %s-%d: %w", rng.Topic, rng.Partition, err)
	}
	if rng.Until > latest {
		return fmt.Errorf("%w: %s ends after the latest offset %d", ErrRangeUnavailable, rng, latest)
	}
	recs, err := r.consumeRange(ctx, rng)
	if err != nil {
		return err
	}
	for i := range recs {
		each(&recs[i])
	}
	return nil
}

// consumeRange reads rng with a sarama partition consumer, which decodes
// every message format and filters aborted transactions for
// read_committed.
func (r *Reader) consumeRange(ctx context.Context, rng OffsetRange) ([]Record, error) {
	consumer, err := sarama.NewConsumerFromClient(r.client)
	if err != nil {
		return nil, fmt.Errorf("kafkasource: consumer for %s: %w", rng, err)
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(rng.Topic, rng.Partition, rng.From)
	if errors.Is(err, sarama.ErrOffsetOutOfRange) {
		return nil, fmt.Errorf("%w: %s: offset %d is no longer held by the broker: %w", ErrRangeUnavailable, rng, rng.From, err)
	}
	if err != nil {
		return nil, fmt.Errorf("kafkasource: consume %s: %w", rng, err)
	}
	defer pc.Close()

	out := make([]Record, 0, min(rng.Count(), maxPrealloc))
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("kafkasource: read %s: got %d records: %w", rng, len(out), ctx.Err())
		case cerr, ok := <-pc.Errors():
			if !ok {
				return nil, fmt.Errorf("kafkasource: read %s: consumer stopped after %d records", rng, len(out))
			}
			if errors.Is(cerr.Err, sarama.ErrOffsetOutOfRange) {
				return nil, fmt.Errorf("%w: %s: deleted while reading: %w", ErrRangeUnavailable, rng, cerr)
			}
			// Anything else the partition consumer retries by itself.
			r.log.Warn("Kafka fetch error, retrying",
				zap.String("topic", rng.Topic), zap.Int32("partition", rng.Partition), zap.Error(cerr.Err))
		case m, ok := <-pc.Messages():
			if !ok {
				return nil, fmt.Errorf("kafkasource: read %s: consumer stopped after %d records", rng, len(out))
			}
			if m.Offset < rng.From {
				continue
			}
			if m.Offset >= rng.Until {
				return out, nil
			}
			out = append(out, toRecord(m))
			if m.Offset == rng.Until-1 {
				return out, nil
			}
		}
	}
}

func toRecord(m *sarama.ConsumerMessage) Record {
	rec := Record{
		Topic:     m.Topic,
		Partition: m.Partition,
		Offset:    m.Offset,
		Key:       m.Key,
		Value:     m.Value,
		Timestamp: m.Timestamp,
	}
	if len(m.Headers) > 0 {
		rec.Headers = make([]Header, len(m.Headers))
		for i, h := range m.Headers {
			rec.Headers[i] = Header{Key: h.Key, Value: h.Value}
		}
	}
	return rec
}

// ReadRange reads one range with an existing client; see Reader.ReadRange.
func ReadRange(ctx context.Context, client sarama.Client, rng OffsetRange) ([]Record, error) {
	r, err := NewReaderWithClient(client, nil)
	if err != nil {
		return nil, err
	}
	return r.ReadRange(ctx, rng)
}
