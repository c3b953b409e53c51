package kafkasource

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/IBM/sarama"
)

// listOffsetsAttempts bounds how often partitions whose leader moved are
// asked again, with a metadata refresh in between.
const listOffsetsAttempts = 3

// bounds is what a partition holds: offsets [earliest, latest).
type bounds struct {
	earliest, latest int64
}

// listOffsets returns the earliest and latest offset of every partition,
// with one ListOffsets request per leader and kind, leaders in parallel.
func listOffsets(ctx context.Context, client sarama.Client, tps []TopicPartition) (map[TopicPartition]bounds, error) {
	out := make(map[TopicPartition]bounds, len(tps))
	pending := tps
	var lastErr error
	for attempt := 0; attempt < listOffsetsAttempts && len(pending) > 0; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if attempt > 0 {
			topics := make([]string, 0, len(pending))
			seen := make(map[string]bool)
			for _, tp := range pending {
				if !seen[tp.Topic] {
					seen[tp.Topic] = true
					topics = append(topics, tp.Topic)
				}
			}
			if err := client.RefreshMetadata(topics...); err != nil {
				return nil, fmt.Errorf("kafkasource: refresh metadata of %v: %w", topics, err)
			}
		}
		var retry []TopicPartition
		retry, lastErr = listOffsetsOnce(client, pending, out)
		pending = retry
	}
	if len(pending) > 0 {
		return nil, fmt.Errorf("kafkasource: list offsets of %s and %d more partitions: %w", pending[0], len(pending)-1, lastErr)
	}
	return out, nil
}

// listOffsetsOnce asks each leader once. Partitions that failed in a way a
// metadata refresh may fix are returned for another attempt.
func listOffsetsOnce(client sarama.Client, tps []TopicPartition, out map[TopicPartition]bounds) (retry []TopicPartition, err error) {
	byLeader := make(map[*sarama.Broker][]TopicPartition)
	for _, tp := range tps {
		leader, lerr := client.Leader(tp.Topic, tp.Partition)
		if lerr != nil {
			retry = append(retry, tp)
			err = fmt.Errorf("leader of %s: %w", tp, lerr)
			continue
		}
		byLeader[leader] = append(byLeader[leader], tp)
	}

	type result struct {
		got   map[TopicPartition]bounds
		retry []TopicPartition
		err   error
	}
	results := make(chan result, len(byLeader))
	var wg sync.WaitGroup
	conf := client.Config()
	for leader, parts := range byLeader {
		wg.Go(func() {
			got, again, lerr := listLeaderOffsets(conf, leader, parts)
			results <- result{got, again, lerr}
		})
	}
	wg.Wait()
	close(results)
	for r := range results {
		for tp, b := range r.got {
			out[tp] = b
		}
		retry = append(retry, r.retry...)
		if r.err != nil {
			err = r.err
		}
	}
	return retry, err
}

func listLeaderOffsets(conf *sarama.Config, leader *sarama.Broker, parts []TopicPartition) (map[TopicPartition]bounds, []TopicPartition, error) {
	ask := func(ts int64) (*sarama.OffsetResponse, error) {
		req := sarama.NewOffsetRequest(conf.Version)
		req.IsolationLevel = conf.Consumer.IsolationLevel
		for _, tp := range parts {
			req.AddBlock(tp.Topic, tp.Partition, ts, 1)
		}
		return leader.GetAvailableOffsets(req)
	}
	oldest, err := ask(sarama.OffsetOldest)
	if err == nil {
		var newest *sarama.OffsetResponse
		if newest, err = ask(sarama.OffsetNewest); err == nil {
			return collectOffsets(parts, oldest, newest)
		}
	}
	// A broken connection is reopened on next use; the partitions are
	// asked again after a metadata refresh, as sarama's own GetOffset does.
	_ = leader.Close()
	return nil, parts, fmt.Errorf("list offsets at broker %d (%s): %w", leader.ID(), leader.Addr(), err)
}

func collectOffsets(parts []TopicPartition, oldest, newest *sarama.OffsetResponse) (map[TopicPartition]bounds, []TopicPartition, error) {
	got := make(map[TopicPartition]bounds, len(parts))
	var retry []TopicPartition
	var err error
	for _, tp := range parts {
		e, eerr := blockOffset(oldest, tp)
		l, lerr := blockOffset(newest, tp)
		if berr := errors.Join(eerr, lerr); berr != nil {
			retry = append(retry, tp)
			err = fmt.Errorf("list offsets of %s: %w", tp, berr)
			continue
		}
		got[tp] = bounds{earliest: e, latest: l}
	}
	return got, retry, err
}

func blockOffset(resp *sarama.OffsetResponse, tp TopicPartition) (int64, error) {
	b := resp.GetBlock(tp.Topic, tp.Partition)
	if b == nil {
		return 0, sarama.ErrIncompleteResponse
	}
	if !errors.Is(b.Err, sarama.ErrNoError) {
		return 0, b.Err
	}
	if len(b.Offsets) != 1 {
		return 0, sarama.ErrIncompleteResponse
	}
	return b.Offsets[0], nil
}
