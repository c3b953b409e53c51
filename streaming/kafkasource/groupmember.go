package kafkasource

import (
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

// Defaults of the driver's membership of its consumer group, Kafka's
// consumer defaults.
const (
	// DefaultSessionTimeout is session.timeout.ms: how long the group
	// keeps a member that stopped heartbeating, such as a killed AM's
	// driver, before it shows as gone.
	DefaultSessionTimeout = 45 * time.Second
	// DefaultHeartbeatInterval is heartbeat.interval.ms.
	DefaultHeartbeatInterval = 3 * time.Second
)

const (
	// memberProtocolType makes the group a consumer group to tools
	// (kafka-consumer-groups decodes its members' assignments).
	memberProtocolType = "consumer"
	// memberProtocol is the group's assignment protocol. Only Spindle's
	// drivers speak it, so a Kafka consumer that joins the group by
	// mistake is refused (INCONSISTENT_GROUP_PROTOCOL) instead of
	// rebalancing the stream's partitions to itself.
	memberProtocol = "spindle"
	// rebalanceTimeout bounds how long a join waits for the group's other
	// members; it stays below sarama's default read timeout.
	rebalanceTimeout = 10 * time.Second
	// maxJoinBackoff bounds the wait between failed joins.
	maxJoinBackoff = 30 * time.Second
	// leaveTimeout bounds the LeaveGroup sent when the driver stops.
	leaveTimeout = 5 * time.Second
	// closeTimeout bounds how long stopping the driver waits for the
	// member to leave.
	closeTimeout = leaveTimeout + time.Second
)

// Membership configures how the stream shows in its consumer group. The
// group never decides which partitions the stream reads: the driver, its
// only member, assigns every partition to itself.
type Membership struct {
	// Join makes the driver a static member of the group while the
	// application runs, so that tools and monitors see an active member
	// holding every partition (spindle.kafka.group.join, default true).
	// Without it the group only receives commits and shows no members.
	Join bool
	// InstanceID is the driver's group.instance.id; "" means
	// <group id>-driver. A new attempt's driver joins under the same id
	// and takes the old one's place at once.
	InstanceID string
	// SessionTimeout and HeartbeatInterval are Kafka's session.timeout.ms
	// and heartbeat.interval.ms; 0 means the defaults.
	SessionTimeout, HeartbeatInterval time.Duration
}

// DefaultMembership joins the group with Kafka's consumer timeouts.
func DefaultMembership() Membership { return Membership{Join: true} }

// groupMember keeps the driver a static member of the group: it joins,
// assigns the subscribed topics' partitions to itself as the group's
// leader, heartbeats, and joins again when the group rebalances or a
// committed partition is not in its assignment. It has a client of its
// own: a broker may hold a JoinGroup for the rebalance timeout, and
// requests behind it on the same connection, such as commits, would wait.
type groupMember struct {
	cfg        Config
	client     sarama.Client
	group      string
	instanceID string
	topics     []string
	session    time.Duration
	heartbeat  time.Duration
	log        *zap.Logger

	mu         sync.Mutex
	memberID   string
	generation int32
	assigned   map[TopicPartition]bool
	// isStable is true while the member holds a generation.
	isStable bool

	rejoin chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// errStopMembership ends the membership for good; commits go on as a
// simple consumer's.
var errStopMembership = errors.New("kafkasource: the driver does not join the consumer group")

// startGroupMember starts joining cfg.GroupID in the background.
func startGroupMember(cfg Config) *groupMember {
	m := &groupMember{
		cfg: cfg, group: cfg.GroupID, instanceID: cfg.Membership.InstanceID, topics: slices.Clone(cfg.Topics),
		session: cfg.Membership.SessionTimeout, heartbeat: cfg.Membership.HeartbeatInterval, log: cfg.logger(),
		rejoin: make(chan struct{}, 1), done: make(chan struct{}),
	}
	if m.instanceID == "" {
		m.instanceID = cfg.GroupID + "-driver"
	}
	if m.session <= 0 {
		m.session = DefaultSessionTimeout
	}
	if m.heartbeat <= 0 {
		m.heartbeat = min(DefaultHeartbeatInterval, m.session/3)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go m.run(ctx)
	return m
}

// identity is the member id and generation a commit carries, ok false
// while the driver holds no generation.
func (m *groupMember) identity() (memberID string, generation int32, instanceID *string, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.isStable {
		return "", 0, nil, false
	}
	id := m.instanceID
	return m.memberID, m.generation, &id, true
}

// generationKey names the member's current generation, "" while it holds
// none.
func (m *groupMember) generationKey() string {
	id, gen, _, ok := m.identity()
	if !ok {
		return ""
	}
	return fmt.Sprintf("%s/%d", id, gen)
}

// active reports whether the member is in the group or joining it,
// rather than staying out for good.
func (m *groupMember) active() bool {
	select {
	case <-m.done:
		return false
	default:
		return true
	}
}

// ensureAssigned joins again when tps holds a partition outside the
// assignment, such as one added to a topic since the last join.
func (m *groupMember) ensureAssigned(tps []TopicPartition) {
	m.mu.Lock()
	missing := m.isStable && slices.ContainsFunc(tps, func(tp TopicPartition) bool { return !m.assigned[tp] })
	m.mu.Unlock()
	if missing {
		select {
		case m.rejoin <- struct{}{}:
		default:
		}
	}
}

// close stops heartbeating and leaves the group, which then shows no
// member at once rather than after the session timeout. It waits at most
// closeTimeout: a join the broker holds ends on its own, and the member's
// client with it.
func (m *groupMember) close() {
	m.cancel()
	select {
	case <-m.done:
	case <-time.After(closeTimeout):
		m.log.Info("the driver's consumer group member is still finishing a request; it leaves on its own", zap.String("group", m.group))
	}
}

func (m *groupMember) run(ctx context.Context) {
	defer close(m.done)
	backoff := 100 * time.Millisecond
	warned := false
	defer func() {
		if m.client != nil {
			m.leave()
			_ = m.client.Close()
		}
	}()
	for ctx.Err() == nil {
		var err error
		if m.client == nil {
			m.client, err = sarama.NewClient(m.cfg.Brokers, m.cfg.saramaConfig())
			if err != nil {
				m.client = nil
				err = fmt.Errorf("connect to %v: %w", m.cfg.Brokers, err)
			}
		}
		if err == nil {
			err = m.join(ctx)
		}
		if err == nil {
			backoff = 100 * time.Millisecond
			warned = false
			err = m.heartbeatUntilRejoin(ctx)
			if err == nil {
				continue
			}
		}
		if errors.Is(err, errStopMembership) {
			// Out of the group, or fenced by a newer driver whose member
			// a LeaveGroup must not remove.
			m.setUnstable()
			m.log.Warn("the driver stays out of its consumer group; offsets are still committed to it", zap.String("group", m.group), zap.Error(err))
			return
		}
		if ctx.Err() != nil {
			break
		}
		if !warned {
			m.log.Warn("joining the consumer group failed; retrying", zap.String("group", m.group), zap.Error(err))
			warned = true
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxJoinBackoff)
	}
}

// setUnstable marks the member as holding no generation.
func (m *groupMember) setUnstable() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.isStable = false
}

// join runs JoinGroup and SyncGroup until the member holds a generation.
func (m *groupMember) join(ctx context.Context) error {
	m.setUnstable()
	for ctx.Err() == nil {
		coordinator, err := m.client.Coordinator(m.group)
		if err != nil {
			return fmt.Errorf("coordinator of group %s: %w", m.group, err)
		}
		m.mu.Lock()
		memberID := m.memberID
		m.mu.Unlock()
		instance := m.instanceID
		req := &sarama.JoinGroupRequest{Version: 5, GroupId: m.group, SessionTimeout: int32(m.session.Milliseconds()),
			RebalanceTimeout: int32(rebalanceTimeout.Milliseconds()), MemberId: memberID, GroupInstanceId: &instance, ProtocolType: memberProtocolType}
		if err := req.AddGroupProtocolMetadata(memberProtocol, &sarama.ConsumerGroupMemberMetadata{Version: 1, Topics: m.topics}); err != nil {
			return err
		}
		resp, err := coordinator.JoinGroup(req)
		if err != nil {
			_ = m.client.RefreshCoordinator(m.group)
			return fmt.Errorf("join group %s: %w", m.group, err)
		}
		if resp.Version < 5 {
			return fmt.Errorf("%w: the brokers do not support static members (Kafka 2.3 or later does)", errStopMembership)
		}
		switch resp.Err {
		case sarama.ErrNoError:
		case sarama.ErrMemberIdRequired:
			m.setMemberID(resp.MemberId)
			continue
		case sarama.ErrUnknownMemberId, sarama.ErrIllegalGeneration:
			m.setMemberID("")
			continue
		case sarama.ErrNotCoordinatorForConsumer, sarama.ErrConsumerCoordinatorNotAvailable:
			_ = m.client.RefreshCoordinator(m.group)
			return fmt.Errorf("join group %s: %w", m.group, resp.Err)
		case sarama.ErrInconsistentGroupProtocol:
			return fmt.Errorf("%w: group %s has members that are not Spindle drivers (%w); set %s to a group no consumer joins", errStopMembership, m.group, resp.Err, conf.KeyKafkaGroupID)
		case sarama.ErrFencedInstancedId:
			return fmt.Errorf("%w: another driver with group.instance.id %s, a newer attempt, took its place (%w)", errStopMembership, m.instanceID, resp.Err)
		case sarama.ErrGroupAuthorizationFailed, sarama.ErrInvalidSessionTimeout:
			return fmt.Errorf("%w: %w", errStopMembership, resp.Err)
		default:
			return fmt.Errorf("join group %s: %w", m.group, resp.Err)
		}
		m.setMemberID(resp.MemberId)
		assigned, retry, err := m.sync(coordinator, resp)
		if err != nil {
			return err
		}
		if retry {
			continue
		}
		m.mu.Lock()
		m.generation, m.assigned, m.isStable = resp.GenerationId, assigned, true
		m.mu.Unlock()
		m.log.Info("the driver is a member of its consumer group", zap.String("group", m.group), zap.String("instance", m.instanceID),
			zap.Int32("generation", resp.GenerationId), zap.Int("partitions", len(assigned)))
		return nil
	}
	return ctx.Err()
}

func (m *groupMember) setMemberID(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.memberID = id
}

// sync sends SyncGroup: as the leader, with every partition of the
// subscribed topics assigned to itself and none to any other member. It
// returns this member's assignment, or retry when the group rebalanced
// meanwhile.
func (m *groupMember) sync(coordinator *sarama.Broker, joined *sarama.JoinGroupResponse) (map[TopicPartition]bool, bool, error) {
	instance := m.instanceID
	req := &sarama.SyncGroupRequest{Version: 3, GroupId: m.group, GenerationId: joined.GenerationId, MemberId: joined.MemberId, GroupInstanceId: &instance}
	if joined.LeaderId == joined.MemberId {
		if err := m.client.RefreshMetadata(m.topics...); err != nil {
			return nil, false, fmt.Errorf("partitions of %v: %w", m.topics, err)
		}
		mine := &sarama.ConsumerGroupMemberAssignment{Version: 1, Topics: map[string][]int32{}}
		for _, t := range m.topics {
			parts, err := m.client.Partitions(t)
			if err != nil {
				return nil, false, fmt.Errorf("partitions of %s: %w", t, err)
			}
			mine.Topics[t] = slices.Sorted(slices.Values(parts))
		}
		for _, other := range joined.Members {
			if other.MemberId == joined.MemberId {
				continue
			}
			m.log.Warn("another member in the stream's consumer group gets no partitions", zap.String("group", m.group), zap.String("member", other.MemberId))
			if err := req.AddGroupAssignmentMember(other.MemberId, &sarama.ConsumerGroupMemberAssignment{Version: 1}); err != nil {
				return nil, false, err
			}
		}
		if err := req.AddGroupAssignmentMember(joined.MemberId, mine); err != nil {
			return nil, false, err
		}
	}
	resp, err := coordinator.SyncGroup(req)
	if err != nil {
		return nil, false, fmt.Errorf("sync group %s: %w", m.group, err)
	}
	switch resp.Err {
	case sarama.ErrNoError:
	case sarama.ErrRebalanceInProgress:
		return nil, true, nil
	case sarama.ErrUnknownMemberId, sarama.ErrIllegalGeneration:
		m.setMemberID("")
		return nil, true, nil
	case sarama.ErrFencedInstancedId:
		return nil, false, fmt.Errorf("%w: another driver with group.instance.id %s, a newer attempt, took its place (%w)", errStopMembership, m.instanceID, resp.Err)
	default:
		return nil, false, fmt.Errorf("sync group %s: %w", m.group, resp.Err)
	}
	a, err := resp.GetMemberAssignment()
	if err != nil {
		return nil, false, fmt.Errorf("sync group %s: assignment: %w", m.group, err)
	}
	assigned := map[TopicPartition]bool{}
	if a != nil {
		for t, ps := range a.Topics {
			for _, p := range ps {
				assigned[TopicPartition{Topic: t, Partition: p}] = true
			}
		}
	}
	return assigned, false, nil
}

// heartbeatUntilRejoin heartbeats until the member must join again (a
// rebalance, a lost membership, a partition outside its assignment; the
// error says why) or ctx ends (nil).
func (m *groupMember) heartbeatUntilRejoin(ctx context.Context) error {
	tick := time.NewTicker(m.heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-m.rejoin:
			return nil
		case <-tick.C:
		}
		memberID, generation, instance, _ := m.identity()
		coordinator, err := m.client.Coordinator(m.group)
		if err != nil {
			return fmt.Errorf("coordinator of group %s: %w", m.group, err)
		}
		resp, err := coordinator.Heartbeat(&sarama.HeartbeatRequest{Version: 3, GroupId: m.group, GenerationId: generation, MemberId: memberID, GroupInstanceId: instance})
		if err != nil {
			_ = m.client.RefreshCoordinator(m.group)
			return fmt.Errorf("heartbeat to group %s: %w", m.group, err)
		}
		switch resp.Err {
		case sarama.ErrNoError:
		case sarama.ErrRebalanceInProgress:
			return nil
		case sarama.ErrUnknownMemberId, sarama.ErrIllegalGeneration:
			m.setMemberID("")
			return nil
		case sarama.ErrFencedInstancedId:
			return fmt.Errorf("%w: another driver with group.instance.id %s, a newer attempt, took its place (%w)", errStopMembership, m.instanceID, resp.Err)
		case sarama.ErrNotCoordinatorForConsumer, sarama.ErrConsumerCoordinatorNotAvailable:
			_ = m.client.RefreshCoordinator(m.group)
			return fmt.Errorf("heartbeat to group %s: %w", m.group, resp.Err)
		default:
			return fmt.Errorf("heartbeat to group %s: %w", m.group, resp.Err)
		}
	}
}

// leave removes the member from the group, so that it shows no member at
// once; a killed driver's member stays until the session timeout.
func (m *groupMember) leave() {
	memberID, generation, instance, ok := m.identity()
	m.setUnstable()
	if !ok {
		return
	}
	done := make(chan error, 1)
	go func() {
		coordinator, err := m.client.Coordinator(m.group)
		if err == nil {
			// A driver that a newer one replaced must not leave: some
			// brokers take a leave by instance id alone, which would
			// remove the newer driver.
			hb, herr := coordinator.Heartbeat(&sarama.HeartbeatRequest{Version: 3, GroupId: m.group, GenerationId: generation, MemberId: memberID, GroupInstanceId: instance})
			if herr == nil && (hb.Err == sarama.ErrFencedInstancedId || hb.Err == sarama.ErrUnknownMemberId) {
				done <- nil
				return
			}
		}
		if err == nil {
			var resp *sarama.LeaveGroupResponse
			resp, err = coordinator.LeaveGroup(&sarama.LeaveGroupRequest{Version: 3, GroupId: m.group,
				Members: []sarama.MemberIdentity{{MemberId: memberID, GroupInstanceId: instance}}})
			if err == nil && resp.Err != sarama.ErrNoError {
				err = resp.Err
			}
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			m.log.Info("leaving the consumer group failed; the member goes when its session times out", zap.String("group", m.group), zap.Error(err))
		}
	case <-time.After(leaveTimeout):
	}
}
