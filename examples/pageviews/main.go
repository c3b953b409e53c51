// Command pageviews is a Spindle job whose state is too big for one
// process: it reads page views, keeps a session per user on the executors
// and a sliding count of views per title, with keyed stages.
//
// Records are JSON page views, {"user":"u42","title":"t7"}. A record that
// is not one is rejected (it goes to the dead-letter output with the
// reason). Two keyed stages run on the executors:
//
//   - sessions: the views of each user, grouped by user (groupByKey) and
//     kept with mapWithState; when a user has been idle for
//     --session-timeout, the session is written as
//     "sessions <batch ms> <user> <views>" and its state removed.
//   - top: views per title over the last --window, every --slide
//     (reduceByKeyAndWindow with an inverse function); the titles with
//     the most views are written as "top <window end ms> <title> <views>":
//     the --top best of each slice of keys a reduce partition emits.
//     Titles are partitioned, so a window's overall top N is the top N
//     of its lines.
//
// Build and submit:
//
//	go build -o pageviews ./examples/pageviews
//	spindle submit --master yarn --num-executors 2 \
//	  --conf spark.default.parallelism=8 ./pageviews --window 10m --slide 1m --top 10
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/spindlehq/spindle/sdk"
)

// view is one page view, the job's event.
type view struct {
	User  string `json:"user"`
	Title string `json:"title"`
}

// pageViews is the job.
type pageViews struct {
	sessionTimeout time.Duration
	window, slide  time.Duration
	top            int
}

// Configure reads the job's arguments.
func (j *pageViews) Configure(_ context.Context, jc sdk.JobContext) error {
	fs := flag.NewFlagSet("pageviews", flag.ContinueOnError)
	fs.DurationVar(&j.sessionTimeout, "session-timeout", 30*time.Minute, "a user idle this long ends its session")
	fs.DurationVar(&j.window, "window", 10*time.Minute, "the window of the views per title")
	fs.DurationVar(&j.slide, "slide", time.Minute, "how often the top titles are written")
	fs.IntVar(&j.top, "top", 10, "how many titles each reduce partition writes per window")
	if err := fs.Parse(jc.Args); err != nil {
		return fmt.Errorf("pageviews arguments %q: %w", jc.Args, err)
	}
	if j.sessionTimeout <= 0 || j.top < 1 {
		return fmt.Errorf("pageviews: --session-timeout %v must be positive and --top %d at least 1", j.sessionTimeout, j.top)
	}
	return nil
}

// Parse reads a view; a record that is not one is rejected.
func (j *pageViews) Parse(rec sdk.Record) ([]view, error) {
	var v view
	if err := json.Unmarshal(rec.Value, &v); err != nil {
		return nil, fmt.Errorf("not a JSON page view: %w", err)
	}
	if v.User == "" || v.Title == "" {
		return nil, errors.New("a page view needs a user and a title")
	}
	return []view{v}, nil
}

// Emit writes nothing on the map side: every output comes from the keyed
// stages.
func (j *pageViews) Emit(context.Context, sdk.PartitionInfo, []view) ([]sdk.Output, error) {
	return nil, nil
}

// Stages declares the sessions and the sliding top titles.
func (j *pageViews) Stages(s *sdk.Stages[view]) {
	byUser := func(v view) (string, []byte, bool) { return v.User, one, true }
	byTitle := func(v view) (string, []byte, bool) { return v.Title, one, true }
	s.GroupByKey("sessions", byUser).MapWithState(session, j.sessionTimeout)
	s.ReduceByKey("top", byTitle, add).Window(j.window, j.slide, subtract).Emit(j.topTitles)
}

var one = []byte("1")

// session counts a user's views; when the user has been idle for the
// timeout it writes the session.
func session(batchTime time.Time, user string, values [][]byte, st *sdk.State) ([]sdk.Output, error) {
	n := int64(len(values))
	if st.Exists() {
		old, err := strconv.ParseInt(string(st.Get()), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("session of %s: state %q: %w", user, st.Get(), err)
		}
		n += old
	}
	if st.IsTimingOut() {
		return []sdk.Output{{Value: fmt.Appendf(nil, "sessions %d %s %d", batchTime.UnixMilli(), user, n)}}, nil
	}
	st.Update(strconv.AppendInt(nil, n, 10))
	return nil, nil
}

// add and subtract are the window's reduce function and its inverse.
func add(a, b []byte) ([]byte, error)      { return combine(a, b, 1) }
func subtract(a, b []byte) ([]byte, error) { return combine(a, b, -1) }

func combine(a, b []byte, sign int64) ([]byte, error) {
	x, err := strconv.ParseInt(string(a), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("count %q: %w", a, err)
	}
	y, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("count %q: %w", b, err)
	}
	return strconv.AppendInt(nil, x+sign*y, 10), nil
}

// topTitles writes the titles with the most views in the window that
// ends at the batch, of one slice of a reduce partition's keys.
func (j *pageViews) topTitles(_ context.Context, p sdk.StageInfo, counts []sdk.KeyValue) ([]sdk.Output, error) {
	ranked, err := rank(counts, j.top)
	if err != nil {
		return nil, err
	}
	out := make([]sdk.Output, len(ranked))
	for i, r := range ranked {
		out[i] = sdk.Output{Value: fmt.Appendf(nil, "top %d %s %s", p.BatchTime.UnixMilli(), r.Key, r.Value)}
	}
	return out, nil
}

// rank returns the n titles with the most views, ties by title; titles
// with no views left in the window are left out.
func rank(counts []sdk.KeyValue, n int) ([]sdk.KeyValue, error) {
	type scored struct {
		kv    sdk.KeyValue
		views int64
	}
	list := make([]scored, 0, len(counts))
	for _, kv := range counts {
		v, err := strconv.ParseInt(string(kv.Value), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("views of %s: %q: %w", kv.Key, kv.Value, err)
		}
		if v > 0 {
			list = append(list, scored{kv, v})
		}
	}
	sort.Slice(list, func(a, b int) bool {
		if list[a].views != list[b].views {
			return list[a].views > list[b].views
		}
		return list[a].kv.Key < list[b].kv.Key
	})
	out := make([]sdk.KeyValue, 0, min(n, len(list)))
	for _, s := range list[:min(n, len(list))] {
		out = append(out, s.kv)
	}
	return out, nil
}

func main() { sdk.Serve[view](&pageViews{}) }
