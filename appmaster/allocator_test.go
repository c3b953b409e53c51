package appmaster

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/launch"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// testAM is an AM with executors already launched, for the allocation
// bookkeeping that needs no RM.
func testAM(maxFailures int, launchTimeout time.Duration, launchedAt time.Time, ids ...string) *AppMaster {
	am := &AppMaster{
		cfg:       Config{NumExecutors: len(ids), MaxExecutorFailures: maxFailures, ContainerLaunchTimeout: launchTimeout},
		lg:        zap.NewNop(),
		endpoint:  driver.NewEndpoint(),
		executors: map[string]*executor{},
		released:  map[string]bool{},
	}
	for i, id := range ids {
		am.executors[id] = &executor{id: string(rune('1' + i)), c: &pb.Container{Id: id, NodeId: "n1:1"}, launchedAt: launchedAt}
	}
	return am
}

func completed(id string, exit int32, diag string) *pb.AllocateResponse {
	return &pb.AllocateResponse{CompletedContainerStatuses: []*pb.ContainerStatus{{ContainerId: id, ExitStatus: exit, Diagnostics: diag}}}
}

func TestExecutorFailuresUpToTheLimit(t *testing.T) {
	now := time.Now()
	am := testAM(1, time.Hour, now, "c2", "c3")
	// A memory kill is a failure; the first is within the limit.
	if err := am.handle(completed("c2", -104, "Container [pid=1,containerID=c2] is running beyond physical memory limits.")); err != nil {
		t.Fatalf("first failure: %v", err)
	}
	if len(am.executors) != 1 {
		t.Fatalf("%d executors tracked after a failure, want 1 (a replacement is asked for)", len(am.executors))
	}
	// An executor that exits 0 is replaced without counting.
	am.executors["c4"] = &executor{id: "4", c: &pb.Container{Id: "c4"}, launchedAt: now}
	if err := am.handle(completed("c4", 0, "")); err != nil {
		t.Fatalf("clean exit counted as a failure: %v", err)
	}
	err := am.handle(completed("c3", 137, "killed"))
	if !errors.Is(err, ErrTooManyExecutorFailures) {
		t.Fatalf("second failure: %v, want ErrTooManyExecutorFailures", err)
	}
	for _, want := range []string{"spark.yarn.max.executor.failures = 1", "exit status -104", "running beyond physical memory limits", "exit status 137"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("diagnostic lacks %q:\n%v", want, err)
		}
	}
}

func TestExecutorNotRegisteredInTimeIsReleased(t *testing.T) {
	launched := time.Now().Add(-time.Minute)
	am := testAM(5, 30*time.Second, launched, "c2", "c3")
	am.endpoint.RegisterExecutor(nil, &pb.RegisterExecutorRequest{ExecutorId: "2"}) // c3 registered
	if err := am.handle(&pb.AllocateResponse{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := am.executors["c2"]; ok || !am.released["c2"] {
		t.Fatalf("unregistered executor c2: tracked %v, released %v; want released", am.executors, am.released)
	}
	if _, ok := am.executors["c3"]; !ok {
		t.Fatal("registered executor c3 was released")
	}
	if !strings.Contains(am.failDiags[0], "spark.yarn.containerLaunchTimeout") {
		t.Fatalf("failure diagnostic %q does not name spark.yarn.containerLaunchTimeout", am.failDiags[0])
	}
	// Its completion after the release does not count again.
	before := len(am.failures.times)
	if err := am.handle(completed("c2", -100, "Container released by application")); err != nil {
		t.Fatal(err)
	}
	if len(am.failures.times) != before {
		t.Fatal("the released container's completion counted as another failure")
	}
}

// settings sets keys as spindle submit does.
func settings(t *testing.T, m map[string]string) conf.AppConf {
	t.Helper()
	var a conf.AppConf
	for k, v := range m {
		if err := a.Set(k, v); err != nil {
			t.Fatalf("%s=%q: %v", k, v, err)
		}
	}
	return a
}

func TestConfigFromSpec(t *testing.T) {
	cfg := ConfigFromSpec(launch.Spec{
		Settings: settings(t, map[string]string{
			"spark.executor.instances": "4", "spark.executor.memory": "2g", "spark.executor.cores": "2",
			"spark.yarn.executor.memoryOverhead": "300", "spark.executor.memoryOverhead": "512m",
			"spark.yarn.executor.failuresValidityInterval": "1h", "spark.executorEnv.TZ": "UTC",
			"spark.yarn.appMasterEnv.MODE": "prod", "spindle.driver.mode": "process",
		}),
		Application: "job", Args: []string{"a"},
	})
	if cfg.NumExecutors != 4 || cfg.ExecutorMemoryMB != 2048 || cfg.ExecutorCores != 2 || cfg.ExecutorOverheadMB != 512 {
		t.Fatalf("executors %d × %d MiB (+%d) × %d cores", cfg.NumExecutors, cfg.ExecutorMemoryMB, cfg.ExecutorOverheadMB, cfg.ExecutorCores)
	}
	if cfg.MaxExecutorFailures != 8 || cfg.ExecutorFailuresValidity != time.Hour {
		t.Fatalf("failures %d within %v, want 8 (max(2×4, 3)) within 1h", cfg.MaxExecutorFailures, cfg.ExecutorFailuresValidity)
	}
	if cfg.ExecutorEnv["TZ"] != "UTC" || cfg.DriverEnv["MODE"] != "prod" {
		t.Fatalf("env: executors %v, driver %v", cfg.ExecutorEnv, cfg.DriverEnv)
	}
	if strings.Join(cfg.DriverCommand, " ") != "./job a" {
		t.Fatalf("driver command %v", cfg.DriverCommand)
	}
}

func TestConfigFromSpecDefaultsAndSparkNames(t *testing.T) {
	cfg := ConfigFromSpec(launch.Spec{Application: "job"})
	if cfg.NumExecutors != 2 || cfg.ExecutorMemoryMB != 1024 || cfg.ExecutorCores != 1 || cfg.ExecutorOverheadMB != 0 ||
		cfg.ContainerLaunchTimeout != 120*time.Second || cfg.HeartbeatInterval != time.Second || cfg.InitialAllocationInterval != 100*time.Millisecond ||
		cfg.MaxExecutorFailures != 4 || cfg.ExecutorFailuresValidity != 0 || len(cfg.DriverCommand) != 0 {
		t.Fatalf("defaults: %+v", cfg)
	}
	// Spark's current names, not only the older spark.yarn.* ones, and the
	// overhead factor.
	cfg = ConfigFromSpec(launch.Spec{Application: "job", Settings: settings(t, map[string]string{
		"spark.executor.maxNumFailures": "11", "spark.executor.failuresValidityInterval": "10m",
		"spark.executor.memory": "10g", "spark.executor.memoryOverheadFactor": "0.25",
	})})
	if cfg.MaxExecutorFailures != 11 || cfg.ExecutorFailuresValidity != 10*time.Minute || cfg.ExecutorOverheadMB != 2560 {
		t.Fatalf("failures %d within %v, overhead %d MiB; want 11 within 10m, 2560 MiB", cfg.MaxExecutorFailures, cfg.ExecutorFailuresValidity, cfg.ExecutorOverheadMB)
	}
}

// TestSilentExecutorIsReleasedAndReplaced: an executor whose session stays
// open but sends nothing for spark.network.timeout (a stopped or hung
// process) is declared lost by the driver; the AM then releases its
// container, counts a failure naming the setting and asks for another,
// while an executor that heartbeats is kept.
func TestSilentExecutorIsReleasedAndReplaced(t *testing.T) {
	am := testAM(5, time.Hour, time.Now(), "c2", "c3")
	am.endpoint.SetNetworkTimeout(300 * time.Millisecond)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	pb.RegisterTaskServer(srv, am.endpoint)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	connect := func(id string) pb.Task_ConnectClient {
		conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		stream, err := pb.NewTaskClient(conn).Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := stream.Send(&pb.ExecutorMessage{Message: &pb.ExecutorMessage_Register{Register: &pb.RegisterExecutorRequest{ExecutorId: id, Cores: 1}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := stream.Recv(); err != nil {
			t.Fatalf("registration of %s: %v", id, err)
		}
		return stream
	}
	connect("1") // c2's executor: registers, then says nothing
	alive := connect("2")
	go func() {
		for ctx.Err() == nil {
			alive.Send(&pb.ExecutorMessage{Message: &pb.ExecutorMessage_Heartbeat{Heartbeat: &pb.ExecutorHeartbeatRequest{ExecutorId: "2"}}})
			time.Sleep(50 * time.Millisecond)
		}
	}()
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		return am.endpoint.TimedOut("1"), "executor 1 not declared lost"
	})
	if err := am.handle(&pb.AllocateResponse{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := am.executors["c2"]; ok || !am.released["c2"] {
		t.Fatalf("silent executor c2: tracked %v, released %v; want released", am.executors, am.released)
	}
	if _, ok := am.executors["c3"]; !ok || am.endpoint.TimedOut("2") {
		t.Fatal("the executor that heartbeats was released")
	}
	if len(am.failDiags) != 1 || !strings.Contains(am.failDiags[0], "spark.network.timeout") {
		t.Fatalf("failure diagnostics %q, want one naming spark.network.timeout", am.failDiags)
	}
}

// TestClientModeFollowsTheDriversStatus: in client mode executors
// register with the driver in the submitting process, which the AM learns
// of from its status: a registered executor is kept past the launch
// timeout, one it declared lost for silence is released.
func TestClientModeFollowsTheDriversStatus(t *testing.T) {
	am := testAM(5, 30*time.Second, time.Now().Add(-time.Minute), "c2", "c3")
	am.driverView = &pb.DriverStatusResponse{RegisteredExecutors: []string{"1", "2"}, TimedOutExecutors: []string{"1"}}
	if err := am.handle(&pb.AllocateResponse{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := am.executors["c2"]; ok || !am.released["c2"] {
		t.Fatalf("executor 1 (c2), lost for silence: tracked %v, released %v; want released", am.executors, am.released)
	}
	if _, ok := am.executors["c3"]; !ok {
		t.Fatal("executor 2 (c3), registered with the driver, was released")
	}
	if len(am.failDiags) != 1 || !strings.Contains(am.failDiags[0], "spark.network.timeout") {
		t.Fatalf("failure diagnostics %q, want one naming spark.network.timeout", am.failDiags)
	}
}
