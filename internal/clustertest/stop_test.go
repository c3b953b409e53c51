package clustertest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
)

// TestStopTimeoutAndMoveCheckpoint: spindle application -stop that times
// out before the driver has seen the marker removes it, so the application
// keeps running and a later submission is not stopped at once; with
// -moveCheckpoint, a graceful stop moves the checkpoint dir aside.
func TestStopTimeoutAndMoveCheckpoint(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"events": 1})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	b.Produce(t, "events", 0, 3, func(i int) ([]byte, []byte) { return nil, []byte(fmt.Sprint("e", i)) })
	job := testutil.Binary(t, "./internal/testutil/panicjob", "panicjob")

	t.Run("timeout", func(t *testing.T) {
		dir := testutil.SharedDir(t)
		// The driver looks for the marker when it starts, then hourly.
		sub := streamingJob(c, b, "events", dir, []string{"--conf", "spindle.streaming.shutdownMarker.pollInterval=1h"}, job)
		appID := sub.AppID()
		testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
			n := len(sinkLines(t, dir))
			return n == 3, fmt.Sprintf("sink has %d of 3 records", n)
		})
		out, err := runSpindle(t, "application", append(c.ConfArgs(), "-stop", appID, "-stagingDir", "file://"+c.Dir+"/staging", "-stopTimeout", "2s")...)
		if err == nil || !strings.Contains(out, "removed its shutdown marker, so it keeps running") {
			t.Fatalf("-stop past its timeout: %v\n%s", err, out)
		}
		if _, err := os.Stat(filepath.Join(dir, "checkpoint", "_shutdown")); !os.IsNotExist(err) {
			t.Fatalf("marker still there after the timeout: %v", err)
		}
		testutil.Consistently(t, time.Second, func() (bool, string) {
			r := c.Report(appID)
			return r.GetState() == pb.ApplicationState_APPLICATION_STATE_RUNNING, fmt.Sprintf("%v after a called-off stop, want RUNNING", r.GetState())
		})
		if out, err := runSpindle(t, "application", append([]string{"-kill", appID}, c.ConfArgs()...)...); err != nil {
			t.Fatalf("kill: %v\n%s", err, out)
		}
	})

	t.Run("move checkpoint", func(t *testing.T) {
		dir := testutil.SharedDir(t)
		sub := streamingJob(c, b, "events", dir, nil, job)
		appID := sub.AppID()
		testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
			n := len(sinkLines(t, dir))
			return n == 3, fmt.Sprintf("sink has %d of 3 records", n)
		})
		out, err := runSpindle(t, "application", append(c.ConfArgs(), "-stop", appID, "-stagingDir", "file://"+c.Dir+"/staging", "-moveCheckpoint")...)
		if err != nil || !strings.Contains(out, "final status SUCCEEDED") || !strings.Contains(out, "Moved the checkpoint dir aside to file://"+dir+"/checkpoint.") {
			t.Fatalf("-stop -moveCheckpoint: %v\n%s", err, out)
		}
		if _, err := os.Stat(filepath.Join(dir, "checkpoint")); !os.IsNotExist(err) {
			t.Fatalf("checkpoint dir still in place: %v", err)
		}
		aside, _ := filepath.Glob(filepath.Join(dir, "checkpoint.*"))
		if len(aside) != 1 || !regexp.MustCompile(`\.\d{14}$`).MatchString(aside[0]) {
			t.Fatalf("checkpoint moved aside to %q, want one <dir>.<yyyyMMddHHmmss>", aside)
		}
		if len(testutil.BatchCommits(t, aside[0])) == 0 {
			t.Fatalf("the checkpoint moved aside to %s holds no commits", aside[0])
		}
		if err := sub.Wait(30 * time.Second); err != nil {
			t.Fatalf("spindle submit: %v", err)
		}
	})
}
