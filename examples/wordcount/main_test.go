package main

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/spindlehq/spindle/sdk"
)

func lines(batch time.Time, partition int32, values ...string) sdk.Partition {
	p := sdk.Partition{PartitionInfo: sdk.PartitionInfo{BatchTime: batch, Topic: "lines", Partition: partition}}
	for i, v := range values {
		p.Records = append(p.Records, sdk.Record{Topic: "lines", Partition: partition, Offset: int64(i), Value: []byte(v)})
	}
	return p
}

func TestWordcount(t *testing.T) {
	ctx := context.Background()
	c := sdk.TestJobClient(t, &wordCount{})
	if _, err := c.Configure(ctx, nil, []string{"--lower", "--min-length", "2"}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	b1 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	res, err := c.ProcessPartition(ctx, lines(b1, 0, "The cat saw the dog", "", "a", "\xffbad", "\t "))
	if err != nil {
		t.Fatal(err)
	}
	wantOut := []sdk.Output{
		{Key: []byte("the"), Value: []byte("2")}, {Key: []byte("cat"), Value: []byte("1")},
		{Key: []byte("saw"), Value: []byte("1")}, {Key: []byte("dog"), Value: []byte("1")},
	}
	if !reflect.DeepEqual(res.Outputs, wantOut) {
		t.Errorf("outputs = %q, want %q", res.Outputs, wantOut)
	}
	var reasons []string
	for _, r := range res.Rejected {
		reasons = append(reasons, r.Reason)
	}
	if want := []string{"empty line", "line is not valid UTF-8 (first bad byte at 0)", "blank line: no words"}; !reflect.DeepEqual(reasons, want) {
		t.Errorf("reasons = %q, want %q", reasons, want)
	}
	if res.Metrics.Filtered != 1 {
		t.Errorf("filtered = %d, want 1 (the line of one short word)", res.Metrics.Filtered)
	}

	// Two partitions of the same batch, reduced and kept as state.
	res2, err := c.ProcessPartition(ctx, lines(b1, 1, "the end"))
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string][][]byte{}
	var keys []string
	for _, kv := range append(res.Aggregates, res2.Aggregates...) {
		if byKey[kv.Key] == nil {
			keys = append(keys, kv.Key)
		}
		byKey[kv.Key] = append(byKey[kv.Key], kv.Value)
	}
	var groups []sdk.KeyValues
	for _, k := range keys {
		groups = append(groups, sdk.KeyValues{Key: k, Values: byKey[k]})
	}
	reduced, err := c.Reduce(ctx, groups)
	if err != nil {
		t.Fatal(err)
	}
	if want := []sdk.KeyValue{kv("the", "3"), kv("cat", "1"), kv("saw", "1"), kv("dog", "1"), kv("end", "1")}; !reflect.DeepEqual(reduced, want) {
		t.Errorf("reduced = %q, want %q", reduced, want)
	}

	state := map[string][]byte{}
	update := func(batch time.Time, vals []sdk.KeyValue) {
		t.Helper()
		var in []sdk.StateInput
		for _, kv := range vals {
			in = append(in, sdk.StateInput{Key: kv.Key, Values: [][]byte{kv.Value}, Old: state[kv.Key]})
		}
		out, err := c.UpdateState(ctx, batch, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out {
			state[s.Key] = s.State
		}
	}
	update(b1, reduced)
	update(b1.Add(time.Second), []sdk.KeyValue{kv("the", "4")})
	if string(state["the"]) != "7" || string(state["end"]) != "1" {
		t.Errorf("state = %q, want the=7 end=1", state)
	}
}

func TestWordcountBadArguments(t *testing.T) {
	for _, args := range [][]string{{"--min-length", "0"}, {"--no-such-flag"}} {
		c := sdk.TestJobClient(t, &wordCount{})
		_, err := c.Configure(context.Background(), nil, args)
		if serr, ok := errors.AsType[*sdk.StageError](err); !ok || serr.Stage != sdk.StageConfigure {
			t.Errorf("Configure(%q) = %v, want a configure StageError", args, err)
		}
	}
}

func TestWordcountRejectsCorruptCounts(t *testing.T) {
	c := sdk.TestJobClient(t, &wordCount{})
	if _, err := c.Configure(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	_, err := c.UpdateState(context.Background(), time.Now(), []sdk.StateInput{{Key: "w", Values: [][]byte{[]byte("1")}, Old: []byte("x")}})
	if serr, ok := errors.AsType[*sdk.StageError](err); !ok || serr.Key != "w" {
		t.Errorf("UpdateState over corrupt state = %v, want a StageError on key w", err)
	}
}

func kv(k, v string) sdk.KeyValue { return sdk.KeyValue{Key: k, Value: []byte(v)} }
