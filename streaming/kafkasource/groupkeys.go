package kafkasource

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Keys of the driver's membership of its consumer group (see Membership),
// with the Java consumer's names where it has them.
const (
	// KeyGroupJoin makes the driver a static member of the group while
	// the application runs: true (the default) or false.
	KeyGroupJoin = "spindle.kafka.group.join"
	// KeyGroupInstanceID is the driver's group.instance.id (default
	// <group id>-driver).
	KeyGroupInstanceID = "spindle.kafka.group.instance.id"
	// KeySessionTimeout is session.timeout.ms (default 45000).
	KeySessionTimeout = "spindle.kafka.session.timeout.ms"
	// KeyHeartbeatInterval is heartbeat.interval.ms (default 3000).
	KeyHeartbeatInterval = "spindle.kafka.heartbeat.interval.ms"
)

// Kafka's default bounds of a group member's session timeout
// (group.min.session.timeout.ms, group.max.session.timeout.ms).
const (
	minSessionTimeout = 6 * time.Second
	maxSessionTimeout = 30 * time.Minute
)

// memberKeys collects the membership keys of one configuration.
type memberKeys struct {
	values map[string]string
}

// take keeps key when it is a membership key, and says whether it was.
func (k *memberKeys) take(key, raw string) bool {
	switch key {
	case KeyGroupJoin, KeyGroupInstanceID, KeySessionTimeout, KeyHeartbeatInterval:
	default:
		return false
	}
	if k.values == nil {
		k.values = map[string]string{}
	}
	k.values[key] = raw
	return true
}

// apply sets m from the keys taken.
func (k *memberKeys) apply(m *Membership) error {
	bad := func(key, why string) error {
		return fmt.Errorf("%w: %s=%q: %s", ErrInvalidConfig, key, k.values[key], why)
	}
	if v, ok := k.values[KeyGroupJoin]; ok {
		join, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return bad(KeyGroupJoin, "must be true or false")
		}
		m.Join = join
	}
	if v, ok := k.values[KeyGroupInstanceID]; ok {
		if m.InstanceID = strings.TrimSpace(v); m.InstanceID == "" {
			return bad(KeyGroupInstanceID, "must not be empty (leave the key out for <group id>-driver)")
		}
	}
	for _, f := range []struct {
		key string
		d   *time.Duration
	}{{KeyHeartbeatInterval, &m.HeartbeatInterval}, {KeySessionTimeout, &m.SessionTimeout}} {
		key, d := f.key, f.d
		if v, ok := k.values[key]; ok {
			ms, err := parseMillis(strings.TrimSpace(v))
			if err != nil || ms <= 0 {
				return bad(key, "must be a positive whole number of milliseconds")
			}
			*d = ms
		}
	}
	if m.SessionTimeout != 0 && (m.SessionTimeout < minSessionTimeout || m.SessionTimeout > maxSessionTimeout) {
		return bad(KeySessionTimeout, fmt.Sprintf("must be from %d to %d, the brokers' default group.min/max.session.timeout.ms", minSessionTimeout.Milliseconds(), maxSessionTimeout.Milliseconds()))
	}
	session := m.SessionTimeout
	if session == 0 {
		session = DefaultSessionTimeout
	}
	if m.HeartbeatInterval >= session {
		return bad(KeyHeartbeatInterval, fmt.Sprintf("must be below the session timeout, %d ms", session.Milliseconds()))
	}
	return nil
}
