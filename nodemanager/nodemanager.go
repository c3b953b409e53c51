package nodemanager

import (
	"context"
	"errors"
	"fmt"
	"github.com/spindlehq/spindle/resourcemanager/failover"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/bindaddr"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/membership"
	"github.com/spindlehq/spindle/nodemanager/containermonitor"
	"github.com/spindlehq/spindle/nodemanager/launcher"
	"github.com/spindlehq/spindle/nodemanager/localizer"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/token"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// NodeManager is a running NM daemon.
type NodeManager struct {
	cfg     Config
	lg      *zap.Logger
	signer  *token.Signer
	monitor *containermonitor.Monitor
	local   *localizer.Localizer
	binary  string
	deleter *launcher.Deleter
	// logAgg uploads finished applications' logs and removes local copies.
	logAgg  *logAggregator
	metrics *metrics
	total   *pb.Resource

	nodeID     string
	lis        net.Listener
	webLis     net.Listener
	grpcServer *grpc.Server
	webServer  *http.Server
	rmConn     *failover.Conn
	tracker    pb.ResourceTrackerClient
	member     *membership.Member

	mu         sync.Mutex
	containers map[string]*container
	// appUsers is the user of each application that ran containers here,
	// kept after the containers are forgotten, so that YARN's log links
	// (…/containerlogs/<container>/<user>) resolve.
	appUsers  map[string]string
	heartbeat time.Duration
	// heartbeatNow asks the heartbeat loop for a heartbeat before the
	// interval is up (YARN's out-of-band heartbeat).
	heartbeatNow chan struct{}
	// appACLs are who may view each application's logs (recordAppACL).
	appACLs map[string]string
	// localUser is the user containers run as (ContainerUsers.LocalUser);
	// nil when they run as the NM's user.
	localUser *launcher.User

	cancel context.CancelFunc
	done   sync.WaitGroup
}

// Addresses are where an NM serves.
type Addresses struct {
	NodeID     string `json:"nodeId"`
	Web        string `json:"webapp"`
	Memberlist string `json:"memberlist"`
}

// New checks cfg and prepares an NM; it gets its keys when it registers.
func New(cfg Config) (*NodeManager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	if cfg.TLS != nil {
		cfg.TLS.SetLogger(lg.Named("tls"))
	}
	// The container token keys come from the RM when the NM registers:
	// until then no container starts.
	signer, err := token.NewSignerWithKeys(0, nil)
	if err != nil {
		return nil, err
	}
	mem, vc, err := resolveResources(cfg.MemoryMB, cfg.VCores)
	if err != nil {
		return nil, err
	}
	nm := &NodeManager{
		cfg:          cfg,
		lg:           lg,
		signer:       signer,
		total:        &pb.Resource{MemoryMb: mem, Vcores: vc},
		containers:   map[string]*container{},
		heartbeat:    time.Second,
		heartbeatNow: make(chan struct{}, 1),
		appACLs:      map[string]string{},
	}
	nm.metrics = newMetrics(nm)
	mcfg := containermonitor.DefaultConfig()
	mcfg.Interval = cfg.MonitorInterval
	mcfg.Logger = lg.Named("containermonitor")
	mcfg.OnExceeded = nm.memoryExceeded
	if nm.monitor, err = containermonitor.New(mcfg); err != nil {
		return nil, err
	}
	lcfg := localizer.DefaultConfig()
	lcfg.Logger = lg.Named("localizer")
	lcfg.LocalDirs, lcfg.CacheTargetBytes = cfg.LocalDirs, cfg.LocalizerCacheMB<<20
	if nm.local, err = localizer.New(lcfg); err != nil {
		return nil, err
	}
	nm.binary = cfg.SpindleBinary
	if nm.binary == "" {
		if nm.binary, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("nodemanager: find the spindle binary for {{SPINDLE_BINARY}}: %w", err)
		}
	}
	if err := nm.checkContainerUsers(); err != nil {
		return nil, err
	}
	dcfg := launcher.DefaultDeleterConfig()
	dcfg.Delay = cfg.DeleteDelay
	dcfg.Logger = lg.Named("deletion")
	if nm.deleter, err = launcher.NewDeleter(dcfg); err != nil {
		return nil, err
	}
	return nm, nil
}

// Start serves ContainerManagement and HTTP, registers with the RM (retrying
// until ctx ends) and starts heartbeating, monitoring and deletion.
func (nm *NodeManager) Start(ctx context.Context) error {
	var err error
	if nm.lis, err = bindaddr.Listen("yarn.nodemanager.address", nm.cfg.Address, nm.cfg.BindHost); err != nil {
		return fmt.Errorf("nodemanager: %w", err)
	}
	if nm.webLis, err = bindaddr.Listen("yarn.nodemanager.webapp.address", nm.cfg.WebAddress, nm.cfg.BindHost); err != nil {
		nm.lis.Close()
		return fmt.Errorf("nodemanager: %w", err)
	}
	// The node id is what AMs and the RM dial: refuse one that leads elsewhere.
	var ownIP net.IP
	if nm.nodeID, ownIP, err = bindaddr.Checked("yarn.nodemanager.address", nm.cfg.Address, nm.lis.Addr()); err != nil {
		nm.lis.Close()
		nm.webLis.Close()
		return fmt.Errorf("nodemanager: %w", err)
	}
	acfg := nm.cfg.logAggregationConfig()
	acfg.NodeID, acfg.Apps, acfg.Logger = nm.nodeID, nm.appsOnNode, nm.lg.Named("logaggregation")
	if nm.logAgg, err = newLogAggregator(acfg); err != nil {
		nm.lis.Close()
		nm.webLis.Close()
		return err
	}
	if h, _, _ := net.SplitHostPort(nm.cfg.Address); bindaddr.Wildcard(h) && ownIP.IsLoopback() {
		nm.lg.Warn("this host's name resolves to a loopback address, so AMs and the RM on other hosts cannot reach this node: set yarn.nodemanager.hostname", zap.String("node", nm.nodeID))
	}
	bindHost, _, _ := net.SplitHostPort(nm.lis.Addr().String())
	mcfg := nm.cfg.Membership.Derive(bindHost, ownIP)
	// A fresh name per process: gossip about a killed incarnation must not
	// reach the restarted one.
	mcfg.Name = fmt.Sprintf("%s/%d", nm.nodeID, time.Now().UnixNano())
	mcfg.Logger = nm.lg.Named("memberlist")
	if !nm.plaintext() {
		// Gossip is encrypted with the cluster's key, which the RM sends
		// when the NM registers; until then the NM gossips with nobody.
		if mcfg.SecretKey, err = membership.PlaceholderKey(); err != nil {
			return err
		}
	}
	if nm.member, err = membership.Start(mcfg); err != nil {
		nm.lis.Close()
		nm.webLis.Close()
		return err
	}
	if nm.rmConn, err = failover.DialEncoded(nm.cfg.ResourceTrackerAddress, nm.cfg.Failover, pki.GRPCDialOption(nm.cfg.TLS)); err != nil {
		return fmt.Errorf("nodemanager: ResourceManager address %s: %w", nm.cfg.ResourceTrackerAddress, err)
	}
	nm.tracker = pb.NewResourceTrackerClient(nm.rmConn)

	// AMs start and stop containers with container tokens, not certificates.
	nm.grpcServer = grpc.NewServer(pki.GRPCServerOption(nm.cfg.TLS, pki.ClientCertOptional, nm.lg, "ContainerManagement"))
	pb.RegisterContainerManagementServer(nm.grpcServer, &containerService{nm: nm})
	nm.webServer = &http.Server{Handler: nm.webAuthenticate(nm.webHandler()), ReadHeaderTimeout: 10 * time.Second, ErrorLog: pki.HTTPErrorLog(nm.lg, "web")}
	webLis := pki.Listener(nm.cfg.TLS, nm.webLis, pki.ClientCertRequired)
	runCtx, cancel := context.WithCancel(context.Background())
	nm.cancel = cancel
	nm.goRun(func() {
		if err := nm.grpcServer.Serve(nm.lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			nm.lg.Error("ContainerManagement server stopped", zap.Error(err))
		}
	})
	nm.goRun(func() {
		if err := nm.webServer.Serve(webLis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			nm.lg.Error("web server stopped", zap.Error(err))
		}
	})
	nm.goRun(func() { nm.monitor.Run(runCtx) })
	nm.goRun(func() { nm.deleter.Run(runCtx) })
	nm.goRun(func() { nm.logAgg.Run(runCtx) })

	if err := nm.register(ctx); err != nil {
		nm.Stop(context.Background())
		return err
	}
	nm.goRun(func() { nm.heartbeatLoop(runCtx) })
	if nm.plaintext() {
		pki.WarnPlaintext(nm.lg, "nodemanager")
	}
	nm.lg.Info("nodemanager started", zap.String("node", nm.nodeID), zap.String("webapp", nm.Addresses().Web),
		zap.Int64("memoryMB", nm.total.GetMemoryMb()), zap.Int32("vcores", nm.total.GetVcores()))
	return nil
}

func (nm *NodeManager) goRun(fn func()) {
	nm.done.Add(1)
	go func() {
		defer nm.done.Done()
		fn()
	}()
}

// Addresses returns where the NM serves; valid after Start.
func (nm *NodeManager) Addresses() Addresses {
	return Addresses{NodeID: nm.nodeID, Web: bindaddr.Advertised(nm.cfg.WebAddress, nm.webLis.Addr()), Memberlist: nm.member.Address()}
}

// NodeID is host:port of the NM's ContainerManagement service.
func (nm *NodeManager) NodeID() string { return nm.nodeID }

// Stop stops every container (SIGTERM, then SIGKILL after the sigkill
// delay), unregisters from the RM and stops serving.
func (nm *NodeManager) Stop(ctx context.Context) error {
	if nm.cancel == nil {
		return nil
	}
	nm.stopAll(ctx, nm.cfg.SigkillDelay, launch.ExitKilledByResourceManager, "Container killed on NodeManager shutdown")
	if nm.tracker != nil && nm.nodeID != "" {
		uctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		nm.tracker.UnRegisterNodeManager(uctx, &pb.UnRegisterNodeManagerRequest{NodeId: nm.nodeID})
		cancel()
	}
	nm.cancel()
	nm.grpcServer.Stop()
	err := nm.webServer.Shutdown(ctx)
	if nm.member != nil {
		nm.member.Leave(time.Second)
	}
	if nm.rmConn != nil {
		nm.rmConn.Close()
	}
	nm.done.Wait()
	nm.local.Close()
	nm.lg.Info("nodemanager stopped", zap.String("node", nm.nodeID))
	return err
}
