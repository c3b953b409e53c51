package clustertest

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/netns"
	"github.com/spindlehq/spindle/internal/testutil"
)

// TestRMGroupAcrossHosts runs three RMs, two NMs and Kafka each on a host
// of its own, with the retail job streaming, through every failure an RM
// group is for: the active RM killed with a submission in flight, the
// active RM's host cut off from the other RMs, and all three RMs
// restarted one after another. Each time a new active RM takes over
// within the bound, the job goes on with its attempt and executors, and
// in the end its output is exact.
func TestRMGroupAcrossHosts(t *testing.T) {
	n := netns.New(t, "rm1", "rm2", "rm3", "nm0", "nm1", "kafka")
	b := kafkatest.Start(t, map[string]int32{"transactions": 4}, kafkatest.WithHost(n.Host("kafka")))
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2, Hosts: n, RMs: 3})
	g := c.Group()
	rmHost := func(i int) *netns.Host { return n.Host(g.IDs[i]) }
	for i := range g.IDs {
		onHost(t, g.IDs[i]+"'s client address", g.Addrs[i].Client, rmHost(i))
	}

	const total = 20_000
	var want testutil.RetailTotals
	produced := 0
	produce := func(k int) {
		testutil.ProduceRetail(t, b, "transactions", 4, produced, k, &want)
		produced += k
	}
	produce(total / 4)
	dir := testutil.SharedDir(t)
	sub := retailJob(t, c, b, "transactions", dir, "--num-executors", "2")
	appID := sub.AppID()
	c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_RUNNING, 60*time.Second)
	before := waitExecutors(t, c, appID, 2, 60*time.Second)
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		return len(testutil.BatchCommits(t, filepath.Join(dir, "checkpoint"))) > 0, "no batch committed yet"
	})
	active := g.WaitActive(10 * time.Second)
	checkRoles(t, c, active)

	// 1. kill -9 the active RM while another application is being submitted.
	stop := filepath.Join(testutil.SharedDir(t), "stop")
	second := c.Submit("--num-executors", "1", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--until-file", stop)
	killed := time.Now()
	g.RMs[active].Kill()
	took := submitProbe(t, c, killed, 20*time.Second)
	next := g.WaitActive(time.Second)
	t.Logf("kill -9: %s killed, %s active and accepting submissions after %v", g.IDs[active], g.IDs[next], took)
	if took > failoverBound {
		t.Errorf("failover after kill -9 took %v, want under %v", took, failoverBound)
	}
	t.Logf("kill -9: the job's containers back %v later", checkUntouched(t, c, appID, before, 20*time.Second))
	checkRoles(t, c, next, active)
	secondID := second.AppID()
	c.WaitState(secondID, pb.ApplicationState_APPLICATION_STATE_RUNNING, 60*time.Second)
	if n := len(c.Attempts(secondID)); n != 1 {
		t.Errorf("the application submitted across the failover has %d attempts, want 1", n)
	}
	g.RMs[active].Restart()
	testutil.WaitFor(t, 20*time.Second, func() (bool, string) {
		return g.State(active) == pb.HAServiceState_HA_SERVICE_STATE_STANDBY, g.IDs[active] + " is not back as standby"
	})
	produce(total / 4)

	// 2. Cut the active RM's host off from the other two RMs.
	active = g.WaitActive(time.Second)
	var others []*netns.Host
	for i := range g.IDs {
		if i != active {
			others = append(others, rmHost(i))
		}
	}
	cut := time.Now()
	if err := rmHost(active).Cut(netns.Both, others...); err != nil {
		t.Fatal(err)
	}
	took = submitProbe(t, c, cut, 20*time.Second)
	next = -1
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		next = g.Active()
		return next >= 0 && next != active, fmt.Sprintf("active RM is %d, want one of the majority", next)
	})
	t.Logf("partition: %s cut off, %s active and accepting submissions after %v", g.IDs[active], g.IDs[next], took)
	if took > failoverBound {
		t.Errorf("failover after the partition took %v, want under %v", took, failoverBound)
	}
	if st := g.State(active); st != pb.HAServiceState_HA_SERVICE_STATE_STANDBY {
		t.Errorf("the cut-off RM %s is %v, want STANDBY: it must stop serving once it lost its majority", g.IDs[active], st)
	}
	checkUntouched(t, c, appID, before, 20*time.Second)
	if err := rmHost(active).Heal(); err != nil {
		t.Fatal(err)
	}
	// After the heal, since a standby cut off from the group knows no
	// active RM to redirect to.
	checkRoles(t, c, next)
	produce(total / 4)

	// 3. Restart all three RMs, one after another.
	for i := range g.IDs {
		g.RMs[i].Stop()
		g.RMs[i].Restart()
		a := g.WaitActive(failoverBound)
		checkUntouched(t, c, appID, before, 20*time.Second)
		testutil.WaitFor(t, 20*time.Second, func() (bool, string) {
			return g.State(i) != pb.HAServiceState_HA_SERVICE_STATE_UNSPECIFIED, g.IDs[i] + " does not answer after its restart"
		})
		t.Logf("rolling restart: %s restarted, %s active", g.IDs[i], g.IDs[a])
	}
	checkRoles(t, c, g.WaitActive(time.Second))

	produce(total - produced)
	waitCommittedUntil(t, b, "transactions", 4, dir, 120*time.Second)
	checkRetailSink(t, dir, want, total)
	if n := len(c.Attempts(appID)); n != 1 {
		t.Errorf("the job has %d attempts, want 1", n)
	}
	stopByMarker(t, sub, dir)
}
