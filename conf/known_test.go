package conf

import (
	"slices"
	"strings"
	"testing"
)

func TestKnownKeys(t *testing.T) {
	want := []Key{
		{Name: "spindle.tmp.dir", Default: "/tmp/spindle-${user.name}", Type: TypeString},
		{Name: "yarn.resourcemanager.hostname", Default: "0.0.0.0", Type: TypeString},
		{Name: "yarn.resourcemanager.address", Default: "${yarn.resourcemanager.hostname}:8032", Type: TypeAddress},
		{Name: "yarn.resourcemanager.resource-tracker.address", Default: "${yarn.resourcemanager.hostname}:8031", Type: TypeAddress},
		{Name: "yarn.resourcemanager.webapp.address", Default: "${yarn.resourcemanager.hostname}:8088", Type: TypeAddress},
		{Name: "yarn.resourcemanager.nodemanagers.heartbeat-interval-ms", Default: "1000", Type: TypeDuration, Unit: "ms"},
		{Name: "yarn.nm.liveness-monitor.expiry-interval-ms", Default: "10000", Type: TypeDuration, Unit: "ms"},
		{Name: "yarn.resourcemanager.rm.container-allocation.expiry-interval-ms", Default: "600000", Type: TypeDuration, Unit: "ms"},
		{Name: "yarn.resourcemanager.am.max-attempts", Default: "2", Type: TypeInt},
		{Name: "yarn.scheduler.minimum-allocation-mb", Default: "1", Type: TypeSize, Unit: "m"},
		{Name: "yarn.scheduler.maximum-allocation-mb", Default: "8192", Type: TypeSize, Unit: "m"},
		{Name: "yarn.scheduler.minimum-allocation-vcores", Default: "1", Type: TypeInt},
		{Name: "yarn.scheduler.maximum-allocation-vcores", Default: "4", Type: TypeInt},
		{Name: "yarn.scheduler.capacity.root.queues", Default: "default", Type: TypeList},
		{Name: "yarn.scheduler.capacity.root.*", Default: "", Type: TypeString},
		{Name: "yarn.scheduler.capacity.root.default.capacity", Default: "100", Type: TypePercent},
		{Name: "yarn.scheduler.capacity.node-locality-delay", Default: "40", Type: TypeInt},
		{Name: "yarn.nodemanager.hostname", Default: "0.0.0.0", Type: TypeString},
		{Name: "yarn.nodemanager.address", Default: "${yarn.nodemanager.hostname}:0", Type: TypeAddress},
		{Name: "yarn.nodemanager.webapp.address", Default: "${yarn.nodemanager.hostname}:8042", Type: TypeAddress},
		{Name: "yarn.nodemanager.resource.memory-mb", Default: "-1", Type: TypeSize, Unit: "m"},
		{Name: "yarn.nodemanager.resource.cpu-vcores", Default: "-1", Type: TypeInt},
		{Name: "yarn.nodemanager.local-dirs", Default: "${spindle.tmp.dir}/nm-local-dir", Type: TypeList},
		{Name: "yarn.nodemanager.log-dirs", Default: "${spindle.tmp.dir}/nm-logs", Type: TypeList},
		{Name: "yarn.nodemanager.container-monitor.interval-ms", Default: "1000", Type: TypeDuration, Unit: "ms"},
		{Name: "yarn.nodemanager.pmem-check-enabled", Default: "true", Type: TypeBool},
		{Name: "yarn.nodemanager.sleep-delay-before-sigkill.ms", Default: "250", Type: TypeDuration, Unit: "ms"},
		{Name: "yarn.nodemanager.delete.debug-delay-sec", Default: "0", Type: TypeDuration, Unit: "s"},
		{Name: "spindle.resourcemanager.state-dir", Default: "${spindle.tmp.dir}/rm", Type: TypeString},
		{Name: "spindle.cluster.secret-file", Default: "", Type: TypeString},
		{Name: "spindle.memberlist.bind-address", Default: "", Type: TypeAddress},
		{Name: "spindle.memberlist.advertise-address", Default: "", Type: TypeAddress},
		{Name: "spindle.memberlist.seeds", Default: "", Type: TypeList},
		{Name: "spindle.memberlist.probe-interval", Default: "300ms", Type: TypeDuration, Unit: "ms"},
		{Name: "spindle.memberlist.probe-timeout", Default: "200ms", Type: TypeDuration, Unit: "ms"},
		{Name: "spindle.memberlist.suspicion-mult", Default: "3", Type: TypeInt},
		{Name: "spindle.log.level", Default: "info", Type: TypeString},
		{Name: "spindle.log.format", Default: "console", Type: TypeString},
		{Name: "spindle.log.dir", Default: "${spindle.tmp.dir}/logs", Type: TypeString},
		{Name: "spindle.log.maxSize", Default: "128m", Type: TypeSize, Unit: "m"},
		{Name: "spindle.log.maxAge", Default: "168h", Type: TypeDuration, Unit: "s"},
		{Name: "spindle.log.maxBackups", Default: "10", Type: TypeInt},
	}
	byName := map[string]Key{}
	for _, k := range Known() {
		if _, dup := byName[k.Name]; dup {
			t.Errorf("%s is known twice", k.Name)
		}
		byName[k.Name] = k
		if k.Description == "" || k.Group == "" {
			t.Errorf("%s has no description or group", k.Name)
		}
	}
	for _, w := range want {
		k, ok := byName[w.Name]
		if !ok {
			t.Errorf("%s is not known", w.Name)
			continue
		}
		if k.Default != w.Default || k.Type != w.Type || k.Unit != w.Unit {
			t.Errorf("%s = default %q, type %s, unit %q; want %q, %s, %q", w.Name, k.Default, k.Type, k.Unit, w.Default, w.Type, w.Unit)
		}
	}
	if got := byName["spindle.log.format"].Values; !slices.Equal(got, []string{"console", "json"}) {
		t.Errorf("spindle.log.format values = %q", got)
	}
}

func TestKnownReturnsCopy(t *testing.T) {
	keys := Known()
	keys[0].Name = "changed"
	for i := range keys {
		if keys[i].Values != nil {
			keys[i].Values[0] = "changed"
		}
	}
	for _, k := range Known() {
		if k.Name == "changed" || slices.Contains(k.Values, "changed") {
			t.Fatalf("Known shares its keys with callers: %+v", k)
		}
	}
}

func TestLookupPrefersMostSpecific(t *testing.T) {
	reg, err := defaultRegistry()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, want string
	}{
		{"yarn.scheduler.capacity.root.default.capacity", "yarn.scheduler.capacity.root.default.capacity"},
		{"yarn.scheduler.capacity.root.streaming.capacity", "yarn.scheduler.capacity.root.*.capacity"},
		{"yarn.scheduler.capacity.root.a.b.capacity", "yarn.scheduler.capacity.root.*.capacity"},
		{"yarn.scheduler.capacity.root.streaming.maximum-capacity", "yarn.scheduler.capacity.root.*.maximum-capacity"},
		{"yarn.scheduler.capacity.root.streaming.state", "yarn.scheduler.capacity.root.*"},
		{"yarn.scheduler.capacity.root.capacity", "yarn.scheduler.capacity.root.*"},
		{"yarn.scheduler.capacity.root.queues", "yarn.scheduler.capacity.root.queues"},
		{"yarn.scheduler.capacity.root", ""},
		{"yarn.scheduler.capacity.maximum-applications", ""},
	}
	for _, tt := range tests {
		k, ok := reg.lookup(tt.name)
		got := ""
		if ok {
			got = k.Name
		}
		if got != tt.want {
			t.Errorf("lookup(%s) = %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestNewRegistryRejectsBadDefinitions(t *testing.T) {
	prop := func(body string) string {
		return "<configuration><property><group>G</group><description>D.</description>" + body + "</property></configuration>"
	}
	tests := []struct {
		name, xml, want string
	}{
		{"unknown type", prop("<name>a</name><value>1</value><type>number</type>"), `type "number"`},
		{"size without unit", prop("<name>a</name><value>1</value><type>size</type>"), "size unit"},
		{"duration bad unit", prop("<name>a</name><value>1</value><type>duration</type><unit>fortnight</unit>"), "duration unit"},
		{"unit on int", prop("<name>a</name><value>1</value><type>int</type><unit>m</unit>"), "no <unit>"},
		{"values on int", prop("<name>a</name><value>1</value><type>int</type><values>1,2</values>"), "<values>"},
		{"bad default", prop("<name>a</name><value>x</value><type>int</type>"), `"x" is not a whole number`},
		{"default not in values", prop("<name>a</name><value>x</value><type>string</type><values>y,z</values>"), "use one of y, z"},
		{"family with default", prop("<name>a.*</name><value>x</value><type>string</type>"), "no default"},
		{"family from the start", prop("<name>*.a</name><value></value><type>string</type>"), "fixed segment"},
		{"no description", "<configuration><property><group>G</group><name>a</name><value>1</value><type>int</type></property></configuration>", "<description>"},
		{"duplicate", "<configuration>" +
			"<property><group>G</group><description>D.</description><name>a</name><value>1</value><type>int</type></property>" +
			"<property><group>G</group><description>D.</description><name>a</name><value>2</value><type>int</type></property>" +
			"</configuration>", "defined twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newRegistry("test-default.xml", []byte(tt.xml))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "test-default.xml line ") {
				t.Fatalf("newRegistry error = %v; want one naming test-default.xml's line and %q", err, tt.want)
			}
		})
	}
}
