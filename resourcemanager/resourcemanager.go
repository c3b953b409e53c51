package resourcemanager

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/bindaddr"
	"github.com/spindlehq/spindle/eventlog"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/membership"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/resourcemanager/scheduler"
	"github.com/spindlehq/spindle/resourcemanager/webapp"
	"github.com/spindlehq/spindle/token"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// memberName starts the RM's name in the gossip cluster. Each RM process
// adds its start time, as each NM does: memberlist refuses a name it knows
// at another address until the old entry is reaped, so a restarted RM on a
// new gossip port would otherwise not be gossiped with, and lost nodes
// would only be noticed by heartbeat expiry, for a while after each restart.
const memberName = "resourcemanager"

// ResourceManager is a running RM daemon.
type ResourceManager struct {
	cfg Config
	lg  *zap.Logger
	// signer signs container tokens, attemptSigner attempt tokens, each
	// with master keys rolled on a schedule (containerKeys, attemptKeys).
	signer        *token.Signer
	attemptSigner *token.Signer
	containerKeys *token.Roller
	attemptKeys   *token.Roller
	// gossipKey encrypts the memberlist gossip; NMs get it when they
	// register.
	gossipKey []byte
	sched     *scheduler.Scheduler
	// clusterTS is the cluster timestamp of ids handed out now, in ms:
	// the RM's start, or in a group the time it became active.
	clusterTS atomic.Int64
	metrics   *metrics
	// clientSecret, when set, must accompany submit and kill calls.
	clientSecret []byte
	// webAuth checks every web request that views or changes something.
	webAuth webapp.Authorizer
	// ui serves the pages, the proxy and history.
	ui http.Handler
	// appJSONCache holds the REST encoding of finished applications, by
	// id.
	appJSONCache sync.Map
	// history serves finished applications' pages from their event logs;
	// nil = none.
	history *eventlog.History
	// state keeps applications across restarts; nil when recovery is off.
	state appStore
	// ha is this RM's part in an RM group; nil for a single RM.
	ha *haRole

	// stopped makes a second Stop a no-op.
	stopped atomic.Bool

	mu         sync.Mutex
	nodes      map[string]*rmNode
	apps       map[string]*rmApp
	attempts   map[string]*rmAttempt
	containers map[string]*rmContainer
	appSeq     int64
	// runningNodes counts the nodes in state RUNNING.
	runningNodes int

	connMu    sync.Mutex
	nodeConns map[string]*grpc.ClientConn

	member        *membership.Member
	clientLis     net.Listener
	trackerLis    net.Listener
	webLis        net.Listener
	clientServer  *grpc.Server
	trackerServer *grpc.Server
	webServer     *http.Server
	cancel        context.CancelFunc
	done          sync.WaitGroup
	// schedKick asks scheduleOnKick for a scheduling pass.
	schedKick chan struct{}
}

// Addresses are the addresses an RM is serving on.
type Addresses struct {
	Client     string `json:"client"`
	Tracker    string `json:"resourceTracker"`
	Web        string `json:"webapp"`
	Memberlist string `json:"memberlist"`
}

// New checks cfg and prepares an RM; Start serves it.
func New(cfg Config) (*ResourceManager, error) {
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
	if cfg.ACLs != nil {
		cfg.ACLs.Logger = lg.Named("acl")
	}
	var err error
	rm := &ResourceManager{
		cfg:        cfg,
		lg:         lg,
		nodes:      map[string]*rmNode{},
		apps:       map[string]*rmApp{},
		attempts:   map[string]*rmAttempt{},
		containers: map[string]*rmContainer{},
		nodeConns:  map[string]*grpc.ClientConn{},
		schedKick:  make(chan struct{}, 1),
	}
	rm.clusterTS.Store(time.Now().UnixMilli())
	schedCfg := cfg.Scheduler
	schedCfg.ContainerID = rm.containerID
	if rm.sched, err = scheduler.New(schedCfg); err != nil {
		return nil, fmt.Errorf("resourcemanager: scheduler: %w", err)
	}
	if cfg.ClientSecretFile != "" {
		if rm.clientSecret, err = token.LoadSecret(cfg.ClientSecretFile); err != nil {
			return nil, fmt.Errorf("resourcemanager: client secret (spindle.client.secret-file): %w", err)
		}
	}
	rm.webAuth = cfg.WebAuthorizer
	if rm.webAuth == nil {
		rm.webAuth = aclAuthorizer{rm: rm, secret: webapp.ClientSecretAuthorizer{Secret: rm.clientSecret}}
	}
	if cfg.HistoryDir != "" {
		if rm.history, err = openHistory(cfg.HistoryDir, rm.lg.Named("history")); err != nil {
			return nil, err
		}
	}
	if rm.ui, err = rm.webUI(); err != nil {
		return nil, fmt.Errorf("resourcemanager: web UI: %w", err)
	}
	rm.metrics = newMetrics(rm)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if cfg.HA != nil {
		rm.ha = &haRole{cfg: *cfg.HA}
	} else if cfg.RecoveryEnabled {
		if err := protectStateDir(cfg.StateStoreURI); err != nil {
			return nil, fmt.Errorf("resourcemanager: state store %s: %w", cfg.StateStoreURI, err)
		}
		if rm.state, err = openStateStore(ctx, cfg.StateStoreURI); err != nil {
			return nil, err
		}
	}
	rm.newKeys()
	if err := rm.loadKeys(ctx); err != nil {
		if rm.state != nil {
			rm.state.close()
		}
		return nil, err
	}
	if rm.state != nil {
		if err := rm.recover(ctx); err != nil {
			rm.state.close()
			return nil, err
		}
	}
	return rm, nil
}

// containerID names the seq-th container of an attempt in YARN's format.
func (rm *ResourceManager) containerID(attemptID string, seq int64) string {
	at, err := ids.ParseAttemptID(attemptID)
	if err != nil {
		return fmt.Sprintf("container_%s_%06d", attemptID, seq)
	}
	return ids.ContainerID{Attempt: at, ID: seq}.String()
}

// Start listens on the configured addresses, joins the gossip cluster and
// starts the liveness monitor. It returns once everything is serving.
func (rm *ResourceManager) Start(ctx context.Context) error {
	var err error
	if rm.clientLis, err = bindaddr.Listen("yarn.resourcemanager.address", rm.cfg.ClientAddress, rm.cfg.BindHost); err != nil {
		return fmt.Errorf("resourcemanager: %w", err)
	}
	if rm.trackerLis, err = bindaddr.Listen("yarn.resourcemanager.resource-tracker.address", rm.cfg.TrackerAddress, rm.cfg.BindHost); err != nil {
		rm.clientLis.Close()
		return fmt.Errorf("resourcemanager: %w", err)
	}
	if rm.webLis, err = bindaddr.Listen("yarn.resourcemanager.webapp.address", rm.cfg.WebAddress, rm.cfg.BindHost); err != nil {
		rm.clientLis.Close()
		rm.trackerLis.Close()
		return fmt.Errorf("resourcemanager: %w", err)
	}
	// Refuse to hand NMs, AMs and gossip an address that leads elsewhere.
	clientAddr, ownIP, err := bindaddr.Checked("yarn.resourcemanager.address", rm.cfg.ClientAddress, rm.clientLis.Addr())
	if err != nil {
		rm.clientLis.Close()
		rm.trackerLis.Close()
		rm.webLis.Close()
		return fmt.Errorf("resourcemanager: %w", err)
	}
	if h, _, _ := net.SplitHostPort(rm.cfg.ClientAddress); bindaddr.Wildcard(h) && ownIP.IsLoopback() {
		rm.lg.Warn("this host's name resolves to a loopback address, so NodeManagers and clients on other hosts cannot reach the ResourceManager: set yarn.resourcemanager.hostname", zap.String("address", clientAddr))
	}
	bindHost, _, _ := net.SplitHostPort(rm.clientLis.Addr().String())
	mcfg := rm.cfg.Membership.Derive(bindHost, ownIP)
	mcfg.Name = fmt.Sprintf("%s/%d", memberName, time.Now().UnixNano())
	mcfg.OnDead = rm.memberDead
	mcfg.SecretKey = rm.gossipKey
	mcfg.Logger = rm.lg.Named("memberlist")
	if rm.member, err = membership.Start(mcfg); err != nil {
		rm.clientLis.Close()
		rm.trackerLis.Close()
		rm.webLis.Close()
		return err
	}

	rm.clientServer = grpc.NewServer(rm.clientServerOptions()...)
	pb.RegisterApplicationClientServer(rm.clientServer, &clientService{rm: rm})
	pb.RegisterApplicationMasterServer(rm.clientServer, &amService{rm: rm})
	pb.RegisterResourceManagerAdministrationServer(rm.clientServer, &adminService{rm: rm})
	rm.trackerServer = grpc.NewServer(rm.trackerServerOptions()...)
	pb.RegisterResourceTrackerServer(rm.trackerServer, &trackerService{rm: rm})
	rm.webServer = &http.Server{Handler: rm.webAuthenticate(rm.standbyRedirect(rm.webHandler(rm.ui))), ReadHeaderTimeout: 10 * time.Second, ErrorLog: pki.HTTPErrorLog(rm.lg, "web")}

	runCtx, cancel := context.WithCancel(context.Background())
	// The group's node exists before the first call: a standby answers
	// every call, from the first, with where the active RM is.
	if err := rm.startHA(runCtx); err != nil {
		cancel()
		rm.clientLis.Close()
		rm.trackerLis.Close()
		rm.webLis.Close()
		rm.member.Leave(time.Second)
		return err
	}
	rm.cancel = cancel
	rm.serve(func() error { return rm.clientServer.Serve(rm.clientLis) })
	rm.serve(func() error { return rm.trackerServer.Serve(rm.trackerLis) })
	webLis := rm.webListener(rm.webLis)
	rm.serve(func() error { return rm.webServer.Serve(webLis) })
	rm.done.Add(1)
	go func() {
		defer rm.done.Done()
		rm.monitorLiveness(runCtx)
	}()
	if rm.history != nil {
		rm.done.Add(1)
		go func() {
			defer rm.done.Done()
			rm.history.Run(runCtx)
		}()
	}
	rm.done.Add(1)
	go func() {
		defer rm.done.Done()
		rm.scheduleOnKick(runCtx)
	}()
	// Attempts recovered from the state store ask for their AM
	// containers before any node has registered; nodes' registrations
	// kick the scheduler.
	rm.kickScheduler()
	rm.done.Add(1)
	go func() {
		defer rm.done.Done()
		rm.rollKeys(runCtx)
	}()
	a := rm.Addresses()
	if rm.plaintext() {
		pki.WarnPlaintext(rm.lg, "resourcemanager")
	}
	rm.lg.Info("resourcemanager started",
		zap.String("client", a.Client), zap.String("resourceTracker", a.Tracker),
		zap.String("webapp", a.Web), zap.String("memberlist", a.Memberlist),
		zap.Int64("clusterTimestamp", rm.ClusterTimestamp()))
	return nil
}

func (rm *ResourceManager) serve(fn func() error) {
	rm.done.Add(1)
	go func() {
		defer rm.done.Done()
		if err := fn(); err != nil && !errors.Is(err, grpc.ErrServerStopped) && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			rm.lg.Error("server stopped", zap.Error(err))
		}
	}()
}

// Addresses returns where the RM serves; valid after Start.
func (rm *ResourceManager) Addresses() Addresses {
	return Addresses{
		Client:     bindaddr.Advertised(rm.cfg.ClientAddress, rm.clientLis.Addr()),
		Tracker:    bindaddr.Advertised(rm.cfg.TrackerAddress, rm.trackerLis.Addr()),
		Web:        bindaddr.Advertised(rm.cfg.WebAddress, rm.webLis.Addr()),
		Memberlist: rm.member.Address(),
	}
}

// ClusterTimestamp is the RM's start time in ms, the first part of every id.
func (rm *ResourceManager) ClusterTimestamp() int64 { return rm.clusterTS.Load() }

// Stop stops serving. Running containers are left to their NMs.
func (rm *ResourceManager) Stop(ctx context.Context) error {
	if rm.cancel == nil || rm.stopped.Swap(true) {
		return nil // never started, or stopped already
	}
	rm.cancel()
	stopped := make(chan struct{})
	go func() {
		rm.clientServer.GracefulStop()
		rm.trackerServer.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-ctx.Done():
		rm.clientServer.Stop()
		rm.trackerServer.Stop()
	}
	err := rm.webServer.Shutdown(ctx)
	if lerr := rm.member.Leave(time.Second); err == nil {
		err = lerr
	}
	rm.done.Wait()
	rm.stopHA()
	if rm.state != nil {
		rm.state.close()
	}
	rm.connMu.Lock()
	for _, c := range rm.nodeConns {
		c.Close()
	}
	rm.connMu.Unlock()
	rm.lg.Info("resourcemanager stopped")
	return err
}
