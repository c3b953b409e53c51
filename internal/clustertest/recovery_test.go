package clustertest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/client"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/minihdfs"
	"github.com/spindlehq/spindle/internal/testutil"
	"go.uber.org/zap"
)

// jobFS is where a test job keeps its checkpoint and sink: a local dir
// (file://) or the mini HDFS (hdfs://), which is mirrored to a local dir
// to be read with the file-based helpers.
type jobFS struct {
	// uri is the base URI; the job's checkpoint is uri/checkpoint and its
	// sink uri/out.
	uri string
	// store and base are the store and the path uri names in it.
	store hdfscheckpoint.Store
	base  string
	// local is the dir the checkpoint and sink are read from: the job's
	// own dir for file://, a mirror for hdfs://.
	local string
}

// localFS is a job dir on the local file system.
func localFS(t *testing.T) jobFS {
	dir := testutil.SharedDir(t)
	store, base, err := dfs.Open(context.Background(), "file://"+dir)
	if err != nil {
		t.Fatal(err)
	}
	return jobFS{uri: "file://" + dir, store: store, base: base, local: dir}
}

// hdfsFS is a job dir on the mini HDFS h.
func hdfsFS(t *testing.T, h *minihdfs.Cluster, dir string) jobFS {
	uri := h.URL() + dir
	store, base, err := dfs.Open(context.Background(), uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return jobFS{uri: uri, store: store, base: base, local: filepath.Join(testutil.SharedDir(t), "mirror")}
}

// conf points a job's checkpoint and sink at f.
func (f jobFS) conf() []string {
	return []string{"--conf", "spindle.checkpoint.dir=" + f.uri + "/checkpoint", "--conf", "spindle.sink.path=" + f.uri + "/out"}
}

// view returns the local dir holding checkpoint/ and out/ as they are now.
func (f jobFS) view(t testing.TB) string {
	t.Helper()
	if f.store == nil || strings.HasPrefix(f.uri, "file://") {
		return f.local
	}
	if err := os.RemoveAll(f.local); err != nil {
		t.Fatal(err)
	}
	mirror(t, f.store, f.base, f.local)
	return f.local
}

// mirror copies dir of s to the local dir to, recursively, leaving out the
// stores' temporary files; entries that vanish meanwhile (purged) are
// skipped.
func mirror(t testing.TB, s hdfscheckpoint.Store, dir, to string) {
	t.Helper()
	ctx := context.Background()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	infos, err := s.List(ctx, dir)
	if errors.Is(err, hdfscheckpoint.ErrNotFound) {
		return
	}
	if err != nil {
		t.Fatalf("mirror: %v", err)
	}
	for _, fi := range infos {
		if strings.HasPrefix(fi.Name, ".") || strings.HasSuffix(fi.Name, "._COPYING_") || fi.Name == hdfscheckpoint.FenceDirName {
			continue
		}
		local := filepath.Join(to, fi.Name)
		if fi.IsDir {
			mirror(t, s, fi.Path, local)
			continue
		}
		data, err := s.ReadFile(ctx, fi.Path)
		if err != nil {
			// The job may be replacing this file (a replayed batch
			// rewrites its outputs); the caller polls, so read it next
			// time.
			t.Logf("mirror: %s skipped this round: %v", fi.Path, err)
			continue
		}
		if err := os.WriteFile(local, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// waitRetailSink waits until the retail job's sink under f holds exactly
// want, and fails on any transaction written twice.
func waitRetailSink(t *testing.T, f jobFS, want *testutil.RetailTotals, timeout time.Duration) {
	t.Helper()
	var got testutil.RetailSink
	testutil.WaitFor(t, timeout, func() (bool, string) {
		got = testutil.ReadRetailSink(t, filepath.Join(f.view(t), "out"))
		d := want.Diff(got.Totals)
		if d != "" && len(got.Duplicates) > 0 {
			d += fmt.Sprintf("; transactions in the sink more than once: %v", got.Duplicates)
		}
		return d == "", "sink: " + d
	})
	if len(got.Duplicates) > 0 {
		t.Fatalf("transactions in the sink more than once: %v", got.Duplicates)
	}
}

// waitRetailState waits until the keyed state of the newest committed
// batch holds every store's revenue in want.
func waitRetailState(t *testing.T, f jobFS, want *testutil.RetailTotals, timeout time.Duration) {
	t.Helper()
	testutil.WaitFor(t, timeout, func() (bool, string) {
		state := lastState(t, filepath.Join(f.view(t), "checkpoint"))
		for _, s := range testutil.RetailStores {
			if got, _ := strconv.ParseInt(string(state[s]), 10, 64); got != want.StoreCents[s] {
				return false, fmt.Sprintf("state of %s = %q cents, want %d", s, state[s], want.StoreCents[s])
			}
		}
		return true, ""
	})
}

// amContainer returns the AM container of appID's attempt (container 1 of
// the attempt) while it runs.
func amContainer(t *testing.T, c *testutil.Cluster, appID string, attempt int) testutil.NMContainer {
	t.Helper()
	suffix := fmt.Sprintf("_%02d_000001", attempt)
	var am testutil.NMContainer
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		for _, cs := range c.RunningContainers(appID) {
			for _, ct := range cs {
				if strings.HasSuffix(ct.ID, suffix) && ct.PID > 0 {
					am = ct
					return true, ""
				}
			}
		}
		return false, fmt.Sprintf("no running AM container *%s of %s", suffix, appID)
	})
	return am
}

// amLog returns the framework log (spindle.log) of appID's AM in attempt.
func amLog(t *testing.T, c *testutil.Cluster, appID string, attempt int) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(c.Dir, "nm*", "nm-logs", appID, fmt.Sprintf("container_*_%02d_000001", attempt), "spindle.log"))
	if len(files) != 1 {
		t.Fatalf("AM log of %s attempt %d: found %v", appID, attempt, files)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// newestBatchMs is the batch time of the newest offsets entry under ckpt,
// 0 when there is none.
func newestBatchMs(t *testing.T, ckpt string) int64 {
	t.Helper()
	offs := testutil.BatchOffsets(t, ckpt)
	if len(offs) == 0 {
		return 0
	}
	return offs[len(offs)-1].BatchTimeMs
}

// TestRetailSurvivesAMKillExactlyOnce: the retail job's AM is SIGKILLed
// while a batch is half done — its offsets are recorded, some partitions'
// outputs are written, others are held up by a stopped executor, and it
// has no commit. The next attempt replays that batch with the same ranges
// and goes on; the sink then holds every transaction exactly once with
// exact revenue per store, the dead letters are exact, and so is the
// state. Checkpoint and sink on file:// and on hdfs:// (the mini HDFS,
// reached by the AM and executors on 127.0.0.1).
func TestRetailSurvivesAMKillExactlyOnce(t *testing.T) {
	t.Setenv("HADOOP_CONF_DIR", testutil.SharedDir(t))
	t.Setenv("HADOOP_USER_NAME", "")
	h := minihdfs.StartForTest(t, minihdfs.DefaultConfig())
	b := kafkatest.Start(t, map[string]int32{"tx-file": 4, "tx-hdfs": 4})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	for _, tc := range []struct {
		topic string
		fs    func(t *testing.T) jobFS
	}{
		{"tx-file", localFS},
		{"tx-hdfs", func(t *testing.T) jobFS { return hdfsFS(t, h, "/jobs/retail") }},
	} {
		t.Run(tc.topic, func(t *testing.T) {
			f := tc.fs(t)
			var want testutil.RetailTotals
			sub := retailJob(t, c, b, tc.topic, f.local, append(f.conf(), "--conf", "spark.yarn.maxAppAttempts=2")...)
			appID := sub.AppID()
			t.Cleanup(func() { killApp(t, c, appID) })
			execs := waitExecutors(t, c, appID, 2, 30*time.Second)

			// Transactions 0-599 (one rejected at enrich) are processed.
			testutil.ProduceRetail(t, b, tc.topic, 4, 0, 600, &want)
			waitRetailSink(t, f, &want, 60*time.Second)

			// Stop one executor, so that the next batch with records
			// cannot finish, and produce 600-1199 (one rejected at parse).
			resume := pauseOneExecutor(t, c, appID, execs)
			before := newestBatchMs(t, filepath.Join(f.view(t), "checkpoint"))
			produceRetailInOneBatch(t, c, appID, b, tc.topic, 600, 600, &want)

			// Mid-batch: offsets recorded, some outputs written, no commit.
			var inflight int64
			testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
				dir := f.view(t)
				committed := map[int64]bool{}
				for _, cm := range testutil.BatchCommits(t, filepath.Join(dir, "checkpoint")) {
					committed[cm.BatchTimeMs] = true
				}
				for _, o := range testutil.BatchOffsets(t, filepath.Join(dir, "checkpoint")) {
					if o.BatchTimeMs <= before || o.Records() == 0 {
						continue
					}
					if committed[o.BatchTimeMs] {
						t.Fatalf("batch %d committed although an executor is stopped", o.BatchTimeMs)
					}
					parts, _ := filepath.Glob(filepath.Join(dir, "out", fmt.Sprintf("batch=%d", o.BatchTimeMs), "part-*"))
					if len(parts) > 0 {
						inflight = o.BatchTimeMs
						return true, ""
					}
					return false, fmt.Sprintf("batch %d planned, no output written yet", o.BatchTimeMs)
				}
				return false, "the batch with transactions 600-1199 is not planned yet"
			})
			am := amContainer(t, c, appID, 1)
			if err := syscall.Kill(int(am.PID), syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			resume()
			t.Logf("AM %s killed in batch %d", am.ID, inflight)

			// Transactions 1200-1799 arrive while the next attempt starts.
			testutil.ProduceRetail(t, b, tc.topic, 4, 1200, 600, &want)
			waitRetailSink(t, f, &want, 60*time.Second)
			waitRetailState(t, f, &want, 30*time.Second)

			if n := len(c.Attempts(appID)); n != 2 {
				t.Fatalf("%d attempts, want 2", n)
			}
			if r := c.Report(appID); r.GetState() != pb.ApplicationState_APPLICATION_STATE_RUNNING {
				t.Fatalf("app %v after the AM was killed, want RUNNING", r.GetState())
			}
			committed := false
			for _, cm := range testutil.BatchCommits(t, filepath.Join(f.view(t), "checkpoint")) {
				committed = committed || cm.BatchTimeMs == inflight
			}
			if !committed {
				t.Fatalf("batch %d, in flight when the AM died, was not committed by the next attempt", inflight)
			}
			if log := amLog(t, c, appID, 2); !strings.Contains(log, "replaying uncommitted batch") {
				t.Fatalf("attempt 2 did not replay the batch in flight; its log:\n%s", log)
			}
		})
	}
}

// killApp ends appID if it still runs and waits until every container
// of it has ended, so that it stops using the cluster and no AM or
// executor writes into the test's directories once the test is over: the
// RM reports KILLED before the NMs have stopped the processes.
func killApp(t *testing.T, c *testutil.Cluster, appID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.Client().KillApplication(ctx, &pb.KillApplicationRequest{ApplicationId: appID})
	testutil.WaitFor(t, 60*time.Second, func() (bool, string) {
		if r := c.Report(appID); !client.Finished(r.GetState()) {
			return false, fmt.Sprintf("%s is %v after the kill", appID, r.GetState())
		}
		if live := c.LiveContainers(appID); len(live) > 0 {
			return false, fmt.Sprintf("containers of %s still run: %v", appID, live)
		}
		return true, ""
	})
}

// rebuiltRetail builds examples/retail again with another version stamp,
// as a new release of the job would be; its SHA-256 differs from first's.
func rebuiltRetail(t *testing.T, first string) string {
	t.Helper()
	out := filepath.Join(testutil.SharedDir(t), "retail")
	cmd := exec.Command("go", "build", "-ldflags", "-X main.version=2.0.0-rebuilt", "-o", out, "./examples/retail")
	cmd.Dir = filepath.Join("..", "..")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	if a, b := fileSHA256(t, first), fileSHA256(t, out); a == b {
		t.Fatalf("the rebuilt job has the same SHA-256 %s", a)
	}
	return out
}

func fileSHA256(t *testing.T, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// stopApp runs `spindle application -stop appID` and returns its output.
func stopApp(t *testing.T, c *testutil.Cluster, appID string) (string, error) {
	t.Helper()
	args := append(c.ConfArgs(), "-stop", appID, "-stagingDir", "file://"+c.Dir+"/staging", "-stopTimeout", "60s")
	return runSpindle(t, "application", args...)
}

// recoverLog reads where a job would resume from the checkpoint ckpt.
func recoverLog(t testing.TB, ckpt string) hdfscheckpoint.Recovery {
	t.Helper()
	store, _ := dfs.NewFileStore("/")
	log, err := hdfscheckpoint.NewLog(store, ckpt, 0, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := log.Recover(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestRetailGracefulStopAndUpgrade: `spindle application -stop` places the
// marker; the job finishes its batch, SUCCEEDS, the marker becomes
// .COMPLETED and nothing is left to replay. With the newest commit then
// truncated, a rebuilt job binary (another SHA-256) resumes from the same
// checkpoint: it skips the damaged commit with a WARN naming it, replays
// that batch, and the sink holds every transaction exactly once. SIGTERM
// with spark.streaming.stopGracefullyOnShutdown stops it gracefully too.
// With spindle.streaming.shutdownMarker.moveCheckpoint the checkpoint is
// moved aside to <dir>.<yyyyMMddHHmmss>.
func TestRetailGracefulStopAndUpgrade(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"tx": 4})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	f := localFS(t)
	ckpt := filepath.Join(f.local, "checkpoint")
	marker := filepath.Join(ckpt, hdfscheckpoint.DefaultMarkerName)
	v1 := testutil.Binary(t, "./examples/retail", "retail")
	v2 := rebuiltRetail(t, v1)
	var want testutil.RetailTotals

	sub := retailJob(t, c, b, "tx", f.local)
	app1 := sub.AppID()
	testutil.ProduceRetail(t, b, "tx", 4, 0, 600, &want)
	waitRetailSink(t, f, &want, 60*time.Second)
	testutil.ProduceRetail(t, b, "tx", 4, 600, 600, &want)
	// The newest commit is cut short below: the checkpoint must hold a
	// committed batch before it to resume from. The sink holds 0-599 once
	// their batch's tasks have written, before it commits, so a stop
	// seen right after that first commit would leave it the only one, and
	// the next start rightly refuses (docs/checkpoints.md).
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		n := len(testutil.BatchCommits(t, ckpt))
		return n >= 2, fmt.Sprintf("%d batches committed, want at least 2", n)
	})
	wrong := append(c.ConfArgs(), "-stop", app1, "-stagingDir", "file://"+testutil.SharedDir(t))
	if out, err := runSpindle(t, "application", wrong...); err == nil || !strings.Contains(out, "give the spark.yarn.stagingDir it was submitted with as -stagingDir") {
		t.Fatalf("-stop with the wrong staging dir: %v\n%s", err, out)
	}
	out, err := stopApp(t, c, app1)
	if err != nil {
		t.Fatalf("application -stop: %v\n%s", err, out)
	}
	for _, line := range []string{
		"Stopping application " + app1 + " gracefully: placed its shutdown marker file://" + marker,
		"Application " + app1 + " stopped: state FINISHED, final status SUCCEEDED",
	} {
		if !strings.Contains(out, line) {
			t.Fatalf("application -stop printed %q, want a line %q", out, line)
		}
	}
	if err := sub.Wait(30 * time.Second); err != nil {
		t.Fatalf("submit of a gracefully stopped app: %v", err)
	}
	if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("marker still there after the stop: %v", err)
	}
	if _, err := os.Stat(marker + hdfscheckpoint.CompletedSuffix); err != nil {
		t.Fatalf("marker not renamed .COMPLETED: %v", err)
	}
	rec := recoverLog(t, ckpt)
	if rec.Pending != nil || rec.LastCommitted == nil {
		t.Fatalf("after a graceful stop: pending %+v, last committed %+v; want nothing pending", rec.Pending, rec.LastCommitted)
	}
	if out, err := stopApp(t, c, app1); err != nil || !strings.Contains(out, "Application "+app1+" has already finished") {
		t.Fatalf("-stop of a finished app: %v\n%s", err, out)
	}
	// Damage the newest commit: the next start must skip it and replay
	// its batch.
	damaged := filepath.Join(ckpt, "commits", strconv.FormatInt(rec.LastCommitted.BatchTime.UnixMilli(), 10))
	raw, err := os.ReadFile(damaged)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(damaged, raw[:len(raw)*2/3], 0o644); err != nil {
		t.Fatal(err)
	}

	// The rebuilt job resumes; transactions 1200-1799 arrive meanwhile.
	sub = streamingJob(c, b, "tx", f.local, []string{"--files", testutil.RetailRegions(), "--conf", "spark.streaming.stopGracefullyOnShutdown=true"},
		v2, "--regions", "regions.csv")
	app2 := sub.AppID()
	testutil.ProduceRetail(t, b, "tx", 4, 1200, 600, &want)
	waitRetailSink(t, f, &want, 60*time.Second)
	waitRetailState(t, f, &want, 30*time.Second)
	log := amLog(t, c, app2, 1)
	for _, s := range []string{"skipping unreadable checkpoint entry", damaged, "replaying uncommitted batch"} {
		if !strings.Contains(log, s) {
			t.Fatalf("the resumed job's AM log lacks %q:\n%s", s, log)
		}
	}

	// SIGTERM with spark.streaming.stopGracefullyOnShutdown: a graceful stop.
	am := amContainer(t, c, app2, 1)
	if err := syscall.Kill(int(am.PID), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := sub.Wait(30 * time.Second); err != nil {
		t.Fatalf("submit after SIGTERM to the AM: %v", err)
	}
	if r := c.Report(app2); r.GetFinalStatus() != pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED {
		t.Fatalf("final status %v after SIGTERM, want SUCCEEDED", r.GetFinalStatus())
	}
	if rec := recoverLog(t, ckpt); rec.Pending != nil {
		t.Fatalf("batch %v left pending by a graceful SIGTERM stop", rec.Pending.BatchTime)
	}
	if !strings.Contains(amLog(t, c, app2, 1), "SIGTERM: stopping gracefully") {
		t.Fatal("the AM log does not show the SIGTERM stop")
	}

	// moveCheckpoint: after the stop the checkpoint is moved aside.
	sub = streamingJob(c, b, "tx", f.local, []string{"--files", testutil.RetailRegions(), "--conf", "spindle.streaming.shutdownMarker.moveCheckpoint=true"},
		v2, "--regions", "regions.csv")
	app3 := sub.AppID()
	testutil.ProduceRetail(t, b, "tx", 4, 1800, 600, &want)
	waitRetailSink(t, f, &want, 60*time.Second)
	if out, err := stopApp(t, c, app3); err != nil {
		t.Fatalf("application -stop: %v\n%s", err, out)
	}
	if err := sub.Wait(30 * time.Second); err != nil {
		t.Fatalf("submit: %v", err)
	}
	if _, err := os.Stat(ckpt); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("checkpoint dir still in place after a stop with moveCheckpoint: %v", err)
	}
	aside, _ := filepath.Glob(ckpt + ".*")
	if len(aside) != 1 || !regexp.MustCompile(`\.\d{14}$`).MatchString(aside[0]) {
		t.Fatalf("moved checkpoints %v, want one <dir>.<yyyyMMddHHmmss>", aside)
	}
	if _, err := os.Stat(filepath.Join(aside[0], hdfscheckpoint.DefaultMarkerName+hdfscheckpoint.CompletedSuffix)); err != nil {
		t.Fatalf("the moved checkpoint has no completed marker: %v", err)
	}
	if rec := recoverLog(t, aside[0]); rec.Pending != nil || rec.LastCommitted == nil {
		t.Fatalf("moved checkpoint: pending %+v, last committed %+v", rec.Pending, rec.LastCommitted)
	}
}

// TestGracefulStopIsBoundedByTimeout: with
// spark.streaming.gracefulStopTimeout shorter than the batch in flight,
// SIGTERM ends the application (SUCCEEDED) without waiting for the batch,
// which is left uncommitted for the next start to replay.
func TestGracefulStopIsBoundedByTimeout(t *testing.T) {
	b := kafkatest.Start(t, map[string]int32{"events": 1})
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	dir := testutil.SharedDir(t)
	sub := streamingJob(c, b, "events", dir, []string{
		"--conf", "spark.streaming.stopGracefullyOnShutdown=true",
		"--conf", "spark.streaming.gracefulStopTimeout=500ms",
	}, testutil.Binary(t, "./internal/testutil/panicjob", "panicjob"))
	appID := sub.AppID()
	waitExecutors(t, c, appID, 2, 30*time.Second)
	// Three records of 2 s each: a 6 s batch.
	b.Produce(t, "events", 0, 3, func(int) ([]byte, []byte) { return nil, []byte("slow") })
	ckpt := filepath.Join(dir, "checkpoint")
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		offs := testutil.BatchOffsets(t, ckpt)
		return len(offs) > 0 && offs[len(offs)-1].Records() == 3, "the slow batch is not planned yet"
	})
	am := amContainer(t, c, appID, 1)
	if err := syscall.Kill(int(am.PID), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := sub.Wait(30 * time.Second); err != nil {
		t.Fatalf("submit after SIGTERM: %v", err)
	}
	if r := c.Report(appID); r.GetFinalStatus() != pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED {
		t.Fatalf("final status %v, want SUCCEEDED", r.GetFinalStatus())
	}
	rec := recoverLog(t, ckpt)
	if rec.Pending == nil || len(rec.Pending.Ranges) != 1 || rec.Pending.Ranges[0].Until != 3 {
		t.Fatalf("pending batch %+v; want the slow batch left uncommitted", rec.Pending)
	}
	if !strings.Contains(amLog(t, c, appID, 1), "graceful stop timed out") {
		t.Fatal("the AM log does not say the graceful stop timed out")
	}
}

// produceRetailInOneBatch produces transactions first..first+n-1 over 4
// partitions while appID's AM (attempt 1) is stopped, so that the next
// batch it plans holds all of them: the producer may send them in several
// requests, and a batch planned between two could hold only partitions
// whose tasks all run on an executor that is not stopped.
func produceRetailInOneBatch(t *testing.T, c *testutil.Cluster, appID string, b *kafkatest.Broker, topic string, first, n int, want *testutil.RetailTotals) {
	t.Helper()
	am := amContainer(t, c, appID, 1)
	if err := syscall.Kill(int(am.PID), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resume := func() { syscall.Kill(int(am.PID), syscall.SIGCONT) }
	defer resume()
	testutil.ProduceRetail(t, b, topic, 4, first, n, want)
}

// pauseOneExecutor stops (SIGSTOP) one of the application's executors, so
// that the next batch with records cannot finish, until resume is called
// or the test ends.
func pauseOneExecutor(t *testing.T, c *testutil.Cluster, appID string, execs map[string]int) (resume func()) {
	t.Helper()
	for id := range execs {
		return pauseExecutor(t, c, appID, id)
	}
	t.Fatal("no executor to pause")
	return nil
}

// pauseExecutor stops (SIGSTOP) the executor in container id until resume
// is called or the test ends.
func pauseExecutor(t *testing.T, c *testutil.Cluster, appID, id string) (resume func()) {
	t.Helper()
	var stopped int
	for _, cs := range c.RunningContainers(appID) {
		for _, ct := range cs {
			if ct.ID == id {
				stopped = int(ct.PID)
			}
		}
	}
	if stopped == 0 {
		t.Fatalf("no pid for executor container %s", id)
	}
	if err := syscall.Kill(stopped, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resume = func() { syscall.Kill(stopped, syscall.SIGCONT) }
	t.Cleanup(resume)
	return resume
}
