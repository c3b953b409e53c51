package kafkasource

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/IBM/sarama"
	"go.uber.org/zap"
)

// fetchAttempts bounds how often a fetch that failed in a way a metadata
// refresh may fix (leader moved, connection lost) is tried again.
const fetchAttempts = 5

// maxFetchPrealloc bounds the records ReadRange allocates up front for a
// range: about 128 MiB of Record headers.
const maxFetchPrealloc = 1 << 20

// errLegacyRecords means a fetch returned records in the pre-0.11 message
// format, which fetchRange leaves to sarama's partition consumer.
var errLegacyRecords = errors.New("kafkasource: legacy message format")

// fetchRange reads rng with Fetch requests to the partition's leader and
// calls each with every record, in offset order: the whole range is known
// in advance, so a request asks for exactly the next offsets and nothing
// waits on a partition consumer's subscription, goroutines or per-message
// channel sends. Control batches are skipped. It returns the next offset
// to read: rng.Until when done, or where the broker answered in the old
// message format (with errLegacyRecords), which it leaves to sarama's
// partition consumer.
func (r *Reader) fetchRange(ctx context.Context, rng OffsetRange, each func(*Record)) (int64, error) {
	conf := r.client.Config()
	fetchSize := conf.Consumer.Fetch.Default
	next := rng.From
	failures := 0
	for next < rng.Until {
		if err := ctx.Err(); err != nil {
			return next, fmt.Errorf("kafkasource: read %s: stopped at offset %d: %w", rng, next, err)
		}
		block, err := r.fetchOnce(rng, next, fetchSize)
		if err != nil {
			if errors.Is(err, sarama.ErrOffsetOutOfRange) {
				return next, fmt.Errorf("%w: %s: offset %d is no longer held by the broker: %w", ErrRangeUnavailable, rng, next, err)
			}
			failures++
			if failures >= fetchAttempts {
				return next, fmt.Errorf("kafkasource: read %s at offset %d: %w", rng, next, err)
			}
			r.log.Warn("Kafka fetch failed, retrying after a metadata refresh",
				zap.String("topic", rng.Topic), zap.Int32("partition", rng.Partition), zap.Int64("offset", next), zap.Error(err))
			if rerr := r.client.RefreshMetadata(rng.Topic); rerr != nil {
				r.log.Warn("refresh Kafka metadata", zap.String("topic", rng.Topic), zap.Error(rerr))
			}
			if err := sleepCtx(ctx, conf.Consumer.Retry.Backoff); err != nil {
				return next, fmt.Errorf("kafkasource: read %s: stopped at offset %d: %w", rng, next, err)
			}
			continue
		}
		failures = 0
		before := next
		next, err = eachInBlock(block, rng, next, each)
		if err != nil {
			return next, err
		}
		if next > before {
			fetchSize = conf.Consumer.Fetch.Default
			continue
		}
		// No progress: either the next batch is larger than fetchSize, or
		// the broker has not written up to Until yet.
		if block.HighWaterMarkOffset <= next {
			return next, fmt.Errorf("%w: %s: the broker holds offsets only up to %d", ErrRangeUnavailable, rng, block.HighWaterMarkOffset)
		}
		if conf.Consumer.Fetch.Max > 0 && fetchSize >= conf.Consumer.Fetch.Max {
			return next, fmt.Errorf("kafkasource: read %s: the batch at offset %d is larger than %d bytes (spindle.kafka.max.partition.fetch.bytes)", rng, next, fetchSize)
		}
		fetchSize = growFetchSize(fetchSize, conf.Consumer.Fetch.Max)
	}
	return next, nil
}

// growFetchSize doubles size, capped by limit (0: no limit) and int32.
func growFetchSize(size, limit int32) int32 {
	grown := int64(size) * 2
	if limit > 0 && grown > int64(limit) {
		grown = int64(limit)
	}
	return int32(min(grown, math.MaxInt32))
}

// fetchOnce sends one Fetch for offset next of rng's partition and returns
// the partition's block; a block error is returned as the error.
func (r *Reader) fetchOnce(rng OffsetRange, next int64, fetchSize int32) (*sarama.FetchResponseBlock, error) {
	conf := r.client.Config()
	leader, err := r.client.Leader(rng.Topic, rng.Partition)
	if err != nil {
		return nil, fmt.Errorf("leader of %s-%d: %w", rng.Topic, rng.Partition, err)
	}
	req := &sarama.FetchRequest{
		Version:     fetchVersion(conf.Version),
		MinBytes:    1,
		MaxWaitTime: int32(conf.Consumer.MaxWaitTime / time.Millisecond),
		MaxBytes:    int32(min(int64(conf.Consumer.Fetch.Default)*4, int64(sarama.MaxResponseSize))),
		Isolation:   sarama.ReadUncommitted,
		// No fetch sessions (KIP-227): every request names its partition.
		SessionID:    0,
		SessionEpoch: -1,
		RackID:       conf.RackID,
	}
	req.MaxBytes = max(req.MaxBytes, fetchSize)
	req.AddBlock(rng.Topic, rng.Partition, next, fetchSize, -1)
	resp, err := leader.Fetch(req)
	if err != nil {
		// A broken connection is reopened on next use.
		_ = leader.Close()
		return nil, fmt.Errorf("fetch %s-%d from broker %d (%s): %w", rng.Topic, rng.Partition, leader.ID(), leader.Addr(), err)
	}
	block := resp.GetBlock(rng.Topic, rng.Partition)
	if block == nil {
		return nil, fmt.Errorf("fetch %s-%d: %w", rng.Topic, rng.Partition, sarama.ErrIncompleteResponse)
	}
	if !errors.Is(block.Err, sarama.ErrNoError) {
		return nil, fmt.Errorf("fetch %s-%d at offset %d: %w", rng.Topic, rng.Partition, next, block.Err)
	}
	return block, nil
}

// eachInBlock calls each with the records of block from offset next up to
// rng.Until and returns the next offset to fetch.
func eachInBlock(block *sarama.FetchResponseBlock, rng OffsetRange, next int64, each func(*Record)) (int64, error) {
	for _, set := range block.RecordsSet {
		if set == nil {
			continue
		}
		if set.MsgSet != nil {
			return next, errLegacyRecords
		}
		batch := set.RecordBatch
		if batch == nil {
			continue
		}
		if batch.Control {
			// A transaction marker takes an offset but holds no data.
			next = max(next, batch.LastOffset()+1)
			continue
		}
		for _, rec := range batch.Records {
			off := batch.FirstOffset + rec.OffsetDelta
			if off < next {
				continue
			}
			if off >= rng.Until {
				return rng.Until, nil
			}
			ts := batch.FirstTimestamp.Add(rec.TimestampDelta)
			if batch.LogAppendTime {
				ts = batch.MaxTimestamp
			}
			each(&Record{Topic: rng.Topic, Partition: rng.Partition, Offset: off, Key: rec.Key, Value: rec.Value, Timestamp: ts, Headers: headers(rec.Headers)})
			next = off + 1
		}
		// Offsets compacted away at the end of a complete batch still
		// belong to it.
		if !batch.PartialTrailingRecord {
			next = max(next, batch.LastOffset()+1)
		}
	}
	return min(next, rng.Until), nil
}

func headers(hs []*sarama.RecordHeader) []Header {
	if len(hs) == 0 {
		return nil
	}
	out := make([]Header, len(hs))
	for i, h := range hs {
		out[i] = Header{Key: h.Key, Value: h.Value}
	}
	return out
}

// fetchVersion is the highest Fetch version the configured Kafka version
// supports, as sarama's own consumer chooses it; 4 and up read the v2
// record format.
func fetchVersion(v sarama.KafkaVersion) int16 {
	switch {
	case v.IsAtLeast(sarama.V2_7_0_0):
		return 12
	case v.IsAtLeast(sarama.V2_3_0_0):
		return 11
	case v.IsAtLeast(sarama.V2_1_0_0):
		return 10
	case v.IsAtLeast(sarama.V2_0_0_0):
		return 8
	case v.IsAtLeast(sarama.V1_1_0_0):
		return 7
	case v.IsAtLeast(sarama.V1_0_0_0):
		return 6
	case v.IsAtLeast(sarama.V0_11_0_0):
		return 5
	case v.IsAtLeast(sarama.V0_10_1_0):
		return 3
	case v.IsAtLeast(sarama.V0_10_0_0):
		return 2
	case v.IsAtLeast(sarama.V0_9_0_0):
		return 1
	default:
		return 0
	}
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
