package sink

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"go.uber.org/zap"
)

// Kafka API keys a transactional sink uses: InitProducerId,
// AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, TxnOffsetCommit.
var txnAPIKeys = []int16{22, 24, 25, 26, 28}

// apiKeyOffsetFetch is OffsetFetch's API key; version 7 has RequireStable.
const apiKeyOffsetFetch = 9

// committedRetryBackoff spaces the reads of a record that a transaction
// is still completing.
const committedRetryBackoff = 10 * time.Millisecond

// chooseTransactions decides, from cfg.Transactional and what the brokers
// support, whether the sink writes in transactions, and returns what
// transactions need, or nil to write without them.
func chooseTransactions(ctx context.Context, client sarama.Client, cfg KafkaConfig, lg *zap.Logger) (*txnSupport, error) {
	if cfg.Transactional == TransactionalOff {
		return nil, nil
	}
	support, why, err := probeTransactions(ctx, client, cfg)
	if err != nil {
		return nil, err
	}
	if why == "" {
		return support, nil
	}
	if cfg.Transactional == TransactionalOn {
		return nil, fmt.Errorf("%w: %s=true but %s", ErrInvalidConfig, conf.KeySinkKafkaTransactional, why)
	}
	lg.Warn("the Kafka sink writes without transactions: read_committed consumers may see a replayed batch twice (they can drop copies by the Spindle headers)",
		zap.String("reason", why))
	return nil, nil
}

// probeTransactions asks a broker which APIs it answers and checks that
// the source topics exist on the sink's cluster. why says what is
// missing, "" when nothing is.
func probeTransactions(ctx context.Context, client sarama.Client, cfg KafkaConfig) (support *txnSupport, why string, err error) {
	broker := client.LeastLoadedBroker()
	if broker == nil {
		return nil, "", fmt.Errorf("sink: no Kafka broker to ask about transactions (%v)", cfg.Brokers)
	}
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("sink: ask Kafka broker %s about transactions: %w", broker.Addr(), err)
	}
	resp, err := broker.ApiVersions(&sarama.ApiVersionsRequest{})
	if err != nil {
		return nil, "", fmt.Errorf("sink: ask Kafka broker %s about transactions: %w", broker.Addr(), err)
	}
	versions := map[int16]int16{}
	for _, k := range resp.ApiKeys {
		versions[k.ApiKey] = k.MaxVersion
	}
	for _, k := range txnAPIKeys {
		if _, ok := versions[k]; !ok {
			return nil, fmt.Sprintf("broker %s does not support Kafka transactions (no API %d; Kafka 0.11.0 or later supports them)", broker.Addr(), k), nil
		}
	}
	for _, t := range cfg.SourceTopics {
		parts, err := client.Partitions(t)
		if errors.Is(err, sarama.ErrUnknownTopicOrPartition) || err == nil && len(parts) == 0 {
			return nil, fmt.Sprintf("the sink's cluster %v has no topic %q: a transaction records its batch in consumer group %q under its source partition, which needs the source topics on the sink's cluster (write to the source's cluster, or create the topic there)",
				cfg.Brokers, t, cfg.TransactionalIDPrefix), nil
		}
		if err != nil {
			return nil, "", fmt.Errorf("sink: metadata of Kafka topic %q on the sink's cluster: %w", t, err)
		}
	}
	stable := versions[apiKeyOffsetFetch] >= 7 && client.Config().Version.IsAtLeast(sarama.V2_5_0_0)
	return &txnSupport{stableFetch: stable}, "", nil
}

// committed reads the sink group's record of rng's source partition and
// reports whether it is the one a transaction of this batch-partition
// leaves: offset rng.Until with marker m. It is called after the
// partition's producer started, so that no transaction of the partition
// is open, and it waits while the broker says the record is still being
// completed.
func (s *KafkaSink) committed(ctx context.Context, group string, rng kafkasource.OffsetRange, m batchMarker) (bool, error) {
	for attempt := 0; ; attempt++ {
		blk, err := s.fetchRecord(ctx, group, rng)
		if err != nil {
			return false, err
		}
		switch blk.Err {
		case sarama.ErrGroupIDNotFound:
			// No transaction of the sink committed yet.
			return false, nil
		case sarama.ErrNoError:
			if blk.Offset != rng.Until || blk.Metadata == "" {
				return false, nil
			}
			got, err := parseBatchMarker(blk.Metadata)
			if err != nil {
				// Not a record a transaction of this sink left.
				s.lg.Warn("the sink's consumer group holds a record it did not write; writing the batch",
					zap.String("group", group), zap.String("topic", rng.Topic), zap.Int32("partition", rng.Partition), zap.Error(err))
				return false, nil
			}
			return got == m, nil
		case sarama.ErrUnstableOffsetCommit, sarama.ErrOffsetsLoadInProgress, sarama.ErrNotCoordinatorForConsumer, sarama.ErrConsumerCoordinatorNotAvailable:
			if blk.Err != sarama.ErrUnstableOffsetCommit {
				_ = s.client.RefreshCoordinator(group)
			}
			select {
			case <-ctx.Done():
				return false, fmt.Errorf("read the record of %s in consumer group %q: %w (last: %w)", rng, group, ctx.Err(), blk.Err)
			case <-time.After(committedRetryBackoff):
			}
		default:
			return false, fmt.Errorf("read the record of %s in consumer group %q: %w", rng, group, blk.Err)
		}
	}
}

// fetchRecord sends one OffsetFetch for rng's source partition to the
// group's coordinator; a group-level error comes back as the block's.
func (s *KafkaSink) fetchRecord(ctx context.Context, group string, rng kafkasource.OffsetRange) (*sarama.OffsetFetchResponseBlock, error) {
	var blk *sarama.OffsetFetchResponseBlock
	err := s.await(ctx, func() error {
		coordinator, err := s.client.Coordinator(group)
		if err != nil {
			return err
		}
		req := sarama.NewOffsetFetchRequest(s.client.Config().Version, group, nil)
		req.AddPartition(rng.Topic, rng.Partition)
		// Offsets a committed transaction is still writing are reported
		// as unstable rather than as the older offset.
		req.RequireStable = s.txn.stableFetch && req.Version >= 7
		resp, err := coordinator.FetchOffset(req)
		if err != nil {
			_ = coordinator.Close()
			return err
		}
		if gerr := resp.GroupError(); gerr != sarama.ErrNoError {
			blk = &sarama.OffsetFetchResponseBlock{Err: gerr}
			return nil
		}
		if blk = resp.GetBlock(rng.Topic, rng.Partition); blk == nil {
			return sarama.ErrIncompleteResponse
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the record of %s in consumer group %q: %w", rng, group, err)
	}
	return blk, nil
}
