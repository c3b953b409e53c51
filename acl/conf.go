package acl

import "go.uber.org/zap"

// Configuration keys.
const (
	KeyEnable     = "yarn.acl.enable"
	KeyAdmin      = "yarn.admin.acl"
	queuePrefix   = "yarn.scheduler.capacity.root."
	keySubmit     = "acl_submit_applications"
	keyAdminister = "acl_administer_queue"
)

// Settings reads configuration; *conf.Config is one.
type Settings interface {
	Get(key string) string
	Bool(key string) (bool, error)
	Strings(key string) []string
}

// PolicyFromConf reads the cluster's rules: yarn.acl.enable,
// yarn.admin.acl and each queue of yarn.scheduler.capacity.root.queues'
// yarn.scheduler.capacity.root[.QUEUE].acl_submit_applications and
// acl_administer_queue.
func PolicyFromConf(c Settings, lg *zap.Logger) (*Policy, error) {
	enabled, err := c.Bool(KeyEnable)
	if err != nil {
		return nil, err
	}
	p := &Policy{
		Enabled: enabled,
		Admins:  Parse(c.Get(KeyAdmin)),
		Root:    QueueACLs{Submit: Parse(c.Get(queuePrefix + keySubmit)), Administer: Parse(c.Get(queuePrefix + keyAdminister))},
		Queues:  map[string]QueueACLs{},
		Logger:  lg,
	}
	for _, q := range c.Strings(queuePrefix + "queues") {
		p.Queues[q] = QueueACLs{Submit: Parse(c.Get(queuePrefix + q + "." + keySubmit)), Administer: Parse(c.Get(queuePrefix + q + "." + keyAdminister))}
	}
	return p, nil
}
