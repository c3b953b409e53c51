package ha

import (
	"errors"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/resourcemanager/failover"
)

func load(t *testing.T, kv ...string) *conf.Config {
	t.Helper()
	c, err := conf.Load(conf.LoadOptions{Overrides: kv})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConfigFromRefusesBadGroups(t *testing.T) {
	base := []string{"yarn.resourcemanager.ha.enabled=true", "spindle.tmp.dir=/tmp/x"}
	local := func(h string) bool { return h == "10.0.0.2" }
	for _, tc := range []struct {
		name string
		kv   []string
		want string
	}{
		{"even", []string{"yarn.resourcemanager.ha.rm-ids=rm1,rm2", "yarn.resourcemanager.hostname.rm1=10.0.0.1", "yarn.resourcemanager.hostname.rm2=10.0.0.2"}, "odd number"},
		{"even, none local", []string{"yarn.resourcemanager.ha.rm-ids=rm1,rm3", "yarn.resourcemanager.hostname.rm1=10.0.0.1", "yarn.resourcemanager.hostname.rm3=10.0.0.3"}, "odd number"},
		{"no address", []string{"yarn.resourcemanager.ha.rm-ids=rm1,rm2,rm3", "yarn.resourcemanager.hostname.rm1=10.0.0.1", "yarn.resourcemanager.hostname.rm2=10.0.0.2"}, "yarn.resourcemanager.hostname.rm3"},
		{"unknown id", []string{"yarn.resourcemanager.ha.rm-ids=rm1,rm2,rm3", "yarn.resourcemanager.hostname.rm1=10.0.0.1", "yarn.resourcemanager.hostname.rm2=10.0.0.2", "yarn.resourcemanager.hostname.rm3=10.0.0.3", "yarn.resourcemanager.ha.id=rm4"}, failover.KeyHAID},
		{"no local id", []string{"yarn.resourcemanager.ha.rm-ids=rm1,rm3,rm5", "yarn.resourcemanager.hostname.rm1=10.0.0.1", "yarn.resourcemanager.hostname.rm3=10.0.0.3", "yarn.resourcemanager.hostname.rm5=10.0.0.5"}, failover.KeyHAID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ConfigFrom(load(t, append(base, tc.kv...)...), local)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ConfigFrom: %v, want an error naming %s", err, tc.want)
			}
		})
	}
	cfg, err := ConfigFrom(load(t, append(base, "yarn.resourcemanager.ha.rm-ids=rm1,rm2,rm3",
		"yarn.resourcemanager.hostname.rm1=10.0.0.1", "yarn.resourcemanager.hostname.rm2=10.0.0.2", "yarn.resourcemanager.hostname.rm3=10.0.0.3",
		"yarn.resourcemanager.webapp.address.rm2=10.0.0.2:9999")...), local)
	if err != nil {
		t.Fatal(err)
	}
	self := cfg.Self()
	if cfg.SelfID != "rm2" || self.Client != "10.0.0.2:8032" || self.Tracker != "10.0.0.2:8031" || self.Web != "10.0.0.2:9999" || self.Raft != "10.0.0.2:8034" {
		t.Fatalf("derived self %s: %+v", cfg.SelfID, self)
	}
	if !errors.Is(func() error { _, err := localID(cfg.Peers, func(string) bool { return true }); return err }(), ErrNoLocalID) {
		t.Fatal("several local ids not refused")
	}
}
