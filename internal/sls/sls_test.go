package sls

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestSimulationAllocatesAndTurnsContainersOver: against a real RM, the
// simulated AMs get containers on the simulated nodes, release them after
// their lifetime and get new ones, with no call failing.
func TestSimulationAllocatesAndTurnsContainersOver(t *testing.T) {
	rm, addrs, certs := startRM(t)
	cfg := DefaultConfig()
	cfg.ClientAddress, cfg.TrackerAddress, cfg.RMPid = addrs.Client, addrs.Tracker, rm.PID()
	useTLS(t, &cfg, certs)
	cfg.Nodes, cfg.Apps = 20, 3
	cfg.ContainerLifetime, cfg.Warmup, cfg.Duration = 300*time.Millisecond, time.Second, 2*time.Second
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	running := int64(float64(cfg.Nodes*cfg.slotsPerNode()) * cfg.Fill)
	if r.Allocations <= running || r.Errors != 0 || r.Heartbeats == 0 {
		t.Fatalf("%v: want more allocations than the %d containers kept running (they turn over), heartbeats, and no errors", r, running)
	}
	if r.RMPeakRSS <= 0 {
		t.Fatalf("%v: the RM's memory was not read", r)
	}
}

func TestConfigValidate(t *testing.T) {
	good := DefaultConfig()
	good.ClientAddress, good.TrackerAddress = "127.0.0.1:1", "127.0.0.1:2"
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*Config){
		"no address":      func(c *Config) { c.TrackerAddress = "" },
		"no nodes":        func(c *Config) { c.Nodes = 0 },
		"container large": func(c *Config) { c.ContainerMemoryMB = c.NodeMemoryMB + 1 },
		"fill":            func(c *Config) { c.Fill = 1.5 },
		"lifetime":        func(c *Config) { c.ContainerLifetime = 0 },
	} {
		c := good
		change(&c)
		if err := c.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
	}
}
