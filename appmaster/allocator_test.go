package appmaster

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/launch"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"go.uber.org/zap"
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

func TestConfigFromSpec(t *testing.T) {
	cfg, err := ConfigFromSpec(launch.Spec{
		Conf: map[string]string{
			"spark.executor.instances": "4", "spark.executor.memory": "2g", "spark.executor.cores": "2",
			"spark.yarn.executor.memoryOverhead": "300", "spark.executor.memoryOverhead": "512m",
			"spark.yarn.executor.failuresValidityInterval": "1h", "spark.executorEnv.TZ": "UTC",
			"spark.yarn.appMasterEnv.MODE": "prod", "spindle.driver.mode": "process",
		},
		Application: "job", Args: []string{"a"},
	})
	if err != nil {
		t.Fatal(err)
	}
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
	if _, err := ConfigFromSpec(launch.Spec{Conf: map[string]string{"spark.executor.memory": "lots"}}); err == nil || !strings.Contains(err.Error(), "spark.executor.memory") {
		t.Fatalf("bad memory: %v, want an error naming the key", err)
	}
}
