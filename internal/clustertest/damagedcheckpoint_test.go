package clustertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/minihdfs"
	"github.com/spindlehq/spindle/internal/testutil"
)

// cutEntry overwrites the checkpoint entry rel (offsets/<ms>, …) of f with
// its first half, as a torn write or a damaged disk leaves it, and returns
// its path in the store and its old content.
func cutEntry(t *testing.T, f jobFS, rel string) (string, []byte) {
	t.Helper()
	ctx := context.Background()
	p := path.Join(f.base, "checkpoint", rel)
	data, err := f.store.ReadFile(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.WriteFile(ctx, p, data[:len(data)/2]); err != nil {
		t.Fatal(err)
	}
	return p, data
}

// TestRetailResumesPastDamagedOffsetsExactlyOnce: a retail application is
// stopped gracefully while a batch with transactions is in flight, so
// that batch is its newest commit; that commit's offsets entry is then cut
// short, and transactions arrive while no application runs. The next
// application resumes from the batch before, with its state, runs the
// damaged batch again under its own time up to the latest offsets, which
// rewrites its sink files with a superset of what they held: every
// transaction is in the sink exactly once, with exact revenue and dead
// letters, on file:// (spindle.kafka.auto.offset.reset=latest, which would
// skip them) and on HDFS (earliest, which would read the topic again).
func TestRetailResumesPastDamagedOffsetsExactlyOnce(t *testing.T) {
	t.Setenv("HADOOP_CONF_DIR", testutil.SharedDir(t))
	t.Setenv("HADOOP_USER_NAME", "")
	h := minihdfs.StartForTest(t, minihdfs.DefaultConfig())
	b := kafkatest.Start(t, map[string]int32{"dmg-file": 4, "dmg-hdfs": 4})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	for _, tc := range []struct {
		topic, reset string
		fs           func(t *testing.T) jobFS
	}{
		{"dmg-file", "latest", localFS},
		{"dmg-hdfs", "earliest", func(t *testing.T) jobFS { return hdfsFS(t, h, "/jobs/damaged") }},
	} {
		t.Run(tc.topic, func(t *testing.T) {
			f := tc.fs(t)
			conf := append(f.conf(), "--conf", "spindle.kafka.auto.offset.reset="+tc.reset,
				"--conf", "spark.streaming.gracefulStopTimeout=60s", "--conf", "spark.yarn.maxAppAttempts=1")
			var want testutil.RetailTotals
			sub := retailJob(t, c, b, tc.topic, f.local, conf...)
			app1 := sub.AppID()
			t.Cleanup(func() { killApp(t, c, app1) })
			execs := waitExecutors(t, c, app1, 2, 30*time.Second)
			testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
				return len(testutil.BatchCommits(t, filepath.Join(f.view(t), "checkpoint"))) > 0, "no batch committed yet"
			})
			testutil.ProduceRetail(t, b, tc.topic, 4, 0, 600, &want)
			waitRetailSink(t, f, &want, 60*time.Second)

			// A batch with transactions 600-1199 in flight, held up by a
			// stopped executor, when the stop is asked for: it commits
			// and is the last batch.
			resume := pauseOneExecutor(t, c, app1, execs)
			before := newestBatchMs(t, filepath.Join(f.view(t), "checkpoint"))
			testutil.ProduceRetail(t, b, tc.topic, 4, 600, 600, &want)
			var inflight testutil.CheckpointEntry
			testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
				for _, o := range testutil.BatchOffsets(t, filepath.Join(f.view(t), "checkpoint")) {
					if o.BatchTimeMs > before && o.Records() > 0 {
						inflight = o
						return true, ""
					}
				}
				return false, "the batch with transactions 600-1199 is not planned yet"
			})
			if err := hdfscheckpoint.PlaceMarker(context.Background(), f.store, path.Join(f.base, "checkpoint", hdfscheckpoint.DefaultMarkerName)); err != nil {
				t.Fatal(err)
			}
			testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
				return strings.Contains(amLog(t, c, app1, 1), "shutdown marker found"), "the AM has not seen the marker"
			})
			resume()
			if err := sub.Wait(60 * time.Second); err != nil {
				t.Fatalf("submit of the stopped application: %v", err)
			}
			// Transactions 600-1199 may have been split over two batches
			// planned before the marker was seen: the newest commit is the
			// batch to damage, and it must hold some of them.
			commits := testutil.BatchCommits(t, filepath.Join(f.view(t), "checkpoint"))
			last := commits[len(commits)-1].BatchTimeMs
			if last < inflight.BatchTimeMs {
				t.Fatalf("the newest commit is batch %d, older than batch %d that was in flight at the stop", last, inflight.BatchTimeMs)
			}
			for _, o := range testutil.BatchOffsets(t, filepath.Join(f.view(t), "checkpoint")) {
				if o.BatchTimeMs == last {
					inflight = o
				}
			}
			if inflight.BatchTimeMs != last || inflight.Records() == 0 {
				t.Fatalf("the newest commit, batch %d, has no offsets entry with records (found batch %d with %d records)", last, inflight.BatchTimeMs, inflight.Records())
			}
			damaged, _ := cutEntry(t, f, "offsets/"+strconv.FormatInt(inflight.BatchTimeMs, 10))
			t.Logf("batch %d (%d records) committed; its offsets entry %s cut short", inflight.BatchTimeMs, inflight.Records(), damaged)

			// Transactions while no application runs.
			testutil.ProduceRetail(t, b, tc.topic, 4, 1200, 600, &want)
			sub = retailJob(t, c, b, tc.topic, f.local, conf...)
			app2 := sub.AppID()
			t.Cleanup(func() { killApp(t, c, app2) })
			waitRetailSink(t, f, &want, 90*time.Second)
			waitRetailState(t, f, &want, 30*time.Second)
			log := amLog(t, c, app2, 1)
			for _, s := range []string{"skipping unreadable checkpoint entry", damaged, "running batch again up to the latest offsets"} {
				if !strings.Contains(log, s) {
					t.Fatalf("the resumed application's AM log lacks %q:\n%s", s, log)
				}
			}
			// The batch ran again under its own time from the same offsets,
			// reading at least what it read before; its entry is whole.
			for _, o := range testutil.BatchOffsets(t, filepath.Join(f.view(t), "checkpoint")) {
				if o.BatchTimeMs != inflight.BatchTimeMs {
					continue
				}
				for i, r := range o.Ranges {
					old := inflight.Ranges[i]
					if r.Topic != old.Topic || r.Partition != old.Partition || r.From != old.From || r.Until < old.Until {
						t.Fatalf("batch %d ran again with %+v, want the ranges %+v from the same offsets, up to at least the same ends", o.BatchTimeMs, o.Ranges, inflight.Ranges)
					}
				}
				return
			}
			t.Fatalf("batch %d has no offsets entry after it ran again", inflight.BatchTimeMs)
		})
	}
}

// TestDamagedCheckpointFailsTheApplicationAtOnce: with the offsets entries
// of the two newest batches cut short, where the older one ended is
// unknown. The application fails in its first attempt, though two are
// allowed, with diagnostics (and an AM log) that name the file and the way
// out. Following it — `spindle checkpoint -verify`, then
// `-truncate-after`, and moving the moved batches' sink output aside as it
// says — the next application processes every transaction exactly once.
func TestDamagedCheckpointFailsTheApplicationAtOnce(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"tx": 4})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	f := localFS(t)
	ckpt := filepath.Join(f.local, "checkpoint")
	uri := "file://" + ckpt
	conf := append(f.conf(), "--conf", "spark.yarn.maxAppAttempts=2")
	var want testutil.RetailTotals

	sub := retailJob(t, c, b, "tx", f.local, conf...)
	app1 := sub.AppID()
	testutil.ProduceRetail(t, b, "tx", 4, 0, 600, &want)
	waitRetailSink(t, f, &want, 60*time.Second)
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		n := len(testutil.BatchCommits(t, ckpt))
		return n >= 3, fmt.Sprintf("%d batches committed, want at least 3", n)
	})
	// The stop finishes the batch in flight: the newest batches may hold
	// some of these.
	testutil.ProduceRetail(t, b, "tx", 4, 600, 600, &want)
	if out, err := stopApp(t, c, app1); err != nil {
		t.Fatalf("application -stop: %v\n%s", err, out)
	}
	commits := testutil.BatchCommits(t, ckpt)
	if len(commits) < 3 {
		t.Fatalf("%d batches committed, want at least 3", len(commits))
	}
	keep := commits[len(commits)-3].BatchTimeMs
	var damaged []string
	for _, cm := range commits[len(commits)-2:] {
		p, _ := cutEntry(t, f, "offsets/"+strconv.FormatInt(cm.BatchTimeMs, 10))
		damaged = append(damaged, p)
	}
	testutil.ProduceRetail(t, b, "tx", 4, 1200, 600, &want)

	sub = retailJob(t, c, b, "tx", f.local, conf...)
	app2 := sub.AppID()
	r := c.WaitState(app2, pb.ApplicationState_APPLICATION_STATE_FAILED, 60*time.Second)
	if err := sub.Wait(30 * time.Second); err == nil {
		t.Fatal("spindle submit of the failed application exited 0")
	}
	t.Logf("diagnostics of %s:\n%s", app2, r.GetDiagnostics())
	if n := len(c.Attempts(app2)); n != 1 {
		t.Fatalf("%d attempts, want 1: a damaged checkpoint does not heal by retrying", n)
	}
	wayOut := []string{
		damaged[0], damaged[1],
		"where batch " + strconv.FormatInt(commits[len(commits)-2].BatchTimeMs, 10) + " ended is unknown",
		"`spindle checkpoint -verify " + uri + "`",
		fmt.Sprintf("`spindle checkpoint -truncate-after %d %s`", keep, uri),
	}
	for _, s := range wayOut {
		if !strings.Contains(r.GetDiagnostics(), s) {
			t.Errorf("diagnostics lack %q:\n%s", s, r.GetDiagnostics())
		}
	}
	log := amLog(t, c, app2, 1)
	for _, s := range append(wayOut, "failing the application without another attempt") {
		if !strings.Contains(log, s) {
			t.Errorf("AM log lacks %q:\n%s", s, log)
		}
	}

	// The way out, as the diagnostics and docs/checkpoints.md give it.
	out, err := runSpindle(t, "checkpoint", "-verify", uri)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 || strings.Count(out, "DAMAGED") != 2 {
		t.Fatalf("checkpoint -verify: %v\n%s", err, out)
	}
	t.Logf("checkpoint -verify:\n%s", out)
	out, err = runSpindle(t, "checkpoint", "-truncate-after", strconv.FormatInt(keep, 10), uri)
	t.Logf("checkpoint -truncate-after:\n%s", out)
	if err != nil || !strings.Contains(out, fmt.Sprintf("Next start: resumes after batch %d.", keep)) {
		t.Fatalf("checkpoint -truncate-after: %v\n%s", err, out)
	}
	aside := testutil.SharedDir(t)
	for _, cm := range commits[len(commits)-2:] {
		for _, dir := range []string{"out", filepath.Join("out", "_deadletter")} {
			batch := filepath.Join(f.local, dir, fmt.Sprintf("batch=%d", cm.BatchTimeMs))
			if _, err := os.Stat(batch); err == nil {
				if err := os.Rename(batch, filepath.Join(aside, strings.ReplaceAll(dir, "/", "-")+filepath.Base(batch))); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	sub = retailJob(t, c, b, "tx", f.local, conf...)
	app3 := sub.AppID()
	t.Cleanup(func() { killApp(t, c, app3) })
	testutil.ProduceRetail(t, b, "tx", 4, 1800, 600, &want)
	waitRetailSink(t, f, &want, 90*time.Second)
	waitRetailState(t, f, &want, 30*time.Second)
}
