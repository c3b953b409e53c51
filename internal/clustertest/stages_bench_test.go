package clustertest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/internal/kafkatest"
	"github.com/spindlehq/spindle/internal/testutil"
)

// benchStagesJob submits stagesjob over topic with 2 executors of 2
// cores and 1 GiB, at the shipped defaults but for what it prints.
func benchStagesJob(b *testing.B, c *testutil.Cluster, broker *kafkatest.Broker, topic, dir string, args ...string) *testutil.Submission {
	b.Helper()
	// The backlog is drained in batches of 200,000 records rather than in
	// one, so that each way pays its per-batch costs several times.
	flags := append(benchJobFlags(broker, topic, dir), "--conf", "spark.streaming.kafka.maxRatePerPartition=50000")
	logShippedTimings(b, "the job: "+strings.Join(flags, " ")+" stagesjob "+strings.Join(args, " "))
	return c.Submit(append(append(flags, testutil.StagesJobBinary(b)), args...)...)
}

// keyedDrainRate is the records/s at which a job processed its backlog: the
// records of the batches that had some over their processing time.
func keyedDrainRate(b *testing.B, ckpt string) (rate float64, records int64, batches int) {
	b.Helper()
	var ms int64
	for _, cm := range testutil.BatchCommits(b, ckpt) {
		if cm.Outputs["records"] > 0 {
			records += cm.Outputs["records"]
			ms += cm.Outputs["processingMs"]
			batches++
		}
	}
	return float64(records) / (float64(max(ms, 1)) / 1000), records, batches
}

// BenchmarkKeyedAggregation counts views per user (20,000 users) with the
// same job two ways in one run, each draining the same backlog from its
// own checkpoint in batches of 200,000 records (records/s are the
// batches' records over their processing time): as a keyed stage (updateStateByKey on the executors,
// shuffled by user, every user's count written each batch) and on the
// driver (Aggregate, Reduce and UpdateState, the state snapshot written
// each batch). It reports the records/s of both and their ratio, the
// shuffle's bytes per record and the keyed state's bytes per key; then,
// on the executors' run, it SIGKILLs an executor holding state, streams
// more views, and reports how long the partitions' state took to be
// rebuilt on the other executor and how long from the kill until the
// batch that rebuilt it committed. Both runs' counts are checked against
// a recount of the input.
func BenchmarkKeyedAggregation(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("SPINDLE_BENCH_RECORDS")); err == nil && v > 0 {
		n = v
		b.Logf("backlog of %d records (SPINDLE_BENCH_RECORDS), not 1,000,000", n)
	}
	const partitions, users, after = 4, 20_000, 8_000
	for range b.N {
		broker := kafkatest.Start(b, map[string]int32{"views": partitions})
		c := testutil.StartCluster(b, testutil.ClusterConfig{NodeManagers: 2, NMMemory: "8g", ShippedTimings: true})
		in := testutil.StagesInput{Topic: "views", Values: map[int32][]string{}}
		produceViews(b, broker, &in, partitions, 0, n, users)

		b.ResetTimer()
		dirA := testutil.SharedDir(b)
		subA := benchStagesJob(b, c, broker, "views", dirA, "--stages", "totals")
		appA := subA.AppID()
		waitCommittedUntil(b, broker, "views", partitions, dirA, 10*time.Minute)
		ckA := filepath.Join(dirA, "checkpoint")
		shuffleRate, records, batchesA := keyedDrainRate(b, ckA)
		var shuffleBytes, stateKeys, stateBytes int64
		for _, cm := range testutil.BatchCommits(b, ckA) {
			shuffleBytes += cm.Outputs["shuffleBytes"]
			if cm.Outputs["stateKeys"] > 0 {
				stateKeys, stateBytes = cm.Outputs["stateKeys"], cm.Outputs["stateBytes"]
			}
		}

		// An executor holding state is lost once a state checkpoint has
		// been taken after the backlog.
		drained := time.Now()
		testutil.WaitFor(b, 2*time.Minute, func() (bool, string) {
			cs := testutil.BatchCommits(b, ckA)
			last := cs[len(cs)-1]
			return last.ModTime.After(drained) && last.Outputs["stateCheckpointMs/totals"] > 0 &&
				time.UnixMilli(last.Outputs["stateCheckpointMs/totals"]).After(drained), "waiting for a state checkpoint after the backlog"
		})
		var victim testutil.NMContainer
		for _, cs := range c.RunningContainers(appA) {
			for _, ct := range cs {
				if !strings.HasSuffix(ct.ID, "_000001") && ct.PID > 0 {
					victim = ct
				}
			}
		}
		if victim.PID == 0 {
			b.Fatal("no executor of the keyed run to kill")
		}
		killed := time.Now()
		sigkill(b, victim)
		produceViews(b, broker, &in, partitions, n, after, users)
		waitCommittedUntil(b, broker, "views", partitions, dirA, 5*time.Minute)
		var restored, restoreMs int64
		var recovered time.Time
		for _, cm := range testutil.BatchCommits(b, ckA) {
			if cm.ModTime.After(killed) && cm.Outputs["stateRestored"] > 0 {
				restored += cm.Outputs["stateRestored"]
				restoreMs = max(restoreMs, cm.Outputs["stateRestoreMs"])
				if recovered.IsZero() {
					recovered = cm.ModTime
				}
			}
		}
		b.StopTimer()
		stopByMarker(b, subA, dirA)
		in.Check(b, ckA, filepath.Join(dirA, "out"), testutil.StagesExpect{}, "totals")
		if restored == 0 {
			b.Fatalf("executor %s was killed, but no partition's state was rebuilt", victim.ID)
		}
		b.StartTimer()

		dirB := testutil.SharedDir(b)
		subB := benchStagesJob(b, c, broker, "views", dirB, "--stages", "none", "--driver-totals")
		subB.AppID()
		waitCommittedUntil(b, broker, "views", partitions, dirB, 10*time.Minute)
		driverRate, recordsB, batchesB := keyedDrainRate(b, filepath.Join(dirB, "checkpoint"))
		b.StopTimer()
		stopByMarker(b, subB, dirB)
		checkDriverTotals(b, filepath.Join(dirB, "checkpoint"), in)

		b.Logf("keyed stage: %d records in %d batches, %.0f records/s, %.1f shuffle bytes per record, %d state keys in %d bytes (%.1f per key); driver-side reduce: %d records in %d batches, %.0f records/s; ratio %.2f",
			records, batchesA, shuffleRate, float64(shuffleBytes)/float64(records), stateKeys, stateBytes, float64(stateBytes)/float64(max(stateKeys, 1)), recordsB, batchesB, driverRate, shuffleRate/driverRate)
		b.Logf("executor %s SIGKILLed: %d partitions rebuilt on another executor, the slowest in %d ms; the batch that rebuilt them committed %v after the kill",
			victim.ID, restored, restoreMs, recovered.Sub(killed).Round(time.Millisecond))
		b.ReportMetric(shuffleRate, "shuffle-records/s")
		b.ReportMetric(driverRate, "driver-records/s")
		b.ReportMetric(shuffleRate/driverRate, "shuffle/driver")
		b.ReportMetric(float64(shuffleBytes)/float64(records), "shuffle-B/record")
		b.ReportMetric(float64(stateBytes)/float64(max(stateKeys, 1)), "state-B/key")
		b.ReportMetric(float64(restoreMs), "state-rebuild-ms")
		b.ReportMetric(float64(recovered.Sub(killed).Milliseconds()), "kill-to-commit-ms")
		b.ReportMetric(0, "ns/op")
	}
}

// produceViews produces views n from first, "u<i mod users> t<i mod 50>",
// spread over the partitions, and records them in in.
func produceViews(b *testing.B, broker *kafkatest.Broker, in *testutil.StagesInput, partitions int32, first, n, users int) {
	b.Helper()
	const chunk = 4000
	for start := first; start < first+n; start += chunk {
		msgs := make([]*sarama.ProducerMessage, 0, chunk)
		for i := start; i < min(start+chunk, first+n); i++ {
			p := int32(i) % partitions
			v := fmt.Sprintf("u%d t%d", i%users, i%50)
			in.Values[p] = append(in.Values[p], v)
			msgs = append(msgs, &sarama.ProducerMessage{Topic: "views", Partition: p, Value: sarama.StringEncoder(v)})
		}
		broker.ProduceMessages(b, msgs...)
	}
}

// checkDriverTotals compares the driver's state at the checkpoint's last
// committed batch with a recount of every view.
func checkDriverTotals(b *testing.B, ckpt string, in testutil.StagesInput) {
	b.Helper()
	rec := recoverLog(b, ckpt)
	var snap struct {
		State map[string][]byte `json:"state"`
	}
	if err := json.Unmarshal(rec.State, &snap); err != nil {
		b.Fatalf("driver run: state snapshot: %v", err)
	}
	want := map[string]int{}
	for _, vs := range in.Values {
		for _, v := range vs {
			want[strings.Fields(v)[0]]++
		}
	}
	if len(snap.State) != len(want) {
		b.Fatalf("driver run: %d users in the state, want %d", len(snap.State), len(want))
	}
	for u, n := range want {
		if got := string(snap.State[u]); got != strconv.Itoa(n) {
			b.Fatalf("driver run: user %s has %q views in the state, want %d", u, got, n)
		}
	}
}
