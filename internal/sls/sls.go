package sls

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// nodesPerConn is how many simulated NMs share one connection to the RM,
// so that the RM serves many connections, as it does real NMs, without
// the simulator holding one per node.
const nodesPerConn = 64

// Report is what a simulation measured.
type Report struct {
	Nodes, Apps int
	// Allocations are the containers the AMs got during the measurement,
	// which lasted Elapsed.
	Allocations          int64
	Elapsed              time.Duration
	AllocationsPerSecond float64
	// Heartbeats is how many node heartbeats were answered during the
	// measurement; Heartbeat* their latency; HeartbeatInterval the
	// longest interval the RM asked the nodes to heartbeat at. Allocate* is the same for the
	// AMs' allocate calls. Errors counts calls that failed.
	Heartbeats                 int
	HeartbeatInterval          time.Duration
	HeartbeatP50, HeartbeatP99 time.Duration
	AllocateP50, AllocateP99   time.Duration
	Errors                     int64
	// RMCores is the RM's CPU time over the measurement divided by its
	// length; SimCores the same for the simulator. RMRSS and RMPeakRSS
	// are the RM's resident memory at the end and at its peak (0 without
	// Config.RMPid).
	RMCores, SimCores float64
	RMRSS, RMPeakRSS  int64
}

// String is the report on one line.
func (r Report) String() string {
	return fmt.Sprintf("nodes=%d apps=%d allocations/s=%.0f heartbeats=%d heartbeat-interval=%v heartbeat p50=%v p99=%v allocate p50=%v p99=%v errors=%d rm-cores=%.2f sim-cores=%.2f rm-rss=%dMiB rm-peak-rss=%dMiB",
		r.Nodes, r.Apps, r.AllocationsPerSecond, r.Heartbeats, r.HeartbeatInterval, r.HeartbeatP50, r.HeartbeatP99, r.AllocateP50, r.AllocateP99,
		r.Errors, r.RMCores, r.SimCores, r.RMRSS>>20, r.RMPeakRSS>>20)
}

// Run registers the nodes and AMs, runs the warm-up and the measurement,
// and reports. The applications are left running: the RM is expected to
// be thrown away after a simulation.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	stats := &recorder{}
	var conns []*grpc.ClientConn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	dial := func(addr string, tls *pki.Material) (*grpc.ClientConn, error) {
		c, err := grpc.NewClient(addr, pki.GRPCDialOption(tls))
		if err == nil {
			conns = append(conns, c)
		}
		return c, err
	}

	nodes := make([]*simNode, cfg.Nodes)
	byID := make(map[string]*simNode, cfg.Nodes)
	var tracker pb.ResourceTrackerClient
	for i := range nodes {
		if i%nodesPerConn == 0 {
			c, err := dial(cfg.TrackerAddress, cfg.NodeTLS)
			if err != nil {
				return Report{}, fmt.Errorf("sls: dial resource tracker %s: %w", cfg.TrackerAddress, err)
			}
			tracker = pb.NewResourceTrackerClient(c)
		}
		id := nodeID(cfg, i)
		nodes[i] = newSimNode(id, &pb.Resource{MemoryMb: cfg.NodeMemoryMB, Vcores: cfg.NodeVCores}, tracker, stats)
		byID[id] = nodes[i]
	}
	if err := parallel(ctx, len(nodes), 32, func(i int) error { return nodes[i].register(ctx) }); err != nil {
		return Report{}, fmt.Errorf("sls: register nodes: %w", err)
	}
	lg.Info("nodes registered", zap.Int("nodes", len(nodes)))

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	for _, n := range nodes {
		n.mu.Lock()
		phase := time.Duration(rand.Int64N(int64(n.interval)))
		n.mu.Unlock()
		wg.Go(func() { n.heartbeatLoop(runCtx, phase) })
	}

	cc, err := dial(cfg.ClientAddress, cfg.ClientTLS)
	if err != nil {
		return Report{}, fmt.Errorf("sls: dial RM %s: %w", cfg.ClientAddress, err)
	}
	client, amc := pb.NewApplicationClientClient(cc), pb.NewApplicationMasterClient(cc)
	want := int(float64(cfg.Nodes*cfg.slotsPerNode()) * cfg.Fill / float64(cfg.Apps))
	apps := make([]*simApp, cfg.Apps)
	if err := parallel(ctx, len(apps), 8, func(i int) error {
		id, actx, err := submitApp(ctx, client, amc, fmt.Sprintf("sls-%d", i))
		if err != nil {
			return err
		}
		apps[i] = &simApp{id: id, am: amc, ctx: actx, want: want, nodes: byID, cfg: &cfg, stats: stats, priority: 1}
		return nil
	}); err != nil {
		return Report{}, err
	}
	lg.Info("applications registered", zap.Int("apps", len(apps)), zap.Int("containersEach", want))
	for _, a := range apps {
		phase := time.Duration(rand.Int64N(int64(cfg.AMInterval)))
		wg.Go(func() { a.loop(runCtx, phase) })
	}
	defer wg.Wait()
	defer stop()

	select {
	case <-ctx.Done():
		return Report{}, ctx.Err()
	case <-time.After(cfg.Warmup):
	}
	rmCPU0, simCPU0 := cpuOf(cfg.RMPid), cpuOf(os.Getpid())
	start := time.Now()
	stats.measuring.Store(true)
	select {
	case <-ctx.Done():
		return Report{}, ctx.Err()
	case <-time.After(cfg.Duration):
	}
	stats.measuring.Store(false)
	elapsed := time.Since(start)
	rmCPU, simCPU := cpuOf(cfg.RMPid)-rmCPU0, cpuOf(os.Getpid())-simCPU0

	stats.mu.Lock()
	defer stats.mu.Unlock()
	r := Report{
		Nodes: cfg.Nodes, Apps: cfg.Apps,
		Allocations: stats.allocations, Elapsed: elapsed,
		AllocationsPerSecond: float64(stats.allocations) / elapsed.Seconds(),
		Heartbeats:           len(stats.heartbeats),
		HeartbeatInterval:    time.Duration(stats.longestInterval.Load()),
		HeartbeatP50:         quantile(stats.heartbeats, 0.5), HeartbeatP99: quantile(stats.heartbeats, 0.99),
		AllocateP50: quantile(stats.allocates, 0.5), AllocateP99: quantile(stats.allocates, 0.99),
		Errors:   stats.heartbeatErrors + stats.allocateErrors,
		RMCores:  rmCPU.Seconds() / elapsed.Seconds(),
		SimCores: simCPU.Seconds() / elapsed.Seconds(),
	}
	if cfg.RMPid != 0 {
		r.RMRSS, r.RMPeakRSS, _ = processMemory(cfg.RMPid)
	}
	return r, nil
}

// cpuOf is pid's CPU time, 0 for pid 0 or an unreadable process.
func cpuOf(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	d, _ := processCPU(pid)
	return d
}

// parallel runs fn(0..n-1) with at most width at once and returns the
// first error.
func parallel(ctx context.Context, n, width int, fn func(int) error) error {
	sem := make(chan struct{}, width)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return ctx.Err()
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := fn(i); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// nodeID is simulated node i's id, host:port. The simulated hosts are
// distinct; with TLS, a node speaks only for hosts its certificate names,
// so the nodes share its first host and differ by port.
func nodeID(cfg Config, i int) string {
	if cfg.NodeTLS == nil {
		return fmt.Sprintf("sls-%05d:8041", i)
	}
	id, err := cfg.NodeTLS.Identity()
	host := "127.0.0.1"
	if err == nil && len(id.Hosts) > 0 && !id.HasHost(host) {
		host = id.Hosts[0]
	}
	return net.JoinHostPort(host, strconv.Itoa(20000+i))
}
