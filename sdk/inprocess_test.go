package sdk

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestProcessPartitionRunsAllStages(t *testing.T) {
	job := &testJob{}
	c, appLog := startTestJob(t, job)
	p := partition("a b", "", "bad", "skip", "c unknown a", "nokey")

	res, err := c.ProcessPartition(context.Background(), p)
	if err != nil {
		t.Fatalf("ProcessPartition: %v", err)
	}

	wantOut := []Output{
		{Key: []byte("a"), Value: []byte("r-a"), Destination: "in-out"},
		{Key: []byte("b"), Value: []byte("r-b"), Destination: "in-out"},
		{Key: []byte("c"), Value: []byte("r-c"), Destination: "in-out"},
		{Key: []byte("a"), Value: []byte("r-a"), Destination: "in-out"},
		{Key: []byte("nokey"), Value: []byte("r-nokey"), Destination: "in-out"},
	}
	if !reflect.DeepEqual(res.Outputs, wantOut) {
		t.Errorf("outputs:\n got %q\nwant %q", res.Outputs, wantOut)
	}

	type rej struct {
		offset int64
		stage  Stage
		reason string
	}
	var gotRej []rej
	for _, r := range res.Rejected {
		gotRej = append(gotRej, rej{r.Record.Offset, r.Stage, r.Reason})
	}
	wantRej := []rej{
		{101, StageParse, "empty record"},
		{102, StageParse, "record 102 is bad"},
		{104, StageEnrich, `no region for "unknown"`},
	}
	if !reflect.DeepEqual(gotRej, wantRej) {
		t.Errorf("rejected:\n got %+v\nwant %+v", gotRej, wantRej)
	}
	// A rejected record comes back whole, for the dead-letter output.
	if got, want := res.Rejected[1].Record, p.Records[2]; !recordsEqual(got, want) {
		t.Errorf("rejected record = %+v, want %+v", got, want)
	}

	wantAgg := []KeyValue{{"a", []byte("2")}, {"b", []byte("1")}, {"c", []byte("1")}}
	if !reflect.DeepEqual(res.Aggregates, wantAgg) {
		t.Errorf("aggregates = %q, want %q", res.Aggregates, wantAgg)
	}

	m := res.Metrics
	if m.RecordsIn != 6 || m.Events != 6 || m.Filtered != 1 || m.Rejected != 3 || m.Outputs != 5 || m.Aggregates != 3 {
		t.Errorf("metrics = %+v", m)
	}
	if m.Parse <= 0 || m.Enrich <= 0 || m.Emit <= 0 || m.Aggregate <= 0 || m.Total < m.Parse+m.Enrich+m.Emit+m.Aggregate {
		t.Errorf("stage times = %+v: each must be positive and within the total", m)
	}

	// The job saw the partition's identity, and its configuration.
	job.mu.Lock()
	seen, jc := job.seen, job.jc
	job.mu.Unlock()
	if len(seen) != 1 || seen[0] != p.PartitionInfo {
		t.Errorf("Enrich saw %+v, want %+v", seen, p.PartitionInfo)
	}
	if jc.Conf["spark.app.name"] != "t" || !slices.Equal(jc.Args, []string{"--x", "1"}) || jc.Logger == nil {
		t.Errorf("JobContext = %+v", jc)
	}
	_ = appLog
}

// TestParsePanicFailsTheCall: a panic in Parse fails the whole call with a
// StageError naming the record, so that the task is retried; the plugin
// keeps serving, and its stack is in the job's log.
func TestParsePanicFailsTheCall(t *testing.T) {
	c, appLog := startTestJob(t, &testJob{})
	_, err := c.ProcessPartition(context.Background(), partition("a b", "panic", "c"))
	var serr *StageError
	if !errors.As(err, &serr) || serr.Stage != StageParse || !serr.Panic || !strings.Contains(serr.Message, "at offset 101: assignment to entry in nil map") {
		t.Fatalf("ProcessPartition = %v, want a panicking parse StageError naming offset 101", err)
	}
	if log := appLog.String(); !strings.Contains(log, `"msg":"job stage panicked"`) || !strings.Contains(log, `"stage":"parse"`) || !strings.Contains(log, "testJob).Parse") {
		t.Errorf("app log lacks the parse panic and its stack:\n%s", log)
	}
	if _, err := c.ProcessPartition(context.Background(), partition("a b")); err != nil {
		t.Fatalf("after a panic the plugin no longer serves: %v", err)
	}
}

func TestProcessPartitionEmpty(t *testing.T) {
	c, _ := startTestJob(t, &testJob{})
	res, err := c.ProcessPartition(context.Background(), partition())
	if err != nil {
		t.Fatalf("ProcessPartition: %v", err)
	}
	if len(res.Outputs) != 0 || len(res.Rejected) != 0 || len(res.Aggregates) != 0 || res.Metrics.RecordsIn != 0 {
		t.Errorf("empty partition gave %+v", res)
	}
}

func TestConfigureReportsCapabilities(t *testing.T) {
	c := testJobClient(t, &testJob{}, &syncBuffer{})
	caps, err := c.Configure(context.Background(), nil, nil)
	if err != nil {
		t.Fatalf("Configure: %v", err)
	}
	if !reflect.DeepEqual(caps, Capabilities{Enrich: true, Aggregate: true, UpdateState: true}) {
		t.Errorf("capabilities = %+v", caps)
	}

	c2 := testJobClient(t, &minimalJob{}, &syncBuffer{})
	caps, err = c2.Configure(context.Background(), nil, nil)
	if err != nil {
		t.Fatalf("Configure minimal job: %v", err)
	}
	if !reflect.DeepEqual(caps, Capabilities{}) {
		t.Errorf("minimal job capabilities = %+v", caps)
	}
	res, err := c2.ProcessPartition(context.Background(), partition("x y"))
	if err != nil || len(res.Outputs) != 1 || string(res.Outputs[0].Value) != "x y" || res.Aggregates != nil {
		t.Errorf("minimal job: %+v, %v", res, err)
	}
	if _, err := c2.Reduce(context.Background(), []KeyValues{{Key: "k", Values: [][]byte{{1}}}}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Reduce on a job without Aggregator: %v, want ErrUnsupported", err)
	}
	if _, err := c2.UpdateState(context.Background(), time.Now(), []StateInput{{Key: "k"}}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("UpdateState on a job without StateUpdater: %v, want ErrUnsupported", err)
	}
}

// minimalJob implements only Job: one output per record, its value.
type minimalJob struct{}

func (minimalJob) Parse(rec Record) ([]Record, error) { return []Record{rec}, nil }
func (minimalJob) Emit(_ context.Context, _ PartitionInfo, recs []Record) ([]Output, error) {
	outs := make([]Output, len(recs))
	for i, r := range recs {
		outs[i] = Output{Value: r.Value}
	}
	return outs, nil
}

func TestCallOrder(t *testing.T) {
	ctx := context.Background()
	c := testJobClient(t, &testJob{}, &syncBuffer{})
	if _, err := c.ProcessPartition(ctx, partition("a")); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("ProcessPartition before Configure: %v, want ErrNotConfigured", err)
	}
	if _, err := c.Reduce(ctx, nil); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("Reduce before Configure: %v, want ErrNotConfigured", err)
	}
	if _, err := c.UpdateState(ctx, time.Now(), nil); !errors.Is(err, ErrNotConfigured) {
		t.Errorf("UpdateState before Configure: %v, want ErrNotConfigured", err)
	}
	if _, err := c.Configure(ctx, nil, nil); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	if _, err := c.Configure(ctx, nil, nil); !errors.Is(err, ErrAlreadyConfigured) {
		t.Errorf("second Configure: %v, want ErrAlreadyConfigured", err)
	}
}

func TestConfigureFailureCanBeRetried(t *testing.T) {
	for _, tc := range []struct {
		name      string
		job       *testJob
		wantPanic bool
		wantMsg   string
	}{
		{"error", &testJob{fail: StageConfigure}, false, "configure refused"},
		{"panic", &testJob{panicAt: StageConfigure}, true, "configure blew up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testJobClient(t, tc.job, &syncBuffer{})
			_, err := c.Configure(context.Background(), nil, nil)
			serr, ok := errors.AsType[*StageError](err)
			if !ok || serr.Stage != StageConfigure || serr.Panic != tc.wantPanic || serr.Message != tc.wantMsg {
				t.Fatalf("Configure = %v, want a configure StageError %q (panic %v)", err, tc.wantMsg, tc.wantPanic)
			}
			tc.job.fail, tc.job.panicAt = "", ""
			if _, err := c.Configure(context.Background(), nil, nil); err != nil {
				t.Errorf("Configure after a failed one: %v", err)
			}
		})
	}
}

func TestStageFailuresNameTheStageAndThePluginKeepsServing(t *testing.T) {
	for _, tc := range []struct {
		fail, panicAt Stage
		wantStage     Stage
		wantPanic     bool
		wantMsg       string
	}{
		{fail: StageEnrich, wantStage: StageEnrich, wantMsg: "region service unreachable"},
		{panicAt: StageEnrich, wantStage: StageEnrich, wantPanic: true, wantMsg: "enrich blew up"},
		{fail: StageEmit, wantStage: StageEmit, wantMsg: "cannot emit"},
		{panicAt: StageEmit, wantStage: StageEmit, wantPanic: true, wantMsg: "emit blew up"},
		{fail: StageAggregate, wantStage: StageAggregate, wantMsg: "reduce: cannot add"},
		{panicAt: StageAggregate, wantStage: StageAggregate, wantPanic: true, wantMsg: "aggregate blew up"},
		{panicAt: StageReduce, wantStage: StageAggregate, wantPanic: true, wantMsg: "reduce blew up"},
	} {
		name := string(tc.fail) + string(tc.panicAt)
		if tc.panicAt != "" {
			name = "panic_" + name
		}
		t.Run(name, func(t *testing.T) {
			job := &testJob{fail: tc.fail, panicAt: tc.panicAt}
			c, appLog := startTestJob(t, job)
			// "a a" makes the aggregate stage reduce.
			_, err := c.ProcessPartition(context.Background(), partition("a a"))
			serr, ok := errors.AsType[*StageError](err)
			if !ok {
				t.Fatalf("ProcessPartition = %v, want a StageError", err)
			}
			if serr.Stage != tc.wantStage || serr.Panic != tc.wantPanic || serr.Message != tc.wantMsg {
				t.Errorf("StageError = %+v, want stage %s panic %v message %q", serr, tc.wantStage, tc.wantPanic, tc.wantMsg)
			}
			if !strings.Contains(err.Error(), "partition in/3 of batch 2025-03-01T12:00:05Z") || !strings.Contains(err.Error(), "job stage "+string(tc.wantStage)) {
				t.Errorf("error %q does not name the partition, batch and stage", err)
			}
			if tc.wantPanic && !strings.Contains(appLog.String(), `"stage":"`+string(tc.wantStage)+`"`) {
				t.Errorf("app log lacks the panic:\n%s", appLog)
			}
			// The plugin still serves.
			job.fail, job.panicAt = "", ""
			res, err := c.ProcessPartition(context.Background(), partition("a a"))
			if err != nil || len(res.Outputs) != 2 {
				t.Errorf("after the failure: %+v, %v", res, err)
			}
		})
	}
}

// badIndexJob's Enrich rejects an event that does not exist.
type badIndexJob struct{ minimalJob }

func (badIndexJob) Enrich(_ context.Context, _ PartitionInfo, events []Record) (Rejections, error) {
	return Rejections{len(events): errors.New("nope")}, nil
}

func TestEnrichRejectingAMissingEventFails(t *testing.T) {
	c := testJobClient(t, badIndexJob{}, &syncBuffer{})
	if _, err := c.Configure(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	_, err := c.ProcessPartition(context.Background(), partition("a", "b"))
	serr, ok := errors.AsType[*StageError](err)
	if !ok || serr.Stage != StageEnrich || !strings.Contains(serr.Message, "rejected event index 2, but there are 2 events") {
		t.Errorf("ProcessPartition = %v, want an enrich StageError naming the index", err)
	}
}

func TestReduce(t *testing.T) {
	ctx := context.Background()
	job := &testJob{}
	c, _ := startTestJob(t, job)
	groups := []KeyValues{
		{Key: "a", Values: [][]byte{[]byte("1"), []byte("2"), []byte("3")}},
		{Key: "b", Values: [][]byte{[]byte("5")}},
		{Key: "\xff not utf-8", Values: [][]byte{[]byte("1"), []byte("1")}},
	}
	got, err := c.Reduce(ctx, groups)
	if err != nil {
		t.Fatalf("Reduce: %v", err)
	}
	want := []KeyValue{{"a", []byte("6")}, {"b", []byte("5")}, {"\xff not utf-8", []byte("2")}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Reduce = %q, want %q", got, want)
	}

	for _, tc := range []struct {
		name      string
		groups    []KeyValues
		panicAt   Stage
		wantPanic bool
		wantMsg   string
	}{
		{"no values", []KeyValues{{Key: "k"}}, "", false, "no values to reduce"},
		{"bad value", []KeyValues{{Key: "k", Values: [][]byte{[]byte("1"), []byte("x")}}}, "", false, `count "x"`},
		{"panic", []KeyValues{{Key: "k", Values: [][]byte{[]byte("1"), []byte("1")}}}, StageReduce, true, "reduce blew up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job.panicAt = tc.panicAt
			defer func() { job.panicAt = "" }()
			_, err := c.Reduce(ctx, tc.groups)
			serr, ok := errors.AsType[*StageError](err)
			if !ok || serr.Stage != StageReduce || serr.Key != "k" || serr.Panic != tc.wantPanic || !strings.Contains(serr.Message, tc.wantMsg) {
				t.Errorf("Reduce = %v, want a reduce StageError on key k containing %q", err, tc.wantMsg)
			}
		})
	}
}

func TestUpdateState(t *testing.T) {
	ctx := context.Background()
	job := &testJob{}
	c, _ := startTestJob(t, job)
	batch := time.Date(2025, 3, 1, 12, 0, 10, 0, time.UTC)
	in := []StateInput{
		{Key: "new", Values: [][]byte{[]byte("2"), []byte("3")}},           // no state yet
		{Key: "old", Values: [][]byte{[]byte("1")}, Old: []byte("10")},     // adds to its state
		{Key: "idle", Old: []byte("4")},                                    // no values this batch
		{Key: "gone", Values: [][]byte{[]byte("-4")}, Old: []byte("4")},    // total 0: dropped
		{Key: "empty", Values: [][]byte{[]byte("1")}},                      // kept with nil state
		{Key: "emptyold", Values: [][]byte{[]byte("0")}, Old: []byte{}},    // empty state exists
		{Key: "\x00\xfe", Values: [][]byte{[]byte("7")}, Old: []byte("0")}, // binary key
	}
	got, err := c.UpdateState(ctx, batch, in)
	if err != nil {
		t.Fatalf("UpdateState: %v", err)
	}
	want := []StateOutput{
		{Key: "new", State: []byte("5"), Keep: true},
		{Key: "old", State: []byte("11"), Keep: true},
		{Key: "idle", State: []byte("4"), Keep: true},
		{Key: "gone", Keep: false},
		{Key: "empty", State: []byte{}, Keep: true},
		{Key: "emptyold", Keep: false},
		{Key: "\x00\xfe", State: []byte("7"), Keep: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("UpdateState:\n got %+v\nwant %+v", got, want)
	}
	if got[4].State == nil {
		t.Error("a kept empty state came back nil, which would read as no state next batch")
	}

	job.fail = StageUpdateState
	_, err = c.UpdateState(ctx, batch, in[:1])
	serr, ok := errors.AsType[*StageError](err)
	if !ok || serr.Stage != StageUpdateState || serr.Key != "new" || !strings.Contains(serr.Message, "state store down at 2025-03-01T12:00:10Z") {
		t.Errorf("UpdateState = %v, want an update_state StageError on key new with the batch time", err)
	}
	job.fail, job.panicAt = "", StageUpdateState
	_, err = c.UpdateState(ctx, batch, in[:1])
	if serr, ok := errors.AsType[*StageError](err); !ok || !serr.Panic || serr.Stage != StageUpdateState {
		t.Errorf("UpdateState = %v, want a panic StageError", err)
	}
}

// oldSeer records the old state it is given, to tell nil from empty.
type oldSeer struct {
	minimalJob
	olds chan []byte
}

func (oldSeer) Aggregate(Record) (string, []byte, bool) { return "", nil, false }
func (oldSeer) Reduce(a, _ []byte) ([]byte, error)      { return a, nil }
func (o oldSeer) UpdateState(_ time.Time, _ string, _ [][]byte, old []byte) ([]byte, bool, error) {
	o.olds <- old
	return old, true, nil
}

func TestUpdateStateTellsNoStateFromEmptyState(t *testing.T) {
	job := oldSeer{olds: make(chan []byte, 2)}
	c := testJobClient(t, job, &syncBuffer{})
	if _, err := c.Configure(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateState(context.Background(), time.Now(), []StateInput{{Key: "none"}, {Key: "empty", Old: []byte{}}}); err != nil {
		t.Fatal(err)
	}
	if none, empty := <-job.olds, <-job.olds; none != nil || empty == nil || len(empty) != 0 {
		t.Errorf("job saw old %v (nil %v) and %v (nil %v), want nil and a non-nil empty slice", none, none == nil, empty, empty == nil)
	}
}

func TestLogLevelFromConf(t *testing.T) {
	ctx := context.Background()
	appLog := &syncBuffer{}
	c := testJobClient(t, &testJob{}, appLog)
	if _, err := c.Configure(ctx, map[string]string{ConfLogLevel: "loud"}, nil); err == nil || !strings.Contains(err.Error(), `spark.log.level "loud"`) {
		t.Errorf("Configure with a bad level: %v", err)
	}
	if _, err := c.Configure(ctx, map[string]string{ConfLogLevel: "warn"}, nil); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	// The panic fails the call; its ERROR line must still reach the log.
	if _, err := c.ProcessPartition(ctx, partition("panic")); err == nil {
		t.Fatal("a panicking parse did not fail the call")
	}
	log := appLog.String()
	if strings.Contains(log, "test job configured") {
		t.Errorf("an info line got through at WARN:\n%s", log)
	}
	if !strings.Contains(log, "job stage panicked") {
		t.Errorf("an error line was dropped at WARN:\n%s", log)
	}
}

func TestRejectionReasonsNeedNotBeUTF8(t *testing.T) {
	c := testJobClient(t, &echoRejecter{}, &syncBuffer{})
	if _, err := c.Configure(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	res, err := c.ProcessPartition(context.Background(), partition("ok \xff\xfe"))
	if err != nil {
		t.Fatalf("a reason quoting a binary record failed the call: %v", err)
	}
	if len(res.Rejected) != 1 || res.Rejected[0].Reason != "bad record: ok \uFFFD" {
		t.Errorf("rejected = %+v", res.Rejected)
	}
}

// echoRejecter rejects every record, quoting it raw.
type echoRejecter struct{ minimalJob }

func (echoRejecter) Parse(rec Record) ([]Record, error) {
	return nil, errors.New("bad record: " + string(rec.Value))
}

func TestContextCancelStopsTheCall(t *testing.T) {
	c, _ := startTestJob(t, &testJob{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.ProcessPartition(ctx, partition("a")); !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("ProcessPartition with a cancelled context: %v", err)
	}
}

func TestTestJobClientKill(t *testing.T) {
	c := TestJobClient(t, &testJob{})
	if c.Exited() {
		t.Fatal("Exited before Kill")
	}
	c.Kill()
	c.Kill()
	if !c.Exited() {
		t.Error("not Exited after Kill")
	}
	if _, err := c.Configure(context.Background(), nil, nil); err == nil {
		t.Error("Configure after Kill succeeded")
	}
}
