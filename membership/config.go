package membership

import (
	"errors"

	"github.com/spindlehq/spindle/conf"
)

// ConfigFrom reads the spindle.memberlist.* keys; Name and the callbacks are
// left to the daemon.
func ConfigFrom(c *conf.Config) (Config, error) {
	m := DefaultConfig()
	m.BindAddress = c.Get("spindle.memberlist.bind-address")
	m.AdvertiseAddress = c.Get("spindle.memberlist.advertise-address")
	var err1, err2, err3 error
	m.ProbeInterval, err1 = c.Duration("spindle.memberlist.probe-interval")
	m.ProbeTimeout, err2 = c.Duration("spindle.memberlist.probe-timeout")
	mult, err3 := c.Int("spindle.memberlist.suspicion-mult")
	m.SuspicionMult = int(mult)
	return m, errors.Join(err1, err2, err3)
}
