package driver_test

import (
	"context"
	"encoding/binary"
	"errors"
	"path"
	"strconv"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"go.uber.org/zap"
)

// damageEntry cuts the checkpoint file at rel (offsets/<ms>, commits/<ms>,
// state/<ms>/all) in half, as a torn write or a damaged disk would.
func (f fixture) damageEntry(t *testing.T, rel string) string {
	t.Helper()
	ctx := context.Background()
	p := path.Join(f.dir, rel)
	data, err := f.store.ReadFile(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.WriteFile(ctx, p, data[:len(data)/2]); err != nil {
		t.Fatal(err)
	}
	return p
}

// processInBatches produces 500 records to each partition (adding them to
// want, when given) and runs an engine over them in batches of at most 300,
// then returns the committed batch times, oldest first, and how many
// records the newest one read.
func (f fixture) processInBatches(t *testing.T, want map[string]uint64) ([]int64, int64) {
	t.Helper()
	produceSums(t, f.broker, 500, want)
	f.runEngine(t, 2000, smallBatches)
	log, err := hdfscheckpoint.NewLog(f.store, f.dir, 0, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	in, err := log.Inspect(context.Background())
	if err != nil || len(in.Damaged()) > 0 || in.Recovery.LastCommitted == nil {
		t.Fatalf("inspect: %v, damaged %v, recovery %+v", err, in.Damaged(), in.Recovery)
	}
	var times []int64
	for _, b := range in.Batches {
		if b.Commit.Path != "" {
			times = append(times, b.BatchTime.UnixMilli())
		}
	}
	var records int64
	for _, r := range in.Recovery.LastCommittedOffsets.Ranges {
		records += r.Until - r.From
	}
	if records == 0 {
		t.Fatalf("the newest batch %d read nothing: the test needs one that did", times[len(times)-1])
	}
	return times, records
}

// smallBatches caps batches at 300 records, so that 2,000 records take
// several batches.
func smallBatches(c *driver.EngineConfig) { c.Planner = limitedPlanner{c.Planner} }

type limitedPlanner struct{ driver.Planner }

func (p limitedPlanner) Plan(ctx context.Context, in kafkasource.PlanInput) (kafkasource.Plan, error) {
	in.RateLimit = 300 / in.BatchDuration.Seconds()
	return p.Planner.Plan(ctx, in)
}

func checkSums(t *testing.T, state map[string][]byte, want map[string]uint64) {
	t.Helper()
	for k, w := range want {
		if got, _ := binary.Uvarint(state[k]); got != w {
			t.Fatalf("state[%s] = %d, want %d: records were skipped or counted twice", k, got, w)
		}
	}
}

// TestEngineRerunsBatchWhoseOffsetsAreDamaged: the newest commit's offsets
// entry is cut short. The restarted engine resumes from the batch before,
// with its state, and runs the damaged batch again under its own time up
// to the latest offsets: its records and those produced while it was down
// are each counted once, and its offsets entry is whole again.
func TestEngineRerunsBatchWhoseOffsetsAreDamaged(t *testing.T) {
	f := newFixture(t)
	want := map[string]uint64{}
	times, records := f.processInBatches(t, want)
	last := times[len(times)-1]
	damaged := f.damageEntry(t, "offsets/"+strconv.FormatInt(last, 10))

	produceSums(t, f.broker, 250, want) // while the engine is down
	state, batches := f.runEngine(t, 1000+records)
	checkSums(t, state, want)
	first := batches[0]
	if !first.Replayed || first.Time.UnixMilli() != last || first.Records != records+1000 {
		t.Fatalf("first batch after the restart: %v, %d records, replayed %v; want batch %d again with its %d records and the 1000 new ones",
			first.Time, first.Records, first.Replayed, last, records)
	}
	log, _ := hdfscheckpoint.NewLog(f.store, f.dir, 0, zap.NewNop())
	in, err := log.Inspect(context.Background())
	if err != nil || len(in.Damaged()) != 0 {
		t.Fatalf("after the rerun: %v, damaged %v; want %s rewritten", err, in.Damaged(), damaged)
	}
}

// TestEngineResumesFromAnOlderStateWhenTheNewestIsDamaged: the newest
// commit's state snapshot is cut short; the engine takes the snapshot of
// the batch before and runs the newest batch again with its recorded
// ranges, so the state counts every record once.
func TestEngineResumesFromAnOlderStateWhenTheNewestIsDamaged(t *testing.T) {
	f := newFixture(t)
	want := map[string]uint64{}
	times, records := f.processInBatches(t, want)
	last := times[len(times)-1]
	f.damageEntry(t, "state/"+strconv.FormatInt(last, 10)+"/"+hdfscheckpoint.AllPartitionsState)

	produceSums(t, f.broker, 100, want)
	state, batches := f.runEngine(t, 400+records)
	checkSums(t, state, want)
	if !batches[0].Replayed || batches[0].Time.UnixMilli() != last || batches[0].Records != records {
		t.Fatalf("first batch after the restart: %v with %d records; want batch %d replayed with its %d", batches[0].Time, batches[0].Records, last, records)
	}
}

// TestEngineRefusesACheckpointItCannotResume: with the offsets of the two
// newest batches damaged, where the older one ended is unknown; Run fails
// with ErrCannotResume naming the files and the way out, before planning
// anything.
func TestEngineRefusesACheckpointItCannotResume(t *testing.T) {
	f := newFixture(t)
	times, _ := f.processInBatches(t, nil)
	if len(times) < 3 {
		t.Fatalf("%d batches, want at least 3", len(times))
	}
	var damaged []string
	for _, ms := range times[len(times)-2:] {
		damaged = append(damaged, f.damageEntry(t, "offsets/"+strconv.FormatInt(ms, 10)))
	}
	produceSums(t, f.broker, 10, nil)
	_, batches, err := f.tryEngine(t, 40)
	if !errors.Is(err, driver.ErrCannotResume) || !errors.Is(err, hdfscheckpoint.ErrDamagedCheckpoint) {
		t.Fatalf("Run = %v, want ErrCannotResume", err)
	}
	keep := strconv.FormatInt(times[len(times)-3], 10)
	for _, s := range append(damaged, "spindle checkpoint -verify", "spindle checkpoint -truncate-after "+keep) {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
	if len(batches) != 0 {
		t.Fatalf("%d batches ran on a checkpoint that cannot be resumed", len(batches))
	}
}

// TestEngineRefusesARerunKafkaNoLongerHolds: the damaged batch must be run
// again from where the batch before ended, but retention has deleted those
// offsets: running it would write less than it wrote before, so Run
// refuses.
func TestEngineRefusesARerunKafkaNoLongerHolds(t *testing.T) {
	f := newFixture(t)
	times, _ := f.processInBatches(t, nil)
	last := times[len(times)-1]
	damaged := f.damageEntry(t, "offsets/"+strconv.FormatInt(last, 10))
	f.broker.DeleteRecords(t, "events", 0, 500)
	_, _, err := f.tryEngine(t, 1)
	if !errors.Is(err, driver.ErrCannotResume) || !strings.Contains(err.Error(), damaged) || !strings.Contains(err.Error(), "no longer hold events-0") {
		t.Fatalf("Run = %v, want ErrCannotResume naming %s and the deleted offsets", err, damaged)
	}
}
