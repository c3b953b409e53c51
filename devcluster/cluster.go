package devcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/nodemanager"
	"github.com/spindlehq/spindle/resourcemanager"
	"github.com/spindlehq/spindle/resourcemanager/failover"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap"
)

// Cluster is a running dev cluster.
type Cluster struct {
	cfg   Config
	dir   string
	lg    *zap.Logger
	rm    *process
	rmAdr resourcemanager.Addresses
	nms   []*process
	nmAdr []nodemanager.Addresses
	kafka *kfake.Cluster
	conn  *failover.Conn
	// group is the HA group of RMs, when Config.RMs > 1.
	group *rmGroup

	stopOnce sync.Once
	stopErr  error
}

// Info says where a dev cluster serves and keeps its files.
type Info struct {
	// Dir is the cluster's directory, absolute.
	Dir string
	// RM is the ResourceManager's addresses; RMPID its process. For an
	// HA group RM.Client lists every RM's client address and the rest are
	// the first RM's; RMs has each.
	RM    resourcemanager.Addresses
	RMPID int
	RMs   []RMInfo
	// NodeManagers are each NM's addresses and process.
	NodeManagers []NodeManagerInfo
	// Kafka is the in-process broker's bootstrap addresses.
	Kafka []string
	// Topics are the topics created at start, with their partitions.
	Topics map[string]int32
	// CheckpointRoot is the file:// URI checkpoints go under.
	CheckpointRoot string
	// OutputRoot is the file:// URI sinks write under.
	OutputRoot string
	// ConfDir is a client configuration dir pointing at this cluster
	// (SPINDLE_CONF_DIR for spindle submit, application, node, logs).
	ConfDir string
}

// NodeManagerInfo is one NM of a dev cluster.
type NodeManagerInfo struct {
	nodemanager.Addresses
	// PID is the NM's process.
	PID int
	// Dir holds the NM's local dirs, container logs and own log.
	Dir string
}

// Start starts Kafka, the RM and the NMs and returns once every NM is
// RUNNING in the RM. On error, whatever was started is stopped.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Out == nil {
		cfg.Out = DefaultConfig().Out
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("devcluster: directory %s: %w", cfg.Dir, err)
	}
	if !cfg.RandomPorts {
		ports := []int{RMClientPort, RMTrackerPort, RMWebPort, KafkaPort}
		if cfg.RMs > 1 {
			ports = append(groupPorts(cfg.RMs), KafkaPort)
		}
		if err := checkPortsFree(ports...); err != nil {
			return nil, err
		}
	}
	if err := prepareDir(dir); err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg, dir: dir, lg: cfg.Logger}
	if err := c.start(ctx); err != nil {
		c.Stop(context.Background())
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(ctx context.Context) error {
	kafkaPort := 0
	if !c.cfg.RandomPorts {
		kafkaPort = KafkaPort
	}
	k, err := startKafka(kafkaPort, c.cfg.Topics)
	if err != nil {
		return err
	}
	c.kafka = k
	c.lg.Info("kafka started", zap.Strings("brokers", k.ListenAddrs()))

	port := func(p int) string {
		if c.cfg.RandomPorts {
			return "127.0.0.1:0"
		}
		return "127.0.0.1:" + strconv.Itoa(p)
	}
	if c.cfg.RMs > 1 {
		if err := c.startRMGroup(ctx); err != nil {
			return err
		}
	} else {
		rmDir := filepath.Join(c.dir, "rm")
		c.rm, err = c.startDaemon(ctx, "resourcemanager", "resourcemanager", rmDir, &c.rmAdr,
			"spindle.tmp.dir="+rmDir,
			"yarn.resourcemanager.hostname=127.0.0.1",
			"yarn.resourcemanager.address="+port(RMClientPort),
			"yarn.resourcemanager.resource-tracker.address="+port(RMTrackerPort),
			"yarn.resourcemanager.webapp.address="+port(RMWebPort))
		if err != nil {
			return err
		}
		c.lg.Info("resourcemanager started", zap.Int("pid", c.rm.PID()), zap.String("client", c.rmAdr.Client))
	}
	for i := 0; i < c.cfg.NodeManagers; i++ {
		nmDir := filepath.Join(c.dir, "nm"+strconv.Itoa(i))
		var a nodemanager.Addresses
		p, err := c.startDaemon(ctx, "nodemanager", "nodemanager-"+strconv.Itoa(i), nmDir, &a, append(c.rmConf(),
			"spindle.tmp.dir="+nmDir,
			"yarn.nodemanager.hostname=127.0.0.1",
			"yarn.nodemanager.address=127.0.0.1:0",
			"yarn.nodemanager.webapp.address=127.0.0.1:0",
			"yarn.nodemanager.resource.memory-mb="+c.cfg.NMMemory,
			"yarn.nodemanager.resource.cpu-vcores="+strconv.Itoa(c.cfg.NMVCores))...)
		if err != nil {
			return err
		}
		c.nms = append(c.nms, p)
		c.nmAdr = append(c.nmAdr, a)
		c.lg.Info("nodemanager started", zap.Int("pid", p.PID()), zap.String("node", a.NodeID))
	}
	if c.conn, err = failover.DialEncoded(c.rmAdr.Client, failover.DefaultPolicy()); err != nil {
		return fmt.Errorf("devcluster: dial the ResourceManager at %s: %w", c.rmAdr.Client, err)
	}
	if err := c.waitNodes(ctx); err != nil {
		return err
	}
	return writeClientConf(c.Info())
}

// startDaemon runs `spindle <role>` as name with the shared settings and
// conf, and waits for its ready file.
func (c *Cluster) startDaemon(ctx context.Context, role, name, dir string, ready any, conf ...string) (*process, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("devcluster: directory of %s: %w", name, err)
	}
	readyFile := filepath.Join(dir, "ready.json")
	os.Remove(readyFile)
	args := []string{role, "--ready-file", readyFile}
	common := []string{
		"spindle.cluster.secret-file=" + filepath.Join(c.dir, "cluster-secret"),
		"spindle.memberlist.bind-address=127.0.0.1:0",
		// Heartbeats five times a second make the demo start quickly.
		"yarn.resourcemanager.nodemanagers.heartbeat-interval-ms=200",
	}
	for _, kv := range append(common, conf...) {
		args = append(args, "--conf", kv)
	}
	p, err := startProcess(name, c.cfg.Binary, args, filepath.Join(dir, name+".out"))
	if err != nil {
		return nil, err
	}
	if err := p.waitReady(ctx, readyFile, c.cfg.StartTimeout, ready); err != nil {
		p.kill()
		return nil, err
	}
	return p, nil
}

// waitNodes waits until every NM is RUNNING in the RM.
func (c *Cluster) waitNodes(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.StartTimeout)
	defer cancel()
	client := pb.NewApplicationClientClient(c.conn)
	for {
		resp, err := client.GetClusterMetrics(ctx, &pb.GetClusterMetricsRequest{})
		if err == nil && int(resp.GetMetrics().GetActiveNodes()) >= len(c.nms) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devcluster: %d NodeManagers not all RUNNING in the ResourceManager within %v (last: %v)", len(c.nms), c.cfg.StartTimeout, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Client is a client of the RM's ApplicationClient service.
func (c *Cluster) Client() pb.ApplicationClientClient { return pb.NewApplicationClientClient(c.conn) }

// Binary is the spindle binary the daemons run.
func (c *Cluster) Binary() string { return c.cfg.Binary }

// Info says where the cluster serves.
func (c *Cluster) Info() Info {
	in := Info{
		Dir:            c.dir,
		RM:             c.rmAdr,
		Kafka:          c.kafka.ListenAddrs(),
		Topics:         c.cfg.Topics,
		CheckpointRoot: "file://" + filepath.Join(c.dir, "checkpoints"),
		OutputRoot:     "file://" + filepath.Join(c.dir, "output"),
		ConfDir:        filepath.Join(c.dir, "conf"),
	}
	if c.rm != nil {
		in.RMPID = c.rm.PID()
	}
	in.RMs = c.rmInfos()
	for i, p := range c.nms {
		in.NodeManagers = append(in.NodeManagers, NodeManagerInfo{Addresses: c.nmAdr[i], PID: p.PID(), Dir: filepath.Join(c.dir, "nm"+strconv.Itoa(i))})
	}
	return in
}

// Exited is closed when a daemon exits by itself; the error names it.
func (c *Cluster) Exited(ctx context.Context) error {
	cases := make(chan *process, len(c.nms)+len(c.rmProcesses()))
	for _, p := range append(c.rmProcesses(), c.nms...) {
		go func() {
			select {
			case <-p.Exited():
				cases <- p
			case <-ctx.Done():
			}
		}()
	}
	select {
	case p := <-cases:
		return fmt.Errorf("%w: %s (pid %d) exited: %v; the end of %s:\n%s", ErrDaemonExited, p.name, p.PID(), p.ExitErr(), p.logPath, p.tail(2048))
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop stops the NMs (which stop their containers) in parallel, then the
// RM, then Kafka. A daemon still running StopTimeout after SIGTERM, or when
// ctx ends, is killed with its process group. Stop is idempotent.
func (c *Cluster) Stop(ctx context.Context) error {
	c.stopOnce.Do(func() {
		var mu sync.Mutex
		var errs []error
		stop := func(p *process) {
			done := make(chan bool, 1)
			go func() { done <- p.stop(c.cfg.StopTimeout) }()
			var err error
			select {
			case clean := <-done:
				if !clean {
					err = fmt.Errorf("devcluster: %s (pid %d) did not stop within %v of SIGTERM; killed", p.name, p.PID(), c.cfg.StopTimeout)
				}
			case <-ctx.Done():
				p.kill()
				<-done
				err = fmt.Errorf("devcluster: %s (pid %d) killed: %w", p.name, p.PID(), ctx.Err())
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}
		var wg sync.WaitGroup
		for _, p := range c.nms {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stop(p)
			}()
		}
		wg.Wait()
		for _, p := range c.rmProcesses() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stop(p)
			}()
		}
		wg.Wait()
		if c.conn != nil {
			c.conn.Close()
		}
		if c.kafka != nil {
			c.kafka.Close()
		}
		c.lg.Info("dev cluster stopped", zap.String("dir", c.dir))
		c.stopErr = errors.Join(errs...)
	})
	return c.stopErr
}

// checkPortsFree fails with ErrPortInUse, naming the port, when one of
// ports on 127.0.0.1 is taken.
func checkPortsFree(ports ...int) error {
	for _, p := range ports {
		lis, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			return fmt.Errorf("%w: 127.0.0.1:%d (%v): stop what uses it (another spindle dev or ResourceManager?) or run with --random-ports", ErrPortInUse, p, err)
		}
		lis.Close()
	}
	return nil
}
