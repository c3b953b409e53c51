package main

import (
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/testutil"
)

var containerWidths = []int{30, 20, 20, 20, 20, 20, 35}

// TestContainerQueueNodeCLI checks `container -list/-status`, `queue
// -status`, `node -status` and `application -movetoqueue/-updatePriority`
// against a cluster with two queues.
func TestContainerQueueNodeCLI(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1, Conf: []string{
		"yarn.scheduler.capacity.root.queues=default,etl",
		"yarn.scheduler.capacity.root.default.capacity=70",
		"yarn.scheduler.capacity.root.etl.capacity=30",
		"yarn.scheduler.capacity.root.etl.maximum-capacity=50",
	}})
	am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	cs := am.AllocateUntil(testutil.Ask(1, 64, 1, 1), 1, 20*time.Second)
	am.Launch(cs[0], []string{"sleep", "300"}, nil)
	attempt := "appattempt_" + strings.TrimPrefix(am.AppID, "application_") + "_000001"

	t.Run("container -list", func(t *testing.T) {
		var out string
		testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
			out = runCLI(t, c, "container", "-list", attempt).mustSucceed(t).stdout
			return strings.Contains(out, "RUNNING"), out
		})
		if first, _, _ := strings.Cut(out, "\n"); first != "Total number of containers :1" {
			t.Errorf("total line %q", first)
		}
		rows := tableRows(t, out, containerWidths, "Container-Id", "Start Time", "Finish Time", "State", "Host", "Node Http Address", "LOG-URL")
		row, ok := rows[cs[0].GetId()]
		if !ok {
			t.Fatalf("no row for %s:\n%s", cs[0].GetId(), out)
		}
		if row[2] != "N/A" || row[3] != "RUNNING" || row[4] != cs[0].GetNodeId() || !strings.HasSuffix(row[6], "/node/containerlogs/"+cs[0].GetId()+"/"+testutil.TestUser()) {
			t.Errorf("row %q", row)
		}
	})
	t.Run("container -status", func(t *testing.T) {
		out := runCLI(t, c, "container", "-status", cs[0].GetId()).mustSucceed(t).stdout
		for _, want := range []string{"Container Report : \n", "\tContainer-Id : " + cs[0].GetId() + "\n", "\tState : RUNNING\n", "\tHost : " + cs[0].GetNodeId() + "\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("report lacks %q:\n%s", want, out)
			}
		}
		if r := runCLI(t, c, "container", "-status", "container_1_0001_01_000009"); r.code == 0 || !strings.Contains(r.stderr, "doesn't exist in RM") {
			t.Errorf("unknown container: exit %d, %s", r.code, r.stderr)
		}
	})
	t.Run("queue -status", func(t *testing.T) {
		out := runCLI(t, c, "queue", "-status", "etl").mustSucceed(t).stdout
		for _, want := range []string{"Queue Information : \nQueue Name : etl\n", "\tCapacity : 30.0%\n", "\tCurrent Capacity : .0%\n", "\tMaximum Capacity : 50.0%\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("queue report lacks %q:\n%s", want, out)
			}
		}
		if r := runCLI(t, c, "queue", "-status", "nosuch"); r.code == 0 || !strings.Contains(r.stderr, "queueName = nosuch") {
			t.Errorf("unknown queue: exit %d, %s", r.code, r.stderr)
		}
	})
	t.Run("node -status", func(t *testing.T) {
		node := cs[0].GetNodeId()
		out := runCLI(t, c, "node", "-status", node).mustSucceed(t).stdout
		for _, want := range []string{"Node Report : \n", "\tNode-Id : " + node + "\n", "\tNode-State : RUNNING\n", "\tContainers : 1\n", "\tCPU-Used : 1 vcores\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("node report lacks %q:\n%s", want, out)
			}
		}
		if r := runCLI(t, c, "node", "-status", "nosuch:1"); r.code == 0 {
			t.Errorf("unknown node: exit 0")
		}
	})
	t.Run("movetoqueue", func(t *testing.T) {
		out := runCLI(t, c, "application", "-movetoqueue", am.AppID, "-queue", "etl").mustSucceed(t).stdout
		if want := "Moving application " + am.AppID + " to queue etl\nSuccessfully completed move.\n"; out != want {
			t.Errorf("output %q, want %q", out, want)
		}
		status := runCLI(t, c, "application", "-status", am.AppID).mustSucceed(t).stdout
		if !strings.Contains(status, "\tQueue : etl\n") {
			t.Errorf("after the move:\n%s", status)
		}
		qs := runCLI(t, c, "queue", "-status", "etl").mustSucceed(t).stdout
		if !strings.Contains(qs, "\tApplications : 1\n") {
			t.Errorf("queue etl after the move:\n%s", qs)
		}
		if r := runCLI(t, c, "application", "-movetoqueue", am.AppID, "-queue", "nosuch"); r.code == 0 || !strings.Contains(r.stderr, "nosuch") {
			t.Errorf("move to an unknown queue: exit %d, %s", r.code, r.stderr)
		}
	})
	t.Run("updatePriority", func(t *testing.T) {
		out := runCLI(t, c, "application", "-appId", am.AppID, "-updatePriority", "7").mustSucceed(t).stdout
		if want := "Successfully updated the application with id " + am.AppID + " with priority '7'\n"; !strings.HasSuffix(out, want) {
			t.Errorf("output %q, want it to end %q", out, want)
		}
		if r := runCLI(t, c, "application", "-appId", am.AppID, "-updatePriority", "high"); r.code == 0 {
			t.Error("a priority that is not a number was accepted")
		}
		if r := runCLI(t, c, "application", "-updatePriority", "3"); r.code == 0 {
			t.Error("-updatePriority without -appId was accepted")
		}
	})
}
