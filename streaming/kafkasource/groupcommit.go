package kafkasource

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/conf"
	"go.uber.org/zap"
)

// maxNamedPartitions bounds how many partitions one commit error lists.
const maxNamedPartitions = 10

// GroupCommitter commits the stream's progress to a Kafka consumer group,
// so that lag monitors (Burrow, kafka-consumer-groups) see it. The stream
// never reads these offsets back: it resumes from its checkpoint. With
// Config.Membership.Join the committer also keeps the driver a static
// member of the group, holding every partition (see Membership), and
// commits as that member. It is safe for concurrent use.
//
// Commits are "simple consumer" commits: an OffsetCommit request sent
// straight to the group's coordinator with generation -1 and an empty
// member id, which Kafka accepts for a group that has no members. sarama's
// OffsetManager sends the same request but commits in the background, first
// fetches every managed partition's committed offset, and reports failures
// on a channel; a direct request commits each batch's offsets in one round
// trip and returns the outcome of each partition to the caller.
type GroupCommitter struct {
	group     string
	client    sarama.Client
	ownClient bool
	log       *zap.Logger
	// member is the driver's membership of the group; nil without one.
	member *groupMember
}

// NewGroupCommitter validates cfg, which must name a group (GroupID), and
// connects to the bootstrap brokers.
func NewGroupCommitter(cfg Config) (*GroupCommitter, error) {
	if err := validateGroupConfig(cfg); err != nil {
		return nil, err
	}
	client, err := sarama.NewClient(cfg.Brokers, cfg.saramaConfig())
	if err != nil {
		return nil, fmt.Errorf("kafkasource: connect to %v: %w", cfg.Brokers, err)
	}
	return withMember(&GroupCommitter{group: cfg.GroupID, client: client, ownClient: true, log: cfg.logger()}, cfg), nil
}

// withMember starts c's membership of the group when cfg asks for one.
func withMember(c *GroupCommitter, cfg Config) *GroupCommitter {
	if cfg.Membership.Join {
		c.member = startGroupMember(cfg)
	}
	return c
}

// NewGroupCommitterWithClient validates cfg and commits with an existing
// client, which Close leaves open. cfg.Brokers and cfg.ClientConfig are
// not used to connect.
func NewGroupCommitterWithClient(cfg Config, client sarama.Client) (*GroupCommitter, error) {
	if err := validateGroupConfig(cfg); err != nil {
		return nil, err
	}
	if client == nil {
		return nil, fmt.Errorf("%w: nil sarama client", ErrInvalidConfig)
	}
	return withMember(&GroupCommitter{group: cfg.GroupID, client: client, log: cfg.logger()}, cfg), nil
}

func validateGroupConfig(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if strings.TrimSpace(cfg.GroupID) == "" {
		return fmt.Errorf("%w: no consumer group id to commit offsets to (%s)", ErrInvalidConfig, conf.KeyKafkaGroupID)
	}
	return nil
}

// Group returns the consumer group offsets are committed to.
func (c *GroupCommitter) Group() string { return c.group }

// Close leaves the group and releases the committer's own client.
func (c *GroupCommitter) Close() error {
	if c.member != nil {
		c.member.close()
	}
	if !c.ownClient {
		return nil
	}
	if err := c.client.Close(); err != nil && !errors.Is(err, sarama.ErrClosedClient) {
		return fmt.Errorf("kafkasource: close client: %w", err)
	}
	return nil
}

// CommitOffsets commits, for each partition, the next offset to read (what
// Kafka's committed offsets mean) to the group, as the driver's member
// when it is one. It never waits for the membership: while the driver is
// (re)joining, the group refuses the commit and the next batch commits
// again. When the coordinator moved or is loading, it finds the
// coordinator again and retries once. A
// partition the broker refused (an unknown topic or partition, a group
// that other consumers are members of, a missing ACL) makes the returned
// error name it and wrap the broker's error; the other partitions are
// committed all the same. ctx is checked between broker round trips; each
// round trip is bounded by the client's network timeouts.
func (c *GroupCommitter) CommitOffsets(ctx context.Context, next map[TopicPartition]int64) error {
	for tp, off := range next {
		if off < 0 {
			return fmt.Errorf("%w: offset %d to commit for %s is negative", ErrInvalidRange, off, tp)
		}
	}
	var before string
	if c.member != nil {
		c.member.ensureAssigned(slices.Collect(maps.Keys(next)))
		before = c.member.generationKey()
	}
	pending := next
	var failed, retried []commitFailure
	for attempt := 0; attempt < 2 && len(pending) > 0; attempt++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("kafkasource: commit offsets to group %s: %w", c.group, err)
		}
		if attempt > 0 {
			if err := c.client.RefreshCoordinator(c.group); err != nil {
				return fmt.Errorf("kafkasource: find coordinator of group %s: %w", c.group, err)
			}
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("kafkasource: commit offsets to group %s: %w", c.group, err)
			}
		}
		var f []commitFailure
		var err error
		retried, f, err = c.commitOnce(pending)
		if err != nil && attempt > 0 {
			return err
		}
		if err != nil {
			c.log.Info("Kafka offset commit failed, finding the group coordinator again",
				zap.String("group", c.group), zap.Error(err))
		}
		failed = append(failed, f...)
		pending = make(map[TopicPartition]int64, len(retried))
		for _, r := range retried {
			pending[r.tp] = r.offset
		}
	}
	// Those still refused by the coordinator after the retry.
	failed = append(failed, retried...)
	if c.member != nil && c.member.generationKey() != before {
		// The driver joined a new generation while the commit was under
		// way: commit what its old generation could not once more.
		failed = c.recommit(failed)
	}
	return c.failureError(failed)
}

// recommit commits again, as the member's current generation, the
// partitions refused for their generation, and returns what still failed.
func (c *GroupCommitter) recommit(failed []commitFailure) []commitFailure {
	again := map[TopicPartition]int64{}
	var rest []commitFailure
	for _, f := range failed {
		if errors.Is(f.err, sarama.ErrIllegalGeneration) || errors.Is(f.err, sarama.ErrUnknownMemberId) || errors.Is(f.err, sarama.ErrRebalanceInProgress) {
			again[f.tp] = f.offset
			continue
		}
		rest = append(rest, f)
	}
	if len(again) == 0 {
		return failed
	}
	retry, f, err := c.commitOnce(again)
	if err != nil {
		return append(rest, retry...)
	}
	return append(append(rest, f...), retry...)
}

// commitFailure is one partition the broker did not commit.
type commitFailure struct {
	tp     TopicPartition
	offset int64
	err    error
}

// commitOnce sends one OffsetCommit to the coordinator. It returns the
// partitions to retry after finding the coordinator again (all of them,
// with the error, when the request failed) and those that failed for good.
func (c *GroupCommitter) commitOnce(offsets map[TopicPartition]int64) (retry, failed []commitFailure, err error) {
	all := func(err error) []commitFailure {
		out := make([]commitFailure, 0, len(offsets))
		for tp, off := range offsets {
			out = append(out, commitFailure{tp: tp, offset: off, err: err})
		}
		return out
	}
	coordinator, err := c.client.Coordinator(c.group)
	if err != nil {
		err = fmt.Errorf("kafkasource: coordinator of group %s: %w", c.group, err)
		return all(err), nil, err
	}
	req := sarama.NewOffsetCommitRequest(c.client.Config(), c.group)
	if c.member != nil {
		if id, gen, instance, ok := c.member.identity(); ok {
			req.ConsumerID, req.ConsumerGroupGeneration = id, gen
			if req.Version >= 7 {
				req.GroupInstanceId = instance
			}
		}
	}
	for tp, off := range offsets {
		// Leader epoch -1: unknown, so the broker does not fence on it.
		req.AddBlockWithLeaderEpoch(tp.Topic, tp.Partition, off, -1, sarama.ReceiveTime, "")
	}
	resp, err := coordinator.CommitOffset(req)
	if err != nil {
		// The connection is reopened on next use.
		_ = coordinator.Close()
		err = fmt.Errorf("kafkasource: commit offsets to group %s at broker %d (%s): %w", c.group, coordinator.ID(), coordinator.Addr(), err)
		return all(err), nil, err
	}
	for tp, off := range offsets {
		kerr, ok := resp.Errors[tp.Topic][tp.Partition]
		if !ok {
			failed = append(failed, commitFailure{tp: tp, offset: off, err: sarama.ErrIncompleteResponse})
			continue
		}
		switch kerr {
		case sarama.ErrNoError:
		case sarama.ErrNotCoordinatorForConsumer, sarama.ErrConsumerCoordinatorNotAvailable, sarama.ErrOffsetsLoadInProgress, sarama.ErrRequestTimedOut:
			retry = append(retry, commitFailure{tp: tp, offset: off, err: kerr})
		default:
			failed = append(failed, commitFailure{tp: tp, offset: off, err: kerr})
		}
	}
	return retry, failed, nil
}

// failureError describes the refused partitions, one line per broker
// error, or returns nil when there are none.
func (c *GroupCommitter) failureError(failed []commitFailure) error {
	if len(failed) == 0 {
		return nil
	}
	slices.SortFunc(failed, func(a, b commitFailure) int {
		return cmp.Or(strings.Compare(a.err.Error(), b.err.Error()), compareTopicPartitions(a.tp, b.tp))
	})
	var errs []error
	for len(failed) > 0 {
		n := 1
		for n < len(failed) && failed[n].err.Error() == failed[0].err.Error() {
			n++
		}
		same := failed[:n]
		failed = failed[n:]
		names := make([]string, 0, min(n, maxNamedPartitions))
		for _, f := range same[:min(n, maxNamedPartitions)] {
			names = append(names, fmt.Sprintf("%s at offset %d", f.tp, f.offset))
		}
		list := strings.Join(names, ", ")
		if n > maxNamedPartitions {
			list += fmt.Sprintf(" and %d more partitions", n-maxNamedPartitions)
		}
		errs = append(errs, fmt.Errorf("kafkasource: commit %s to group %s: %w%s", list, c.group, same[0].err, c.hint(same[0].err)))
	}
	return errors.Join(errs...)
}

// hint tells the operator what to do about a refused commit. While the
// driver is a member, or (re)joining, a commit refused for its generation
// raced a rebalance of the driver's own, and the next batch's commit goes
// through.
func (c *GroupCommitter) hint(err error) string {
	if c.member != nil && c.member.active() && (errors.Is(err, sarama.ErrUnknownMemberId) || errors.Is(err, sarama.ErrIllegalGeneration) || errors.Is(err, sarama.ErrRebalanceInProgress)) {
		return "; the driver is joining the consumer group, and commits again with the next batch"
	}
	return commitHint(err)
}

// commitHint tells the operator what to do about a refused commit.
func commitHint(err error) string {
	var kerr sarama.KError
	if !errors.As(err, &kerr) {
		return ""
	}
	switch kerr {
	case sarama.ErrUnknownMemberId, sarama.ErrIllegalGeneration, sarama.ErrRebalanceInProgress:
		return "; other consumers are members of this group, so its offsets are theirs: set " + conf.KeyKafkaGroupID + " to a group no consumer joins"
	case sarama.ErrGroupAuthorizationFailed:
		return "; the principal needs Read access to the group"
	case sarama.ErrTopicAuthorizationFailed:
		return "; the principal needs Read access to the topic"
	case sarama.ErrUnknownTopicOrPartition:
		return "; the partition does not exist on the cluster"
	case sarama.ErrInvalidGroupId:
		return "; set " + conf.KeyKafkaGroupID + " to a valid group id"
	}
	return ""
}
