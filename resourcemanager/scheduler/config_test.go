package scheduler

import (
	"errors"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr []string // substrings of the error; nil means valid
	}{
		{"default", nil, nil},
		{"queues summing to 100", func(c *Config) {
			c.Queues = []QueueConfig{{Name: "a", Capacity: 33.3}, {Name: "b", Capacity: 33.3}, {Name: "c", Capacity: 33.4}}
		}, nil},
		{"no queues", func(c *Config) { c.Queues = nil }, nil},
		{"capacities over 100", func(c *Config) {
			c.Queues = []QueueConfig{{Name: "etl", Capacity: 70}, {Name: "adhoc", Capacity: 40}}
		}, []string{"110%", "etl=70%", "adhoc=40%"}},
		{"duplicate queue", func(c *Config) {
			c.Queues = []QueueConfig{{Name: "a", Capacity: 10}, {Name: "a", Capacity: 10}}
		}, []string{`"a"`, "twice"}},
		{"empty queue name", func(c *Config) { c.Queues = []QueueConfig{{Capacity: 10}} }, []string{"queue 0", "empty name"}},
		{"dotted queue name", func(c *Config) { c.Queues = []QueueConfig{{Name: "root.a", Capacity: 10}} }, []string{`"root.a"`}},
		{"negative capacity", func(c *Config) { c.Queues = []QueueConfig{{Name: "a", Capacity: -1}} }, []string{`"a"`, "capacity -1"}},
		{"max below capacity", func(c *Config) {
			c.Queues = []QueueConfig{{Name: "a", Capacity: 50, MaxCapacity: 40}}
		}, []string{`"a"`, "maximum capacity 40", "capacity 50"}},
		{"max over 100", func(c *Config) {
			c.Queues = []QueueConfig{{Name: "a", Capacity: 50, MaxCapacity: 140}}
		}, []string{`"a"`, "140"}},
		{"negative delay", func(c *Config) { c.NodeLocalityDelay = -1 }, []string{"delay -1"}},
		{"zero maximum allocation", func(c *Config) { c.MaximumAllocation = Resource{} }, []string{"maximum allocation <memory:0, vCores:0>"}},
		{"negative minimum", func(c *Config) { c.MinimumAllocation = res(-1, 1) }, []string{"minimum allocation <memory:-1, vCores:1>"}},
		{"minimum above maximum", func(c *Config) { c.MinimumAllocation = res(16384, 1) }, []string{"<memory:16384, vCores:1>", "<memory:8192, vCores:4>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tt.mod != nil {
				tt.mod(&cfg)
			}
			err := cfg.Validate()
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if _, err := New(cfg); err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate = %v, want ErrInvalidConfig", err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("New = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestDefaultQueueAdded(t *testing.T) {
	tests := []struct {
		name   string
		queues []QueueConfig
		want   []QueueReport
	}{
		{"remaining capacity", []QueueConfig{{Name: "a", Capacity: 70}, {Name: "b", Capacity: 20, MaxCapacity: 50}}, []QueueReport{
			{Name: "a", Capacity: 70, MaxCapacity: 100},
			{Name: "b", Capacity: 20, MaxCapacity: 50},
			{Name: "default", Capacity: 10, MaxCapacity: 100},
		}},
		{"no capacity left", []QueueConfig{{Name: "a", Capacity: 100}}, []QueueReport{
			{Name: "a", Capacity: 100, MaxCapacity: 100},
			{Name: "default", Capacity: 0, MaxCapacity: 100},
		}},
		{"configured default kept", []QueueConfig{{Name: "default", Capacity: 40, MaxCapacity: 60}}, []QueueReport{
			{Name: "default", Capacity: 40, MaxCapacity: 60},
		}},
		{"none configured", nil, []QueueReport{{Name: "default", Capacity: 100, MaxCapacity: 100}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestScheduler(t, func(c *Config) { c.Queues = tt.queues })
			got := s.Queues()
			if len(got) != len(tt.want) {
				t.Fatalf("Queues() = %+v, want %+v", got, tt.want)
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.Name != w.Name || g.Capacity != w.Capacity || g.MaxCapacity != w.MaxCapacity {
					t.Errorf("queue %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}
