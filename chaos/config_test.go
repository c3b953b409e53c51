package chaos

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func validConfig() Config {
	c := DefaultConfig()
	c.Binary = "/usr/bin/spindle"
	return c
}

func TestDefaultConfigIsValid(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatalf("default config with a binary: %v", err)
	}
	if err := DefaultConfig().Validate(); err == nil || !strings.Contains(err.Error(), "binary") {
		t.Fatalf("default config without a binary: %v, want an error naming the binary", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"duration", func(c *Config) { c.Duration = 0 }, "duration"},
		{"interval", func(c *Config) { c.Interval = -time.Second }, "interval"},
		{"rate", func(c *Config) { c.Rate = 0 }, "rate"},
		{"checkpoint", func(c *Config) { c.Checkpoint = "s3" }, `checkpoint "s3"`},
		{"out", func(c *Config) { c.Out = "" }, "output directory"},
		{"one NM", func(c *Config) { c.NodeManagers = 1 }, "NodeManagers"},
		{"NM memory", func(c *Config) { c.NMMemory = "" }, "NodeManager resources"},
		{"one executor", func(c *Config) { c.Executors = 1 }, "executors"},
		{"partitions", func(c *Config) { c.Partitions = 0 }, "partitions"},
		{"batch", func(c *Config) { c.BatchDuration = 0 }, "batch duration"},
		{"invalid every", func(c *Config) { c.InvalidEvery = -1 }, "invalid every"},
		{"restart delay", func(c *Config) { c.NMRestartDelay = -1 }, "restart delays"},
		{"recovery timeout", func(c *Config) { c.RecoveryTimeout = 0 }, "recovery timeout"},
		{"few hosts", func(c *Config) { c.Hosts = 4 }, "4 hosts"},
		{"NMs on hosts", func(c *Config) { c.Hosts = 7 }, "want 4"},
		{"network fault on one machine", func(c *Config) { c.Faults = []Kind{Partition} }, "--hosts"},
		{"hdfs fault on file", func(c *Config) {
			c.Hosts, c.NodeManagers, c.Checkpoint, c.Faults = 5, 2, CheckpointFile, []Kind{PauseHDFS}
		}, "checkpoint on HDFS"},
		{"fault length", func(c *Config) { c.FaultMax = c.FaultMin - 1 }, "faults lasting"},
		{"slow", func(c *Config) { c.SlowDelay, c.SlowLoss = 0, 0 }, "slow faults"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.change(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestKindText(t *testing.T) {
	for _, k := range Kinds {
		raw, err := k.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Kind
		if err := back.UnmarshalText(raw); err != nil || back != k {
			t.Fatalf("%v → %q → %v, %v", k, raw, back, err)
		}
	}
	var k Kind
	if err := k.UnmarshalText([]byte("disk")); err == nil || !strings.Contains(err.Error(), `"disk"`) {
		t.Fatalf("unknown kind: %v", err)
	}
	if s := Kind(99).String(); s != "kind(99)" {
		t.Fatalf("unknown kind's name %q", s)
	}
}

func TestParseKinds(t *testing.T) {
	got, err := ParseKinds("hdfs, nm,executor,rm,am,partition,host,slow,kafka,am")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, Kinds) {
		t.Fatalf("ParseKinds = %v, want every kind once in order", got)
	}
	for _, bad := range []string{"", " , ", "executor,disk"} {
		if _, err := ParseKinds(bad); err == nil || !strings.Contains(err.Error(), "executor,am,nm,rm,partition,host,slow,kafka,hdfs") {
			t.Errorf("ParseKinds(%q) = %v, want an error listing the kinds", bad, err)
		}
	}
}

func TestConfigDefaultsByHosts(t *testing.T) {
	c := validConfig()
	if c.checkpoint() != CheckpointFile || !slices.Equal(c.faults(), KillKinds) {
		t.Fatalf("one machine: checkpoint %s, faults %v", c.checkpoint(), c.faults())
	}
	c.Hosts, c.NodeManagers = 5, 2
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.checkpoint() != CheckpointHDFS || !slices.Equal(c.faults(), Kinds) {
		t.Fatalf("test hosts: checkpoint %s, faults %v", c.checkpoint(), c.faults())
	}
	c.Checkpoint = CheckpointFile
	if slices.Contains(c.faults(), PauseHDFS) {
		t.Fatalf("faults %v with the checkpoint on file://", c.faults())
	}
}
