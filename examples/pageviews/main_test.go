package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/spindlehq/spindle/sdk"
)

func TestParseRejectsWhatIsNotAView(t *testing.T) {
	j := &pageViews{}
	got, err := j.Parse(sdk.Record{Value: []byte(`{"user":"u1","title":"t2"}`)})
	if err != nil || len(got) != 1 || got[0] != (view{"u1", "t2"}) {
		t.Fatalf("Parse = %v, %v; want one view of t2 by u1", got, err)
	}
	for _, bad := range []string{``, `{`, `{"user":"u1"}`, `{"title":"t1"}`, `[1]`} {
		if _, err := j.Parse(sdk.Record{Value: []byte(bad)}); err == nil {
			t.Errorf("Parse(%q) accepted it", bad)
		}
	}
}

func TestRankKeepsTheMostViewedTitles(t *testing.T) {
	counts := []sdk.KeyValue{{Key: "a", Value: []byte("3")}, {Key: "b", Value: []byte("7")}, {Key: "c", Value: []byte("3")}, {Key: "d", Value: []byte("0")}, {Key: "e", Value: []byte("1")}}
	got, err := rank(counts, 3)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range got {
		keys = append(keys, kv.Key)
	}
	if !slices.Equal(keys, []string{"b", "a", "c"}) {
		t.Errorf("rank = %v, want b, a, c (ties by title)", keys)
	}
	if got, _ := rank(counts[3:4], 3); len(got) != 0 {
		t.Errorf("a title with no views left is ranked: %v", got)
	}
	if _, err := rank([]sdk.KeyValue{{Key: "x", Value: []byte("many")}}, 1); err == nil {
		t.Error("a count that is not a number was ranked")
	}
}

func TestSessionCountsUntilItTimesOut(t *testing.T) {
	at := time.UnixMilli(5000)
	st := &sdk.State{}
	if out, err := session(at, "u1", [][]byte{one, one}, st); err != nil || len(out) != 0 || string(st.Get()) != "2" {
		t.Fatalf("first views: outputs %v, state %q, %v; want none and 2", out, st.Get(), err)
	}
	if out, err := session(at, "u1", [][]byte{one}, st); err != nil || len(out) != 0 || string(st.Get()) != "3" {
		t.Fatalf("more views: outputs %v, state %q, %v; want none and 3", out, st.Get(), err)
	}
}

func TestConfigureRefusesBadArguments(t *testing.T) {
	for _, args := range [][]string{{"--top", "0"}, {"--session-timeout", "0s"}, {"--window", "soon"}} {
		if err := (&pageViews{}).Configure(context.Background(), sdk.JobContext{Args: args}); err == nil {
			t.Errorf("Configure(%v) accepted them", args)
		}
	}
}
