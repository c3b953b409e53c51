// Command stagesjob is the job the keyed-stage tests run: records are
// "user title" lines, and each stage named by -stages counts them by key
// in its own way, writing lines "<stage> <batchMs> <key> <value>" that
// the tests recount from the input.
//
//	counts     reduceByKey of views per title, each batch
//	totals     updateStateByKey of views per user, every user each batch
//	sessions   groupByKey with mapWithState per user: a session's views,
//	           written when the user has been idle for -timeout
//	window     reduceByKeyAndWindow of views per title, with an inverse
//	windowraw  the same without an inverse
//	clicks     a join of views and clicks ("click title" lines) by title
//
// With -driver-totals, the job also counts views per user on the driver
// (Aggregate, Reduce and UpdateState), as totals does on the executors:
// the same aggregation without a shuffle, for comparison.
//
// A record whose value is -block-value makes its map task wait until
// -block-marker exists, so that a test can act between a batch's map and
// reduce stages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spindlehq/spindle/sdk"
)

type view struct{ user, title string }

type job struct {
	stages     map[string]bool
	window     time.Duration
	slide      time.Duration
	timeout    time.Duration
	partitions int
	marker     string
	blockValue string
	// driverTotals counts views per user on the driver.
	driverTotals bool
}

func (j *job) Configure(_ context.Context, jc sdk.JobContext) error {
	fs := flag.NewFlagSet("stagesjob", flag.ContinueOnError)
	stages := fs.String("stages", "counts", "comma-separated stages")
	fs.DurationVar(&j.window, "window", 4*time.Second, "window of window and windowraw")
	fs.DurationVar(&j.slide, "slide", 2*time.Second, "slide of window and windowraw")
	fs.DurationVar(&j.timeout, "timeout", 3*time.Second, "idle timeout of sessions")
	fs.IntVar(&j.partitions, "partitions", 0, "reduce partitions of each stage (0: spark.default.parallelism)")
	fs.StringVar(&j.marker, "block-marker", "", "a map task with a -block-value record waits for this file")
	fs.StringVar(&j.blockValue, "block-value", "block", "the record value that waits")
	fs.BoolVar(&j.driverTotals, "driver-totals", false, "count views per user on the driver too")
	if err := fs.Parse(jc.Args); err != nil {
		return err
	}
	j.stages = map[string]bool{}
	for _, s := range strings.Split(*stages, ",") {
		j.stages[strings.TrimSpace(s)] = true
	}
	return nil
}

func (j *job) Parse(rec sdk.Record) ([]view, error) {
	if j.marker != "" && string(rec.Value) == j.blockValue {
		deadline := time.Now().Add(5 * time.Minute)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(j.marker); err == nil {
				return nil, nil
			}
			time.Sleep(20 * time.Millisecond)
		}
		return nil, errors.New("the block marker never appeared")
	}
	f := strings.Fields(string(rec.Value))
	if len(f) != 2 {
		return nil, fmt.Errorf("want \"user title\", got %q", rec.Value)
	}
	return []view{{f[0], f[1]}}, nil
}

func (j *job) Emit(context.Context, sdk.PartitionInfo, []view) ([]sdk.Output, error) { return nil, nil }

func one(string) []byte { return []byte("1") }

func byTitle(v view) (string, []byte, bool) { return v.title, one(""), v.user != "click" }
func byUser(v view) (string, []byte, bool)  { return v.user, one(""), v.user != "click" }
func clicks(v view) (string, []byte, bool)  { return v.title, []byte("c"), v.user == "click" }

func num(b []byte) (int64, error) { return strconv.ParseInt(string(b), 10, 64) }

// add and sub are the counts' reduce function and its inverse.
func add(a, b []byte) ([]byte, error) { return combine(a, b, 1) }
func sub(a, b []byte) ([]byte, error) { return combine(a, b, -1) }

func combine(a, b []byte, sign int64) ([]byte, error) {
	x, err := num(a)
	if err != nil {
		return nil, err
	}
	y, err := num(b)
	if err != nil {
		return nil, err
	}
	return strconv.AppendInt(nil, x+sign*y, 10), nil
}

// lines writes each result as "<stage> <batchMs> <key> <value>".
func lines(_ context.Context, p sdk.StageInfo, kvs []sdk.KeyValue) ([]sdk.Output, error) {
	out := make([]sdk.Output, len(kvs))
	for i, kv := range kvs {
		out[i] = sdk.Output{Value: fmt.Appendf(nil, "%s %d %s %s", p.Stage, p.BatchTime.UnixMilli(), kv.Key, kv.Value)}
	}
	return out, nil
}

// Aggregate, Reduce and UpdateState are -driver-totals: totals on the
// driver.
func (j *job) Aggregate(v view) (string, []byte, bool) {
	return v.user, one(""), j.driverTotals && v.user != "click"
}

func (j *job) Reduce(a, b []byte) ([]byte, error) { return add(a, b) }

func (j *job) UpdateState(_ time.Time, _ string, values [][]byte, old []byte) ([]byte, bool, error) {
	return addAll(old, values)
}

// addAll adds values to a count, old (nil: 0).
func addAll(old []byte, values [][]byte) ([]byte, bool, error) {
	acc := []byte("0")
	if old != nil {
		acc = old
	}
	for _, v := range values {
		var err error
		if acc, err = add(acc, v); err != nil {
			return nil, false, err
		}
	}
	return acc, true, nil
}

func (j *job) Stages(s *sdk.Stages[view]) {
	if j.stages["counts"] {
		s.ReduceByKey("counts", byTitle, add).Partitions(j.partitions).Emit(lines)
	}
	if j.stages["totals"] {
		s.ReduceByKey("totals", byUser, add).Partitions(j.partitions).UpdateStateByKey(func(_ time.Time, _ string, values [][]byte, old []byte) ([]byte, bool, error) {
			return addAll(old, values)
		}).Emit(lines)
	}
	if j.stages["sessions"] {
		s.GroupByKey("sessions", byUser).Partitions(j.partitions).MapWithState(func(bt time.Time, key string, values [][]byte, st *sdk.State) ([]sdk.Output, error) {
			n := int64(len(values))
			if st.Exists() {
				old, err := num(st.Get())
				if err != nil {
					return nil, err
				}
				n += old
			}
			if st.IsTimingOut() {
				return []sdk.Output{{Value: fmt.Appendf(nil, "sessions %d %s %d", bt.UnixMilli(), key, n)}}, nil
			}
			st.Update(strconv.AppendInt(nil, n, 10))
			return nil, nil
		}, j.timeout)
	}
	if j.stages["window"] {
		s.ReduceByKey("window", byTitle, add).Partitions(j.partitions).Window(j.window, j.slide, sub).Emit(lines)
	}
	if j.stages["windowraw"] {
		s.ReduceByKey("windowraw", byTitle, add).Partitions(j.partitions).Window(j.window, j.slide, nil).Emit(lines)
	}
	if j.stages["clicks"] {
		s.Join("clicks", byTitle, clicks).Partitions(j.partitions).Emit(func(_ context.Context, p sdk.StageInfo, rows []sdk.Joined) ([]sdk.Output, error) {
			out := make([]sdk.Output, len(rows))
			for i, r := range rows {
				out[i] = sdk.Output{Value: fmt.Appendf(nil, "clicks %d %s %s%s", p.BatchTime.UnixMilli(), r.Key, r.Left, r.Right)}
			}
			return out, nil
		})
	}
}

func main() { sdk.Serve[view](&job{}) }
