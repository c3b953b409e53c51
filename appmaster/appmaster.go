package appmaster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spindlehq/spindle/resourcemanager/failover"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/token"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// executorPriority is the priority of executor asks (the AM's own was 0).
const executorPriority = 1

// ErrTooManyExecutorFailures ends an application whose executors keep failing.
var ErrTooManyExecutorFailures = errors.New("appmaster: too many executor failures")

// AppMaster is one running ApplicationMaster.
type AppMaster struct {
	cfg      Config
	lg       *zap.Logger
	rm       pb.ApplicationMasterClient
	rmConn   *failover.Conn
	rmCtx    context.Context
	endpoint *driver.Endpoint
	taskSrv  *driver.Server
	nms      map[string]pb.ContainerManagementClient
	// shuffleSecret authenticates the executors' fetches of map outputs.
	shuffleSecret []byte

	// driverView is the last status of a driver that runs elsewhere
	// (client mode): the executors it knows of.
	driverView *pb.DriverStatusResponse
	executors  map[string]*executor // by container id
	released   map[string]bool      // containers this AM gave back
	nextExecID int
	failures   failureWindow
	failDiags  []string
	driver     *exec.Cmd
	driverDone chan struct{}
	metrics    *Metrics
	web        *http.Server // serves the metrics; its URL is the tracking URL
	asks       askBackoff

	// rmSeen is when the RM last answered.
	rmSeen time.Time

	// cannotRetry is set when the driver failed in a way another attempt
	// would repeat (driver.ErrCannotResume), or was fenced off by a newer
	// attempt (driver.ErrFenced: the RM has ended this one already, or a
	// newer application holds the checkpoint).
	cannotRetry atomic.Bool
}

// executor is a container this AM started an executor in.
type executor struct {
	id         string
	c          *pb.Container
	launchedAt time.Time
}

// New checks cfg and connects to the RM; Run does the work.
func New(cfg Config) (*AppMaster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	conn, err := failover.DialEncoded(cfg.RMAddress, failover.DefaultPolicy(), pki.GRPCDialOption(cfg.Credentials.Cluster))
	if err != nil {
		return nil, fmt.Errorf("appmaster: RM address %s (%s): %w", cfg.RMAddress, launch.EnvRMAddress, err)
	}
	rmCtx, err := token.WithAttempt(context.Background(), cfg.AttemptToken)
	if err != nil {
		return nil, err
	}
	if cfg.MaxExecutorFailures == 0 {
		cfg.MaxExecutorFailures = DefaultMaxExecutorFailures(cfg.NumExecutors)
	}
	secret, err := newShuffleSecret()
	if err != nil {
		return nil, err
	}
	return &AppMaster{
		shuffleSecret: secret,
		cfg:           cfg,
		lg:            cfg.Logger.With(zap.String("attempt", cfg.AttemptID)),
		rm:            pb.NewApplicationMasterClient(conn),
		rmConn:        conn,
		rmCtx:         rmCtx,
		endpoint:      driver.NewEndpoint(),
		nms:           map[string]pb.ContainerManagementClient{},
		executors:     map[string]*executor{},
		released:      map[string]bool{},
		failures:      failureWindow{validity: cfg.ExecutorFailuresValidity},
		metrics:       NewMetrics(MetricsConfig{AttemptID: cfg.AttemptID}),
	}, nil
}

// Run registers, runs the application to its end and returns the process
// exit code: 0 once unregistered; non-zero, without unregistering, when the
// driver failed so that the RM may start another attempt.
func (am *AppMaster) Run(ctx context.Context) (int, error) {
	defer am.rmConn.Close()
	driverAddr := am.cfg.DriverAddress
	if am.inCluster() {
		addr, err := am.serveEndpoint()
		if err != nil {
			return 1, err
		}
		defer am.taskSrv.Stop()
		driverAddr = addr
	}
	trackingURL, err := am.serveMetrics()
	if err != nil {
		return 1, err
	}
	defer am.stopMetrics()
	host, portStr, _ := net.SplitHostPort(driverAddr)
	port, _ := strconv.Atoi(portStr)
	if err := am.register(ctx, host, int32(port), trackingURL); err != nil {
		return 1, err
	}
	if am.cfg.RunDriver != nil {
		// The driver stops with the AM, whatever ends it.
		driverCtx, stopDriver := context.WithCancel(ctx)
		defer stopDriver()
		go func() {
			err := am.cfg.RunDriver(driverCtx, am.endpoint)
			if err != nil {
				am.lg.Error("driver failed", zap.Error(err))
				// A checkpoint that cannot be resumed from does not heal:
				// fail the application now, with the reason as its
				// diagnostics, instead of spending every attempt on it.
				am.cannotRetry.Store(errors.Is(err, driver.ErrCannotResume) || errors.Is(err, driver.ErrFenced) || errors.Is(err, driver.ErrNoRetry))
				am.endpoint.Finish(false, "driver failed: "+err.Error())
				return
			}
			am.endpoint.Finish(true, "")
		}()
	} else if len(am.cfg.DriverCommand) > 0 {
		if err := am.startDriver(driverAddr); err != nil {
			am.unregister(pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_FAILED, err.Error())
			return 1, err
		}
	}
	return am.loop(ctx, driverAddr)
}

// inCluster reports cluster mode: the driver runs in this AM's container.
func (am *AppMaster) inCluster() bool {
	return am.cfg.RunDriver != nil || len(am.cfg.DriverCommand) > 0
}

// serveEndpoint serves the Task protocol for executors on Host.
func (am *AppMaster) serveEndpoint() (string, error) {
	host := am.cfg.Host
	if host == "" {
		host = "127.0.0.1"
	}
	srv, err := driver.Listen(net.JoinHostPort(host, "0"), am.endpoint, am.cfg.Credentials.AppKey, am.lg)
	if err != nil {
		return "", fmt.Errorf("appmaster: %w", err)
	}
	am.taskSrv = srv
	return srv.Addr().String(), nil
}

func (am *AppMaster) register(ctx context.Context, host string, port int32, trackingURL string) error {
	backoff := 100 * time.Millisecond
	am.rmSeen = time.Now()
	for {
		rctx, cancel := context.WithTimeout(am.rmCtx, 10*time.Second)
		_, err := am.rm.RegisterApplicationMaster(rctx, &pb.RegisterApplicationMasterRequest{Host: host, RpcPort: port, TrackingUrl: trackingURL})
		cancel()
		if err == nil {
			am.rmSeen = time.Now()
			am.lg.Info("registered with resourcemanager", zap.String("rm", am.cfg.RMAddress))
			return nil
		}
		am.lg.Warn("register with resourcemanager", zap.Error(err))
		if gone, diag := am.rmUnreachable(time.Now(), err); gone {
			return errors.New(diag)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("appmaster %s: register with the RM at %s: %w (last error: %v)", am.cfg.AttemptID, am.cfg.RMAddress, ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

// startDriver runs the job's driver process in cluster mode.
func (am *AppMaster) startDriver(driverAddr string) error {
	cmd := exec.Command(am.cfg.DriverCommand[0], am.cfg.DriverCommand[1:]...)
	cmd.Env = os.Environ()
	for k, v := range am.cfg.DriverEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, launch.EnvRole+"="+launch.RoleDriver, launch.EnvDriverAddress+"="+driverAddr)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = driverProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("appmaster: start driver %q: %w", strings.Join(am.cfg.DriverCommand, " "), err)
	}
	am.driver = cmd
	am.driverDone = make(chan struct{})
	go func() {
		err := cmd.Wait()
		if err == nil {
			am.endpoint.Finish(true, "")
		} else {
			am.endpoint.Finish(false, fmt.Sprintf("driver %s exited: %v", am.cfg.DriverCommand[0], err))
		}
		close(am.driverDone)
	}()
	am.lg.Info("driver started", zap.Int("pid", cmd.Process.Pid), zap.Strings("command", am.cfg.DriverCommand))
	return nil
}

// loop heartbeats the RM, keeps the executors at their number and follows
// the driver until the application ends.
func (am *AppMaster) loop(ctx context.Context, driverAddr string) (int, error) {
	var driverClient pb.TaskClient
	if !am.inCluster() {
		conn, err := grpc.NewClient(driverAddr, pki.AppDialOption(am.cfg.Credentials.AppKey))
		if err != nil {
			return 1, fmt.Errorf("appmaster: driver address %s: %w", driverAddr, err)
		}
		defer conn.Close()
		driverClient = pb.NewTaskClient(conn)
	}
	lastDriverContact := time.Now()
	for first := true; ; first = false {
		interval := am.heartbeatInterval()
		if first {
			// The executors are asked for as soon as the AM has
			// registered, as Spark's allocator does.
			interval = 0
		}
		select {
		case <-ctx.Done():
			am.stopDriver()
			return 1, ctx.Err()
		case <-time.After(interval):
		}

		st := am.driverStatus(ctx, driverClient, &lastDriverContact)
		if st.GetFinished() {
			return am.finish(st)
		}
		resp, err := am.allocate(ctx)
		am.metrics.setPendingExecutors(am.cfg.NumExecutors - len(am.executors))
		if err != nil {
			am.allocateFailed(err)
			if gone, diag := am.rmUnreachable(time.Now(), err); gone {
				am.endpoint.Finish(false, diag)
				am.stopDriver()
				return 1, errors.New(diag)
			}
			continue
		}
		am.rmSeen = time.Now()
		am.asks.succeeded()
		if tok := resp.GetAmRmToken(); tok != nil {
			if ctx, err := token.WithAttempt(context.Background(), tok); err == nil {
				am.rmCtx = ctx
				am.lg.Info("attempt token renewed by the resourcemanager")
			}
		}
		if resp.GetAmCommand() == pb.AMCommand_AM_COMMAND_SHUTDOWN {
			am.lg.Info("resourcemanager asked the AM to shut down (application killed or attempt ended)")
			am.endpoint.Finish(false, "application ended by the ResourceManager")
			am.stopDriver()
			return 0, nil
		}
		mark := am.markAllocation()
		err = am.handle(resp)
		am.recordAllocation(resp, mark)
		if err != nil {
			am.endpoint.Finish(false, err.Error())
			am.stopDriver()
			am.unregister(pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_FAILED, err.Error())
			return 0, err
		}
	}
}

// driverStatus asks where the driver lives whether it has finished.
func (am *AppMaster) driverStatus(ctx context.Context, client pb.TaskClient, lastContact *time.Time) *pb.DriverStatusResponse {
	if client == nil {
		st, _ := am.endpoint.DriverStatus(ctx, nil)
		return st
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	st, err := client.DriverStatus(sctx, &pb.DriverStatusRequest{})
	if err == nil {
		*lastContact = time.Now()
		am.driverView = st
		return st
	}
	if time.Since(*lastContact) > am.cfg.DriverTimeout {
		return &pb.DriverStatusResponse{Finished: true, Diagnostics: fmt.Sprintf("driver at %s unreachable for %v: %v", am.cfg.DriverAddress, am.cfg.DriverTimeout, err)}
	}
	return &pb.DriverStatusResponse{}
}

// finish ends the application after the driver finished. A failed driver
// in cluster mode is an AM failure: the AM exits without unregistering so
// that the RM starts another attempt within spark.yarn.maxAppAttempts,
// unless another attempt would fail the same way (cannotRetry).
func (am *AppMaster) finish(st *pb.DriverStatusResponse) (int, error) {
	if st.GetSucceeded() {
		am.unregister(pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED, "")
		return 0, nil
	}
	if am.inCluster() && !am.cannotRetry.Load() {
		am.lg.Error("driver failed; exiting for the ResourceManager to retry", zap.String("diagnostics", st.GetDiagnostics()))
		return 1, errors.New(st.GetDiagnostics())
	}
	if am.cannotRetry.Load() {
		am.lg.Error("driver cannot resume from its checkpoint; failing the application without another attempt", zap.String("diagnostics", st.GetDiagnostics()))
	}
	am.unregister(pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_FAILED, st.GetDiagnostics())
	return 0, nil
}

func (am *AppMaster) stopDriver() {
	if am.driver == nil {
		return
	}
	am.driver.Process.Signal(syscall.SIGTERM)
	select {
	case <-am.driverDone:
	case <-time.After(10 * time.Second):
		am.driver.Process.Kill()
		<-am.driverDone
	}
}

func (am *AppMaster) unregister(final pb.FinalApplicationStatus, diag string) {
	ctx, cancel := context.WithTimeout(am.rmCtx, 10*time.Second)
	defer cancel()
	if _, err := am.rm.FinishApplicationMaster(ctx, &pb.FinishApplicationMasterRequest{FinalStatus: final, Diagnostics: diag}); err != nil {
		am.lg.Error("unregister from resourcemanager", zap.Error(err))
		return
	}
	am.lg.Info("unregistered", zap.Stringer("finalStatus", final))
}
