package testutil

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// StagesJobBinary is internal/testutil/stagesjob, the keyed-stages test job.
func StagesJobBinary(tb testing.TB) string {
	return Binary(tb, "./internal/testutil/stagesjob", "stagesjob")
}

// StageLines are what a keyed stage wrote, by batch (ms): each batch's
// "<key> <value>" lines, sorted.
type StageLines map[int64][]string

// ReadStagesSink reads the reduce outputs that stagesjob wrote to a file
// sink at sinkDir, by stage.
func ReadStagesSink(tb testing.TB, sinkDir string) map[string]StageLines {
	tb.Helper()
	out := map[string]StageLines{}
	batches, err := filepath.Glob(filepath.Join(sinkDir, "batch=*", "part-~*"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range batches {
		f, err := os.Open(p)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fs := strings.SplitN(sc.Text(), " ", 4)
			if len(fs) != 4 {
				tb.Fatalf("%s: line %q is not \"<stage> <batchMs> <key> <value>\"", p, sc.Text())
			}
			ms, err := strconv.ParseInt(fs[1], 10, 64)
			if err != nil {
				tb.Fatalf("%s: line %q: %v", p, sc.Text(), err)
			}
			if out[fs[0]] == nil {
				out[fs[0]] = StageLines{}
			}
			out[fs[0]][ms] = append(out[fs[0]][ms], fs[2]+" "+fs[3])
		}
		f.Close()
	}
	for _, st := range out {
		for _, ls := range st {
			sort.Strings(ls)
		}
	}
	return out
}

// StagesInput is what a test produced for stagesjob: each partition's
// record values, by offset from 0.
type StagesInput struct {
	Topic  string
	Values map[int32][]string
}

// StagesExpect are stagesjob's settings that its outputs depend on.
type StagesExpect struct {
	Window, Slide, Timeout time.Duration
}

// Expected recounts from the input what each stage should have written,
// batch by batch, given the batches that ran: the offsets entries of the
// checkpoint's committed batches, oldest first.
func (in StagesInput) Expected(batches []CheckpointEntry, x StagesExpect) map[string]StageLines {
	out := map[string]StageLines{}
	put := func(stage string, ms int64, line string) {
		if out[stage] == nil {
			out[stage] = StageLines{}
		}
		out[stage][ms] = append(out[stage][ms], line)
	}
	type rec struct{ user, title string }
	perBatch := map[int64][]rec{}
	for _, b := range batches {
		var recs []rec
		for _, r := range b.Ranges {
			if r.Topic != in.Topic {
				continue
			}
			for off := r.From; off < r.Until; off++ {
				f := strings.Fields(in.Values[r.Partition][off])
				if len(f) == 2 {
					recs = append(recs, rec{f[0], f[1]})
				}
			}
		}
		perBatch[b.BatchTimeMs] = recs
	}
	totals := map[string]int{}
	session := map[string]int{}
	lastActive := map[string]int64{}
	prev := int64(0)
	for _, b := range batches {
		ms := b.BatchTimeMs
		counts, views, clicks := map[string]int{}, map[string]int{}, map[string]int{}
		users := map[string]int{}
		for _, r := range perBatch[ms] {
			if r.user == "click" {
				clicks[r.title]++
				continue
			}
			counts[r.title]++
			views[r.title]++
			users[r.user]++
		}
		for t, n := range counts {
			put("counts", ms, fmt.Sprintf("%s %d", t, n))
		}
		for u, n := range users {
			totals[u] += n
		}
		for u, n := range totals {
			put("totals", ms, fmt.Sprintf("%s %d", u, n))
		}
		for t, nv := range views {
			for range nv * clicks[t] {
				put("clicks", ms, t+" 1c")
			}
		}
		// Sessions: a user idle for the timeout ends its session.
		for u, last := range lastActive {
			if users[u] == 0 && ms-last >= x.Timeout.Milliseconds() {
				put("sessions", ms, fmt.Sprintf("%s %d", u, session[u]))
				delete(lastActive, u)
				delete(session, u)
			}
		}
		for u, n := range users {
			session[u] += n
			lastActive[u] = ms
		}
		if x.Slide > 0 && (prev == 0 || ms/x.Slide.Milliseconds() != prev/x.Slide.Milliseconds()) {
			win := map[string]int{}
			for _, o := range batches {
				if o.BatchTimeMs > ms-x.Window.Milliseconds() && o.BatchTimeMs <= ms {
					for _, r := range perBatch[o.BatchTimeMs] {
						if r.user != "click" {
							win[r.title]++
						}
					}
				}
			}
			for t, n := range win {
				put("window", ms, fmt.Sprintf("%s %d", t, n))
				put("windowraw", ms, fmt.Sprintf("%s %d", t, n))
			}
		}
		prev = ms
	}
	for _, st := range out {
		for _, ls := range st {
			sort.Strings(ls)
		}
	}
	return out
}

// Check checks each named stage's outputs in stagesjob's file sink at
// sinkDir against a recount of the input over the committed batches of
// the checkpoint at checkpointDir. A stage the input gives nothing to
// write fails the test, which would otherwise check nothing.
func (in StagesInput) Check(tb testing.TB, checkpointDir, sinkDir string, x StagesExpect, stages ...string) {
	tb.Helper()
	want := in.Expected(CommittedBatches(tb, checkpointDir), x)
	got := ReadStagesSink(tb, sinkDir)
	for _, st := range stages {
		if len(want[st]) == 0 {
			tb.Fatalf("stage %s: the input gives it nothing to write; the test checks nothing", st)
		}
		if d := DiffStages(st, got[st], want[st]); d != "" {
			tb.Error(d)
		}
	}
}

// DiffStages names the first difference between what a stage wrote and
// what was expected, batch by batch; "" when they are equal.
func DiffStages(stage string, got, want StageLines) string {
	all := map[int64]bool{}
	for ms := range got {
		all[ms] = true
	}
	for ms := range want {
		all[ms] = true
	}
	for _, ms := range slices.Sorted(maps.Keys(all)) {
		if !slices.Equal(got[ms], want[ms]) {
			return fmt.Sprintf("stage %s, batch %d: wrote %d lines %v, want %d lines %v", stage, ms, len(got[ms]), clip(got[ms]), len(want[ms]), clip(want[ms]))
		}
	}
	return ""
}

func clip(ls []string) []string {
	if len(ls) > 12 {
		return append(slices.Clip(ls[:12]), "…")
	}
	return ls
}

// CommittedBatches are the offsets entries of the checkpoint's committed
// batches, oldest first.
func CommittedBatches(tb testing.TB, checkpointDir string) []CheckpointEntry {
	tb.Helper()
	committed := map[int64]bool{}
	for _, c := range BatchCommits(tb, checkpointDir) {
		committed[c.BatchTimeMs] = true
	}
	var out []CheckpointEntry
	for _, o := range BatchOffsets(tb, checkpointDir) {
		if committed[o.BatchTimeMs] {
			out = append(out, o)
		}
	}
	return out
}
