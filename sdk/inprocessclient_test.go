package sdk

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestInProcessClientMatchesThePlugin: a job run in-process gives what the
// same job gives through the plugin protocol, rejections, aggregates,
// state and failures included.
func TestInProcessClientMatchesThePlugin(t *testing.T) {
	ctx := context.Background()
	viaPlugin, _ := startTestJob(t, &testJob{})
	inProcess, err := NewInProcessClient[word](&testJob{}, InProcessConfig{AppLog: &syncBuffer{}})
	if err != nil {
		t.Fatalf("NewInProcessClient: %v", err)
	}
	t.Cleanup(inProcess.Kill)
	caps, err := inProcess.Configure(ctx, map[string]string{"spark.app.name": "t"}, []string{"--x", "1"})
	if err != nil || !reflect.DeepEqual(caps, Capabilities{Enrich: true, Aggregate: true, UpdateState: true}) {
		t.Fatalf("Configure = %+v, %v", caps, err)
	}

	p := partition("a b", "", "bad", "skip", "c unknown a", "nokey")
	want, err := viaPlugin.ProcessPartition(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := inProcess.ProcessPartition(ctx, p)
	if err != nil {
		t.Fatalf("ProcessPartition: %v", err)
	}
	if !reflect.DeepEqual(got.Outputs, want.Outputs) || !reflect.DeepEqual(got.Aggregates, want.Aggregates) {
		t.Errorf("outputs and aggregates:\n got %q %q\nwant %q %q", got.Outputs, got.Aggregates, want.Outputs, want.Aggregates)
	}
	if len(got.Rejected) != len(want.Rejected) {
		t.Fatalf("rejected %+v, want %+v", got.Rejected, want.Rejected)
	}
	for i := range want.Rejected {
		g, w := got.Rejected[i], want.Rejected[i]
		if !recordsEqual(g.Record, w.Record) || g.Stage != w.Stage || g.Reason != w.Reason {
			t.Errorf("rejected %d = %+v, want %+v", i, g, w)
		}
	}
	gm, wm := got.Metrics, want.Metrics
	if gm.RecordsIn != wm.RecordsIn || gm.Events != wm.Events || gm.Filtered != wm.Filtered || gm.Rejected != wm.Rejected ||
		gm.Outputs != wm.Outputs || gm.Aggregates != wm.Aggregates || gm.Total <= 0 {
		t.Errorf("metrics = %+v, want the counts of %+v and a total", gm, wm)
	}

	groups := []KeyValues{{Key: "a", Values: [][]byte{[]byte("1"), []byte("2")}}}
	if got, err := inProcess.Reduce(ctx, groups); err != nil || !reflect.DeepEqual(got, []KeyValue{{"a", []byte("3")}}) {
		t.Errorf("Reduce = %q, %v", got, err)
	}
	states, err := inProcess.UpdateState(ctx, time.Now(), []StateInput{{Key: "empty", Values: [][]byte{[]byte("1")}}})
	if err != nil || len(states) != 1 || states[0].State == nil || !states[0].Keep {
		t.Errorf("UpdateState = %+v, %v; want a kept, empty, non-nil state", states, err)
	}

	_, err = inProcess.ProcessPartition(ctx, partition("panic"))
	serr, ok := errors.AsType[*StageError](err)
	if !ok || serr.Stage != StageParse || !serr.Panic || !strings.Contains(err.Error(), "partition in/3") {
		t.Errorf("a parse panic gave %v, want a parse StageError naming the partition", err)
	}
}

func TestInProcessClientKill(t *testing.T) {
	c, err := NewInProcessClient[Record](minimalJob{}, DefaultInProcessConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Configure(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	if c.Exited() {
		t.Fatal("Exited before Kill")
	}
	c.Kill()
	c.Kill()
	if !c.Exited() {
		t.Error("not Exited after Kill")
	}
	if _, err := c.ProcessPartition(context.Background(), partition("a")); !errors.Is(err, ErrStopped) {
		t.Errorf("ProcessPartition after Kill = %v, want ErrStopped", err)
	}
}

func TestNewInProcessClientRefuses(t *testing.T) {
	if _, err := NewInProcessClient[Record](minimalJob{}, InProcessConfig{}); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "AppLog") {
		t.Errorf("no AppLog: %v, want ErrInvalidConfig naming AppLog", err)
	}
	if _, err := NewInProcessClient[Record](stateOnly{}, InProcessConfig{AppLog: io.Discard}); !errors.Is(err, ErrInvalidJob) {
		t.Errorf("StateUpdater without Aggregator: %v, want ErrInvalidJob", err)
	}
}
