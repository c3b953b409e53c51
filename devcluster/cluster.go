package devcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/minihdfs"
	"github.com/spindlehq/spindle/internal/netns"
	"github.com/spindlehq/spindle/nodemanager"
	"github.com/spindlehq/spindle/pki"
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
	where placement
	sup   *supervisor
	rm    *daemon
	nms   []*daemon
	kafka *kfake.Cluster
	// tls are the cluster's CA and certificates, made at start.
	tls  pki.Local
	hdfs *minihdfs.Cluster
	env  []string
	conn *failover.Conn
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
	// HDFS is the in-process HDFS's URI (hdfs://host:port), "" without one.
	HDFS string
	// Hosts are the test hosts' addresses by name, none on one machine.
	Hosts map[string]string
	// ConfDir is a client configuration dir pointing at this cluster
	// (SPINDLE_CONF_DIR for spindle submit, application, node, logs).
	ConfDir string
	// TLS are the cluster's CA and certificates, the user's among them.
	TLS pki.Local
}

// NodeManagerInfo is one NM of a dev cluster.
type NodeManagerInfo struct {
	nodemanager.Addresses
	// PID is the NM's process.
	PID int
	// Dir holds the NM's local dirs, container logs and own log.
	Dir string
	// Host is its test host's name ("" on one machine).
	Host string
}

// Start starts Kafka, the HDFS if asked for, the RM and the NMs, and
// returns once every NM is RUNNING in the RM. From then on a daemon that
// dies is started again, as a supervisor would. On error, whatever was
// started is stopped.
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
	if !cfg.RandomPorts && !cfg.Hosts {
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
	var err error
	if c.where, err = newPlacement(c.cfg.Hosts, c.cfg.NodeManagers, c.lg); err != nil {
		return err
	}
	var hostIPs []net.IP
	if c.where.net != nil {
		for _, h := range c.where.net.Hosts() {
			hostIPs = append(hostIPs, h.IP)
		}
	}
	if c.tls, err = CreateTLS(c.dir, hostIPs...); err != nil {
		return err
	}
	port := func(p int) int {
		if c.cfg.RandomPorts {
			return 0
		}
		return p
	}
	if c.kafka, err = c.where.startKafka(port(KafkaPort), c.cfg.Topics, c.cfg.KafkaSegmentBytes); err != nil {
		return err
	}
	c.lg.Info("kafka started", zap.Strings("brokers", c.kafka.ListenAddrs()))
	if c.cfg.HDFS {
		var confDir string
		if c.hdfs, confDir, err = c.where.startHDFS(c.dir, c.lg); err != nil {
			return err
		}
		c.env = append(c.env, "HADOOP_CONF_DIR="+confDir)
		c.lg.Info("hdfs started", zap.String("namenode", c.hdfs.Addr()))
	}
	c.sup = &supervisor{
		binary: c.cfg.Binary, env: c.env, startTimeout: c.cfg.StartTimeout, stopTimeout: c.cfg.StopTimeout, out: c.cfg.Out, lg: c.lg,
		common: append([]string{
			// Heartbeats five times a second: containers start and end
			// promptly.
			"yarn.resourcemanager.nodemanagers.heartbeat-interval-ms=200",
		}, c.cfg.DaemonConf...),
	}
	if c.cfg.RMs > 1 {
		err = c.startRMGroup(ctx)
	} else {
		err = c.startRM(ctx, port)
	}
	if err != nil {
		return err
	}
	for i := range c.cfg.NodeManagers {
		if err := c.startNM(ctx, i); err != nil {
			return err
		}
	}
	client, err := c.tls.ClientMaterial()
	if err != nil {
		return err
	}
	if c.conn, err = failover.DialEncoded(c.RMAddresses().Client, failover.DefaultPolicy(), pki.GRPCDialOption(client)); err != nil {
		return fmt.Errorf("devcluster: dial the ResourceManager at %s: %w", c.RMAddresses().Client, err)
	}
	if err := c.waitNodes(ctx); err != nil {
		return err
	}
	in := c.Info()
	return WriteClientConf(in.ConfDir, in.Dir, ClientSite(in.RM, in.RMs), in.TLS)
}

// startRM starts the RM on the rm host (or 127.0.0.1) at YARN's ports or
// ports the OS chooses, kept across its restarts, as is its state store
// under its spindle.tmp.dir.
func (c *Cluster) startRM(ctx context.Context, port func(int) int) error {
	h, ip := c.where.host(HostRM)
	dir := filepath.Join(c.dir, "rm")
	d := &daemon{
		name: "resourcemanager", role: "resourcemanager", dir: dir, host: h,
		conf: append(append(c.tls.RMConf(),
			"spindle.tmp.dir="+dir,
			"yarn.resourcemanager.hostname="+ip,
			"yarn.resourcemanager.address="+c.where.addr(HostRM, port(RMClientPort)),
			"yarn.resourcemanager.resource-tracker.address="+c.where.addr(HostRM, port(RMTrackerPort)),
			"yarn.resourcemanager.webapp.address="+c.where.addr(HostRM, port(RMWebPort)),
			"spindle.memberlist.bind-address="+net.JoinHostPort(ip, "0"),
		), c.cfg.RMConf...),
		ready: func() any { return &resourcemanager.Addresses{} },
		fixed: func(r any) []string {
			a := r.(*resourcemanager.Addresses)
			return []string{
				"yarn.resourcemanager.address=" + a.Client,
				"yarn.resourcemanager.resource-tracker.address=" + a.Tracker,
				"yarn.resourcemanager.webapp.address=" + a.Web,
			}
		},
	}
	if err := c.sup.start(ctx, d); err != nil {
		return err
	}
	c.rm = d
	c.lg.Info("resourcemanager started", zap.Int("pid", d.PID()), zap.String("client", c.RMAddresses().Client))
	return nil
}

// startNM starts NM i on its host (or 127.0.0.1), on ports the OS chooses
// and keeps across its restarts, so that its node id stays the same.
func (c *Cluster) startNM(ctx context.Context, i int) error {
	h, ip := c.where.host(NMHost(i))
	dir := filepath.Join(c.dir, "nm"+strconv.Itoa(i))
	d := &daemon{
		name: "nodemanager-" + strconv.Itoa(i), role: "nodemanager", dir: dir, host: h,
		conf: append(append(c.rmConf(), c.tls.NMConf()...),
			"spindle.tmp.dir="+dir,
			"yarn.nodemanager.hostname="+ip,
			"yarn.nodemanager.address="+net.JoinHostPort(ip, "0"),
			"yarn.nodemanager.webapp.address="+net.JoinHostPort(ip, "0"),
			"spindle.memberlist.bind-address="+net.JoinHostPort(ip, "0"),
			"yarn.nodemanager.resource.memory-mb="+c.cfg.NMMemory,
			"yarn.nodemanager.resource.cpu-vcores="+strconv.Itoa(c.cfg.NMVCores),
			// A dev cluster is one user's: its containers run as that user.
			"spindle.nodemanager.insecure-containers-run-as-nodemanager-user=true",
		),
		ready: func() any { return &nodemanager.Addresses{} },
		fixed: func(r any) []string {
			a := r.(*nodemanager.Addresses)
			return []string{"yarn.nodemanager.address=" + a.NodeID, "yarn.nodemanager.webapp.address=" + a.Web}
		},
	}
	if err := c.sup.start(ctx, d); err != nil {
		return err
	}
	c.nms = append(c.nms, d)
	c.lg.Info("nodemanager started", zap.Int("pid", d.PID()), zap.String("node", c.NMAddresses()[i].NodeID))
	return nil
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

// Env is what the daemons' environment adds to this process's (the
// Hadoop configuration dir with an HDFS); clients of the cluster need it
// too.
func (c *Cluster) Env() []string { return append([]string(nil), c.env...) }

// Network is the cluster's test hosts, nil on one machine.
func (c *Cluster) Network() *netns.Network { return c.where.net }

// Kafka is the in-process Kafka cluster.
func (c *Cluster) Kafka() *kfake.Cluster { return c.kafka }

// HDFS is the in-process HDFS, nil without one.
func (c *Cluster) HDFS() *minihdfs.Cluster { return c.hdfs }

// RMAddresses are the RM's addresses, the same across its restarts.
func (c *Cluster) RMAddresses() resourcemanager.Addresses {
	if c.group != nil {
		return c.group.joined
	}
	c.rm.mu.Lock()
	defer c.rm.mu.Unlock()
	return *c.rm.addrs.(*resourcemanager.Addresses)
}

// NMAddresses are each NM's addresses, the same across restarts.
func (c *Cluster) NMAddresses() []nodemanager.Addresses {
	out := make([]nodemanager.Addresses, len(c.nms))
	for i, d := range c.nms {
		d.mu.Lock()
		out[i] = *d.addrs.(*nodemanager.Addresses)
		d.mu.Unlock()
	}
	return out
}

// Info says where the cluster serves.
func (c *Cluster) Info() Info {
	in := Info{
		Dir:            c.dir,
		Kafka:          c.kafka.ListenAddrs(),
		Topics:         c.cfg.Topics,
		CheckpointRoot: "file://" + filepath.Join(c.dir, "checkpoints"),
		OutputRoot:     "file://" + filepath.Join(c.dir, "output"),
		ConfDir:        filepath.Join(c.dir, "conf"),
		TLS:            c.tls,
	}
	if c.hdfs != nil {
		in.HDFS = c.hdfs.URL()
	}
	if c.where.net != nil {
		in.Hosts = map[string]string{}
		for _, h := range c.where.net.Hosts() {
			in.Hosts[h.Name] = h.IP.String()
		}
	}
	if c.rm != nil {
		in.RM, in.RMPID = c.RMAddresses(), c.rm.PID()
	}
	in.RMs = c.rmInfos()
	for i, a := range c.NMAddresses() {
		nm := NodeManagerInfo{Addresses: a, PID: c.nms[i].PID(), Dir: c.nms[i].dir}
		if c.where.net != nil {
			nm.Host = NMHost(i)
		}
		in.NodeManagers = append(in.NodeManagers, nm)
	}
	return in
}

// daemonNamed finds a daemon: "resourcemanager" or "nodemanager-<i>".
func (c *Cluster) daemonNamed(name string) (*daemon, error) {
	for _, d := range append(c.rmDaemons(), c.nms...) {
		if d != nil && d.name == name {
			return d, nil
		}
	}
	return nil, fmt.Errorf("devcluster: no daemon %q", name)
}

// KillDaemon SIGKILLs the daemon called name (resourcemanager,
// nodemanager-<i>), the process alone, and has its supervisor start it
// again no sooner than downFor from now. It returns the killed pid.
func (c *Cluster) KillDaemon(name string, downFor time.Duration) (int, error) {
	d, err := c.daemonNamed(name)
	if err != nil {
		return 0, err
	}
	p := d.holdDown(downFor)
	p.Kill()
	return p.PID(), nil
}

// HoldDaemon tells the supervisor that the daemon called name is about
// to die by the caller's doing (its host crashing) and keeps it down for
// downFor. It returns its pid.
func (c *Cluster) HoldDaemon(name string, downFor time.Duration) (int, error) {
	d, err := c.daemonNamed(name)
	if err != nil {
		return 0, err
	}
	return d.holdDown(downFor).PID(), nil
}

// StartedAt is when the daemon called name last served, after its start
// or its latest restart.
func (c *Cluster) StartedAt(name string) time.Time {
	d, err := c.daemonNamed(name)
	if err != nil {
		return time.Time{}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.startedAt
}

// Crashes lists the daemons' exits that nobody caused, each started
// again by its supervisor.
func (c *Cluster) Crashes() []string {
	var out []string
	for _, d := range append(c.rmDaemons(), c.nms...) {
		if d == nil {
			continue
		}
		d.mu.Lock()
		out = append(out, d.crashes...)
		d.mu.Unlock()
	}
	return out
}

// Stop stops the NMs (which stop their containers) in parallel, then the
// RM, then Kafka, the HDFS and the test hosts. A daemon still running
// StopTimeout after SIGTERM, or when ctx ends, is killed with its process
// group. Stop is idempotent.
func (c *Cluster) Stop(ctx context.Context) error {
	c.stopOnce.Do(func() {
		var mu sync.Mutex
		var errs []error
		stop := func(d *daemon) {
			if err := c.sup.stop(d, ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}
		var wg sync.WaitGroup
		for _, d := range c.nms {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stop(d)
			}()
		}
		wg.Wait()
		for _, p := range c.rmDaemons() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stop(p)
			}()
		}
		wg.Wait()
		if c.sup != nil {
			c.sup.wg.Wait()
		}
		if c.conn != nil {
			c.conn.Close()
		}
		if c.kafka != nil {
			c.kafka.Close()
		}
		if c.hdfs != nil {
			c.hdfs.Close()
		}
		if err := c.where.close(); err != nil {
			errs = append(errs, err)
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
