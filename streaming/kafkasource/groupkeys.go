package kafkasource

import (
	"fmt"
	"strings"

	"github.com/spindlehq/spindle/conf"
)

// membershipFromApp reads the driver's membership of its consumer group:
// spindle.kafka.group.join, group.instance.id, session.timeout.ms and
// heartbeat.interval.ms (the Java consumer's names).
func membershipFromApp(a conf.AppConf) (Membership, error) {
	m := Membership{
		Join:              a.Bool(conf.KeyKafkaGroupJoin),
		SessionTimeout:    a.Duration(conf.KeyKafkaSessionTimeout),
		HeartbeatInterval: a.Duration(conf.KeyKafkaHeartbeatInterval),
	}
	if a.IsSet(conf.KeyKafkaGroupInstanceID) {
		m.InstanceID = strings.TrimSpace(a.String(conf.KeyKafkaGroupInstanceID))
	}
	if m.HeartbeatInterval >= m.SessionTimeout {
		return Membership{}, fmt.Errorf("%w: %s=%v must be below %s=%v", ErrInvalidConfig, conf.KeyKafkaHeartbeatInterval, m.HeartbeatInterval, conf.KeyKafkaSessionTimeout, m.SessionTimeout)
	}
	return m, nil
}
