package sdk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/api/jobpb"
)

// view is an event of keyedJob: "user title" or "click user" lines.
type view struct{ user, title string }

// keyedJob has one stage of each kind.
type keyedJob struct{ declare func(s *Stages[view]) }

func (j *keyedJob) Parse(rec Record) ([]view, error) {
	f := strings.Fields(string(rec.Value))
	if len(f) != 2 {
		return nil, fmt.Errorf("want two fields, got %q", rec.Value)
	}
	return []view{{f[0], f[1]}}, nil
}

func (j *keyedJob) Emit(context.Context, PartitionInfo, []view) ([]Output, error) { return nil, nil }

func (j *keyedJob) Stages(s *Stages[view]) { j.declare(s) }

func byUser(v view) (string, []byte, bool)  { return v.user, []byte("1"), v.user != "click" }
func byTitle(v view) (string, []byte, bool) { return v.title, []byte("1"), v.user != "click" }
func clicks(v view) (string, []byte, bool)  { return v.title, []byte("c"), v.user == "click" }

func add(a, b []byte) ([]byte, error) {
	x, err := strconv.Atoi(string(a))
	if err != nil {
		return nil, err
	}
	y, err := strconv.Atoi(string(b))
	if err != nil {
		return nil, err
	}
	return []byte(strconv.Itoa(x + y)), nil
}

func sub(a, b []byte) ([]byte, error) {
	y, _ := strconv.Atoi(string(b))
	return add(a, []byte(strconv.Itoa(-y)))
}

func emitKV(_ context.Context, p StageInfo, kvs []KeyValue) ([]Output, error) {
	var out []Output
	for _, kv := range kvs {
		out = append(out, Output{Key: []byte(kv.Key), Value: kv.Value, Destination: p.Stage})
	}
	return out, nil
}

func allStages(s *Stages[view]) {
	s.ReduceByKey("views", byTitle, add).Emit(emitKV)
	s.ReduceByKey("totals", byUser, add).Partitions(3).UpdateStateByKey(func(_ time.Time, _ string, values [][]byte, old []byte) ([]byte, bool, error) {
		acc := []byte("0")
		if old != nil {
			acc = old
		}
		for _, v := range values {
			acc, _ = add(acc, v)
		}
		return acc, string(acc) != "0", nil
	}).Emit(emitKV)
	s.GroupByKey("sessions", byUser).MapWithState(func(_ time.Time, key string, values [][]byte, st *State) ([]Output, error) {
		if st.IsTimingOut() {
			return []Output{{Key: []byte(key), Value: append([]byte("ended "), st.Get()...)}}, nil
		}
		n := len(values)
		if st.Exists() {
			m, _ := strconv.Atoi(string(st.Get()))
			n += m
		}
		st.Update([]byte(strconv.Itoa(n)))
		return nil, nil
	}, time.Minute)
	s.ReduceByKey("window", byTitle, add).Window(3*time.Second, time.Second, sub).Emit(emitKV)
	s.Join("clicked", byTitle, clicks).LeftOuter().Emit(func(_ context.Context, _ StageInfo, rows []Joined) ([]Output, error) {
		var out []Output
		for _, r := range rows {
			out = append(out, Output{Key: []byte(r.Key), Value: []byte(string(r.Left) + "|" + string(r.Right))})
		}
		return out, nil
	})
}

func configured(t *testing.T, declare func(s *Stages[view])) *JobClient {
	t.Helper()
	c := TestJobClient(t, &keyedJob{declare: declare})
	caps, err := c.Configure(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !caps.Keyed {
		t.Fatalf("capabilities %+v", caps)
	}
	return c
}

// TestKeyedStagesDeclared: Configure reports each stage as declared.
func TestKeyedStagesDeclared(t *testing.T) {
	c := configured(t, allStages)
	got := c.Stages()
	want := []StageSpec{
		{Name: "views", Kind: KindReduceByKey, Emit: true},
		{Name: "totals", Kind: KindReduceByKey, Partitions: 3, State: StateUpdateByKey, Emit: true},
		{Name: "sessions", Kind: KindGroupByKey, State: StateMapWithState, Timeout: time.Minute},
		{Name: "window", Kind: KindReduceByKey, State: StateWindow, Window: 3 * time.Second, Slide: time.Second, Inverse: true, Emit: true},
		{Name: "clicked", Kind: KindJoin, LeftOuter: true, Emit: true},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("stages\n got %+v\nwant %+v", got, want)
	}
}

// TestKeyedValuesOfAPartition: each stage gets its keyed values, a
// ReduceByKey stage's reduced per key within the partition, a join's on
// their sides.
func TestKeyedValuesOfAPartition(t *testing.T) {
	c := configured(t, allStages)
	var recs []Record
	for i, line := range []string{"ann a", "bob a", "ann b", "click a", "ann a"} {
		recs = append(recs, Record{Offset: int64(i), Value: []byte(line)})
	}
	res, err := c.ProcessPartition(context.Background(), Partition{Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, kv := range res.Keyed {
		var parts []string
		for i := range kv.Keys {
			parts = append(parts, kv.Keys[i]+"="+string(kv.Values[i]))
		}
		got[fmt.Sprintf("%d/%d", kv.Stage, kv.Side)] = strings.Join(parts, " ")
	}
	want := map[string]string{
		"0/0": "a=3 b=1",                 // views: reduced within the partition
		"1/0": "ann=3 bob=1",             // totals
		"2/0": "ann=1 bob=1 ann=1 ann=1", // sessions: grouped, not combined
		"3/0": "a=3 b=1",                 // window
		"4/0": "a=1 a=1 b=1 a=1",         // clicked, left side
		"4/1": "a=c",                     // clicked, right side
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("stage/side %s: %q, want %q", k, got[k], w)
		}
	}
}

func reduceKeys(t *testing.T, c *JobClient, call ReduceKeysCall) ReduceKeysResult {
	t.Helper()
	res, err := c.ReduceKeys(context.Background(), call)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func outputs(res ReduceKeysResult) string {
	var parts []string
	for _, o := range res.Outputs {
		parts = append(parts, string(o.Key)+"="+string(o.Value))
	}
	return strings.Join(parts, " ")
}

// TestReduceKeysOfEachKind runs each stage kind's reduce side.
func TestReduceKeysOfEachKind(t *testing.T) {
	c := configured(t, allStages)
	bt := time.UnixMilli(5000)
	vals := func(vs ...string) [][]byte {
		var out [][]byte
		for _, v := range vs {
			out = append(out, []byte(v))
		}
		return out
	}

	res := reduceKeys(t, c, ReduceKeysCall{Stage: 0, BatchTime: bt, Emit: true, Keys: []KeyInput{{Key: "a", Values: vals("2", "3")}, {Key: "b", Values: vals("1")}}})
	if outputs(res) != "a=5 b=1" || string(res.Results[0].Reduced) != "5" {
		t.Errorf("reduceByKey: %s %+v", outputs(res), res.Results)
	}

	res = reduceKeys(t, c, ReduceKeysCall{Stage: 1, BatchTime: bt, Emit: true, Keys: []KeyInput{
		{Key: "ann", Values: vals("2"), State: []byte("4")}, {Key: "bob", State: []byte("7")}, {Key: "cy", Values: vals("0")},
	}})
	if outputs(res) != "ann=6 bob=7" || !res.Results[1].Keep || res.Results[2].Keep {
		t.Errorf("updateStateByKey: %s %+v", outputs(res), res.Results)
	}

	res = reduceKeys(t, c, ReduceKeysCall{Stage: 2, BatchTime: bt, Emit: true, Keys: []KeyInput{
		{Key: "ann", Values: vals("1", "1"), State: []byte("3")}, {Key: "bob", State: []byte("2"), TimingOut: true},
	}})
	if outputs(res) != "bob=ended 2" || string(res.Results[0].State) != "5" || res.Results[1].Keep {
		t.Errorf("mapWithState: %s %+v", outputs(res), res.Results)
	}
	// Rebuilding state: no outputs.
	res = reduceKeys(t, c, ReduceKeysCall{Stage: 2, BatchTime: bt, Keys: []KeyInput{{Key: "bob", State: []byte("2"), TimingOut: true}}})
	if len(res.Outputs) != 0 {
		t.Errorf("mapWithState while rebuilding: %s", outputs(res))
	}

	// A window with an inverse: 10 - 4 (left) + 1 (entered) + 2 (this batch).
	res = reduceKeys(t, c, ReduceKeysCall{Stage: 3, BatchTime: bt, Emit: true, WindowEnd: true, Keys: []KeyInput{
		{Key: "a", Values: vals("2"), Window: []byte("10"), Leaving: vals("4"), Entering: vals("1")},
	}})
	if outputs(res) != "a=9" || string(res.Results[0].Reduced) != "2" {
		t.Errorf("window: %s %+v", outputs(res), res.Results)
	}
	// Between windows: only this batch's value.
	res = reduceKeys(t, c, ReduceKeysCall{Stage: 3, BatchTime: bt, Emit: true, Keys: []KeyInput{{Key: "a", Values: vals("2", "2")}}})
	if len(res.Outputs) != 0 || string(res.Results[0].Reduced) != "4" || res.Results[0].Keep {
		t.Errorf("window, mid-slide: %s %+v", outputs(res), res.Results)
	}

	res = reduceKeys(t, c, ReduceKeysCall{Stage: 4, BatchTime: bt, Emit: true, Keys: []KeyInput{
		{Key: "a", Values: vals("1", "2"), Right: vals("x", "y")}, {Key: "b", Values: vals("3")},
	}})
	if outputs(res) != "a=1|x a=1|y a=2|x a=2|y b=3|" {
		t.Errorf("join: %s", outputs(res))
	}
}

// TestWindowWithoutInverseReducesEveryBatch: without an inverse, the window
// is its batches' values reduced.
func TestWindowWithoutInverseReducesEveryBatch(t *testing.T) {
	c := configured(t, func(s *Stages[view]) {
		s.ReduceByKey("w", byTitle, add).Window(2*time.Second, time.Second, nil).Emit(emitKV)
	})
	res := reduceKeys(t, c, ReduceKeysCall{Emit: true, WindowEnd: true, Keys: []KeyInput{
		{Key: "a", Values: [][]byte{[]byte("2")}, Entering: [][]byte{[]byte("5"), []byte("1")}}, {Key: "b", Entering: [][]byte{[]byte("7")}},
	}})
	if outputs(res) != "a=8 b=7" {
		t.Errorf("%s", outputs(res))
	}
}

// TestKeyedStageFailuresNameTheirPart: an error or a panic in a stage's
// function fails the call with a StageError naming the part and key.
func TestKeyedStageFailuresNameTheirPart(t *testing.T) {
	c := configured(t, func(s *Stages[view]) {
		s.ReduceByKey("r", func(v view) (string, []byte, bool) {
			if v.user == "boom" {
				panic("key function")
			}
			return v.title, []byte(v.user), true
		}, add).Emit(emitKV)
	})
	_, err := c.ProcessPartition(context.Background(), Partition{Records: []Record{{Value: []byte("boom a")}}})
	var serr *StageError
	if !errors.As(err, &serr) || serr.Stage != StageKey || !serr.Panic {
		t.Fatalf("panicking key function: %v", err)
	}
	_, err = c.ReduceKeys(context.Background(), ReduceKeysCall{Emit: true, Keys: []KeyInput{{Key: "t", Values: [][]byte{[]byte("1"), []byte("x")}}}})
	if !errors.As(err, &serr) || serr.Stage != StageReduce || serr.Key != "t" {
		t.Fatalf("failing reduce: %v", err)
	}
}

// TestBadStagesFailConfigure: each mistake is named at Configure.
func TestBadStagesFailConfigure(t *testing.T) {
	noop := func(context.Context, StageInfo, []KeyValue) ([]Output, error) { return nil, nil }
	for want, declare := range map[string]func(s *Stages[view]){
		"a name is 1 to 64":       func(s *Stages[view]) { s.ReduceByKey("a/b", byUser, add).Emit(noop) },
		"same name":               func(s *Stages[view]) { s.GroupByKey("g", byUser).Emit(nil); s.ReduceByKey("g", byUser, add).Emit(noop) },
		"neither emits":           func(s *Stages[view]) { s.ReduceByKey("r", byUser, add) },
		"needs a reduce function": func(s *Stages[view]) { s.ReduceByKey("r", byUser, nil).Emit(noop) },
		"use one": func(s *Stages[view]) {
			s.ReduceByKey("r", byUser, add).Window(time.Second, time.Second, nil).UpdateStateByKey(nil)
		},
		"a multiple of the slide": func(s *Stages[view]) {
			s.ReduceByKey("r", byUser, add).Window(3*time.Second, 2*time.Second, nil).Emit(noop)
		},
		"a table URI":               func(s *Stages[view]) { s.JoinTable("t", byUser, Table{}).Emit(nil) },
		"a key function is nil":     func(s *Stages[view]) { s.Join("j", byUser, nil).Emit(nil) },
		"want 1 to 65536, or 0 for": func(s *Stages[view]) { s.ReduceByKey("r", byUser, add).Partitions(-1).Emit(noop) },
	} {
		c := TestJobClient(t, &keyedJob{declare: declare})
		_, err := c.Configure(context.Background(), nil, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q, got %v", want, err)
		}
	}
}

// TestKeyedJobNeedsAHostThatRunsStages: a host that does not list the
// feature gets a configure error rather than a job whose stages it
// would ignore.
func TestKeyedJobNeedsAHostThatRunsStages(t *testing.T) {
	c := TestJobClient(t, &keyedJob{declare: allStages})
	rpc := c.rpc.(*grpcClient).rpc
	resp, err := rpc.Configure(context.Background(), &jobpb.ConfigureRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(resp.GetError().GetMessage(), "upgrade Spindle") {
		t.Fatalf("%+v", resp)
	}
}
