package clustertest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
)

// TestClientModeRunsASpindleJob: `spindle submit --deploy-mode client`
// runs a Spindle job's streaming driver in the submitting process (the AM
// registers with the driver's address there), executors in the cluster
// connect to it, every word reaches the sink and the driver's state with
// its exact count, and `spindle application -stop` ends the application
// SUCCEEDED with spark-submit's report lines.
func TestClientModeRunsASpindleJob(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"lines": 2})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	want := map[string]int{}
	for p := int32(0); p < 2; p++ {
		b.Produce(t, "lines", p, 150, func(i int) ([]byte, []byte) {
			line := fmt.Sprintf("Client mode w%d", (i+int(p))%5)
			for _, w := range strings.Fields(strings.ToLower(line)) {
				want[w]++
			}
			return nil, []byte(line)
		})
	}
	dir := testutil.SharedDir(t)
	sub := streamingJob(c, b, "lines", dir, []string{"--deploy-mode", "client", "--conf", "spark.driver.host=127.0.0.1"},
		testutil.Binary(t, "./examples/wordcount", "wordcount"), "--lower")
	appID := sub.AppID()

	sinkCounts := func() map[string]int {
		got := map[string]int{}
		for _, l := range sinkLines(t, dir) {
			w, n, _ := strings.Cut(l, "\t")
			k, _ := strconv.Atoi(n)
			got[w] += k
		}
		return got
	}
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		got := sinkCounts()
		return fmt.Sprint(got) == fmt.Sprint(want), fmt.Sprintf("sink has %v, want %v", got, want)
	})
	// The AM registered with the driver's endpoint in the submit process,
	// not with one of its own.
	r := c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_RUNNING, 10*time.Second)
	if r.GetHost() != "127.0.0.1" || r.GetRpcPort() == 0 {
		t.Fatalf("AM registered at %s:%d, want the client-mode driver at 127.0.0.1", r.GetHost(), r.GetRpcPort())
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(r.GetHost(), strconv.Itoa(int(r.GetRpcPort()))), 5*time.Second)
	if err != nil {
		t.Fatalf("the driver endpoint the AM registered is not served: %v", err)
	}
	conn.Close()

	// spindle application -stop places the marker the driver polls, here
	// as in cluster mode.
	if out, err := stopApp(t, c, appID); err != nil {
		t.Fatalf("spindle application -stop: %v\n%s", err, out)
	}
	if err := sub.Wait(30 * time.Second); err != nil {
		t.Fatalf("spindle submit after the stop: %v", err)
	}
	out := sub.Output()
	for _, line := range []string{
		"Submitted application " + appID + "\n",
		"Application report for " + appID + " (state: RUNNING)\n",
		"Application " + appID + " ended: state FINISHED, final status SUCCEEDED\n",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("spindle submit output lacks %q", line)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "checkpoint", "_shutdown.COMPLETED")); err != nil {
		t.Errorf("marker not renamed .COMPLETED: %v", err)
	}
	if got := sinkCounts(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sink after the stop has %v, want %v", got, want)
	}
	// The driver in the submit process reduced and kept the state.
	got := map[string]int{}
	for w, v := range lastState(t, filepath.Join(dir, "checkpoint")) {
		got[w], _ = strconv.Atoi(string(v))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("driver state %v, want %v", got, want)
	}
}
