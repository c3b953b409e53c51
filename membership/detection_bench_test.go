package membership

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// benchCluster is an RM member and nms NM members at the shipped defaults,
// bound to loopback, each on its own ports; dead records, for each name,
// when the RM's member declared it dead.
type benchCluster struct {
	rm      *Member
	members []*Member
	mu      sync.Mutex
	dead    map[string]time.Time
}

func startBenchCluster(b *testing.B, nms int) *benchCluster {
	b.Helper()
	c := &benchCluster{dead: map[string]time.Time{}}
	cfg := DefaultConfig()
	cfg.BindAddress = "127.0.0.1:0"
	b.Logf("memberlist at shipped defaults (probe interval %v, probe timeout %v, suspicion mult %d) except: bind address 127.0.0.1:0",
		cfg.ProbeInterval, cfg.ProbeTimeout, cfg.SuspicionMult)
	rmCfg := cfg
	rmCfg.Name = "resourcemanager"
	rmCfg.OnDead = func(n string) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.dead[n]; !ok {
			c.dead[n] = time.Now()
		}
	}
	var err error
	if c.rm, err = Start(rmCfg); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.rm.Shutdown() })
	for i := range nms {
		c.start(b, fmt.Sprintf("127.0.0.1:%d/nm", 9000+i))
	}
	return c
}

// start starts a member named name, joins it through the RM and waits
// until the RM sees it alive.
func (c *benchCluster) start(b *testing.B, name string) *Member {
	b.Helper()
	cfg := DefaultConfig()
	cfg.BindAddress, cfg.Name = "127.0.0.1:0", name
	m, err := Start(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Shutdown() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Join(ctx, []string{c.rm.Address()}); err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); !c.rm.Alive(name); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%s not alive in the RM's view within 10 s", name)
		}
	}
	c.members = append(c.members, m)
	return m
}

// deadAt is when the RM declared name dead, or the zero time.
func (c *benchCluster) deadAt(name string) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dead[name]
}

// BenchmarkNodeLossDetection kills (stops without leaving) a member of a
// cluster of an RM and 4 NMs 20 times, each at a different point of the
// probe cycle, and reports how long the RM took to declare it dead (p50
// and p99, which over 20 kills is the slowest), and how many live members
// it declared dead meanwhile.
func BenchmarkNodeLossDetection(b *testing.B) {
	const kills = 20
	for range b.N {
		c := startBenchCluster(b, 4)
		var took []time.Duration
		for i := range kills {
			name := fmt.Sprintf("127.0.0.1:%d/victim", 9100+i)
			m := c.start(b, name)
			time.Sleep(time.Duration(i) * DefaultConfig().ProbeInterval / kills)
			killed := time.Now()
			m.Shutdown()
			for deadline := killed.Add(30 * time.Second); c.deadAt(name).IsZero(); time.Sleep(2 * time.Millisecond) {
				if time.Now().After(deadline) {
					b.Fatalf("%s not declared dead within 30 s", name)
				}
			}
			took = append(took, c.deadAt(name).Sub(killed))
		}
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)/2].Milliseconds()), "detect-p50-ms")
		b.ReportMetric(float64(took[min(len(took)*99/100, len(took)-1)].Milliseconds()), "detect-p99-ms")
		b.ReportMetric(float64(c.falseDead()), "false-dead")
	}
}

// falseDead counts the NM members declared dead that were never killed.
func (c *benchCluster) falseDead() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for name := range c.dead {
		if len(name) > 3 && name[len(name)-3:] == "/nm" {
			n++
		}
	}
	return n
}

// BenchmarkFalseLostUnderCPUSaturation runs an RM and 4 NM members for 60 s
// while 4 × GOMAXPROCS busy processes saturate the machine's CPUs, and
// reports how many live members the RM declared dead (false LOST
// declarations).
func BenchmarkFalseLostUnderCPUSaturation(b *testing.B) {
	for range b.N {
		c := startBenchCluster(b, 4)
		burners := 4 * runtime.GOMAXPROCS(0)
		b.Logf("saturating the CPUs with %d busy processes for 60 s", burners)
		var procs []*exec.Cmd
		for range burners {
			p := exec.Command("sh", "-c", "while :; do :; done")
			if err := p.Start(); err != nil {
				b.Fatal(err)
			}
			procs = append(procs, p)
		}
		time.Sleep(60 * time.Second)
		for _, p := range procs {
			p.Process.Kill()
			p.Wait()
		}
		b.ReportMetric(float64(c.falseDead()), "false-lost")
	}
}
