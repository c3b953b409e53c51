package clustertest

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/pki"
	"google.golang.org/grpc"
)

// TestSilentExecutorIsDeclaredLostAndReplaced: one executor of the retail
// job is stopped (SIGSTOP) with its connection open. The driver hears no
// heartbeat from it for spark.network.timeout, declares it lost and runs
// its tasks on the other executor; the AM releases its container and
// starts another. Batches keep committing and the sink holds every
// transaction exactly once, with exact state.
func TestSilentExecutorIsDeclaredLostAndReplaced(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"tx": 4})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	f := localFS(t)
	var want testutil.RetailTotals
	sub := retailJob(t, c, b, "tx", f.local, append(f.conf(),
		"--conf", "spark.executor.heartbeatInterval=250ms",
		"--conf", "spark.network.timeout=3s",
		// Only the heartbeat timeout may rescue the stopped executor's tasks.
		"--conf", "spindle.task.timeout=10min")...)
	appID := sub.AppID()
	t.Cleanup(func() { killApp(t, c, appID) })
	execs := waitExecutors(t, c, appID, 2, 30*time.Second)
	testutil.ProduceRetail(t, b, "tx", 4, 0, 600, &want)
	waitRetailSink(t, f, &want, 60*time.Second)

	var paused string
	for id := range execs {
		paused = id
		break
	}
	pauseExecutor(t, c, appID, paused)
	testutil.ProduceRetail(t, b, "tx", 4, 600, 600, &want)
	waitRetailSink(t, f, &want, 60*time.Second)
	waitRetailState(t, f, &want, 30*time.Second)

	// The stopped executor's container is released and replaced.
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		now := executors(c, appID)
		_, still := now[paused]
		return !still && len(now) == 2, fmt.Sprintf("executors %v: want 2 running, not the stopped %s", now, paused)
	})
	log := amLog(t, c, appID, 1)
	for _, s := range []string{"executor lost; its tasks run again elsewhere", "no heartbeat for", "spark.network.timeout", "executor failed; asking for a replacement"} {
		if !strings.Contains(log, s) {
			t.Fatalf("the AM log lacks %q", s)
		}
	}
	if n := len(c.Attempts(appID)); n != 1 {
		t.Fatalf("%d attempts, want 1: the driver must survive a silent executor", n)
	}

	// The replacement runs tasks too: more transactions are processed.
	testutil.ProduceRetail(t, b, "tx", 4, 1200, 600, &want)
	waitRetailSink(t, f, &want, 60*time.Second)
}

// TestSecondRegistrationsOfExecutorIdsKeepCommitting: while the retail job
// runs, another client registers with the driver under each executor's
// id, as a reconnect after a half-open connection or a rogue client does.
// The executors are not lost: each takes its id back on a new session and
// the job goes on committing every transaction exactly once.
func TestSecondRegistrationsOfExecutorIdsKeepCommitting(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"tx": 4})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	f := localFS(t)
	var want testutil.RetailTotals
	sub := retailJob(t, c, b, "tx", f.local, f.conf()...)
	appID := sub.AppID()
	t.Cleanup(func() { killApp(t, c, appID) })
	waitExecutors(t, c, appID, 2, 30*time.Second)
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		added := 0
		for _, l := range strings.Split(amLog(t, c, appID, 1), "\n") {
			if strings.Contains(l, "executor added") && (strings.Contains(l, `"executor": "1"`) || strings.Contains(l, `"executor": "2"`)) {
				added++
			}
		}
		return added == 2, fmt.Sprintf("%d of 2 executors registered with the driver", added)
	})
	testutil.ProduceRetail(t, b, "tx", 4, 0, 600, &want)

	rep := c.Report(appID)
	addr := net.JoinHostPort(rep.GetHost(), strconv.Itoa(int(rep.GetRpcPort())))
	// The executors' own connection again: with the application's key,
	// which the test takes from the AM's environment.
	conn, err := grpc.NewClient(addr, pki.AppDialOption(appKeyOf(t, c, appID)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, id := range []string{"1", "2"} {
		stream, err := pb.NewTaskClient(conn).Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := stream.Send(&pb.ExecutorMessage{Message: &pb.ExecutorMessage_Register{Register: &pb.RegisterExecutorRequest{ExecutorId: id, Host: "elsewhere", Cores: 4}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := stream.Recv(); err != nil {
			t.Fatalf("second registration of executor %s: %v", id, err)
		}
	}
	testutil.ProduceRetail(t, b, "tx", 4, 600, 600, &want)
	waitRetailSink(t, f, &want, 60*time.Second)
	waitRetailState(t, f, &want, 30*time.Second)
	log := amLog(t, c, appID, 1)
	if n := strings.Count(log, "executor registered again"); n < 4 {
		t.Fatalf("the AM log shows %d second registrations, want at least 4 (two by the other client, two by the executors taking their ids back):\n%s", n, log)
	}
	if strings.Contains(log, "executor lost") {
		t.Fatal("an executor was declared lost; a second registration must not lose it")
	}
}

// lagSeries matches the AM's total consumer lag in Prometheus text.
var lagSeries = regexp.MustCompile(`(?m)^spindle_am_consumer_lag_records(?:\{[^}]*\})? (\d+)$`)

// TestLagGrowsWhileNoBatchCompletes: executors that fit on no node never
// start, so the first batch never completes. The lag monitor measures
// anyway: the AM's consumer lag metric counts every record produced, and
// grows as more arrive.
func TestLagGrowsWhileNoBatchCompletes(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"events": 2})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2, NMMemory: "2g"})
	dir := testutil.SharedDir(t)
	sub := streamingJob(c, b, "events", dir, []string{"--executor-memory", "3g"}, testutil.Binary(t, "./internal/testutil/panicjob", "panicjob"))
	appID := sub.AppID()
	t.Cleanup(func() { killApp(t, c, appID) })
	base := trackingURL(t, c, appID)
	lag := func(want int64) {
		t.Helper()
		testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
			m := lagSeries.FindStringSubmatch(httpGet(t, c.TLS.ClientTLS, base+"/metrics"))
			if m == nil {
				return false, "no spindle_am_consumer_lag_records series"
			}
			got, _ := strconv.ParseInt(m[1], 10, 64)
			return got == want, fmt.Sprintf("consumer lag %d records, want %d", got, want)
		})
	}
	for p := range int32(2) {
		b.Produce(t, "events", p, 40, func(i int) ([]byte, []byte) { return nil, []byte("a b") })
	}
	lag(80)
	b.Produce(t, "events", 0, 70, func(i int) ([]byte, []byte) { return nil, []byte("a b") })
	lag(150)
	if n := len(executors(c, appID)); n != 0 {
		t.Fatalf("%d executors ran: the test did not run what it means to", n)
	}
	for tp, until := range testutil.CommittedUntil(t, dir+"/checkpoint") {
		if until != 0 {
			t.Fatalf("%s committed up to %d: a batch with records completed", tp, until)
		}
	}
}
