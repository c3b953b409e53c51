package main

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/nodemanager"
)

func TestMergeAggregated(t *testing.T) {
	const (
		c1, c2, c3, c4 = "container_1_0001_01_000001", "container_1_0001_01_000002", "container_1_0001_01_000003", "container_1_0001_01_000004"
		n1, n2         = "10.0.0.1:8041", "10.0.0.2:8041"
	)
	live := []logTarget{
		{id: c1, nodeID: n1, running: true},
		{id: c2, nodeID: n1, hasLogs: true},
		{id: c3, nodeID: n2}, // tracked by its NM, whose logs of it are gone
	}
	agg := []nodemanager.AggregatedContainer{
		{ContainerID: c1, NodeID: n1}, {ContainerID: c2, NodeID: n1}, {ContainerID: c3, NodeID: n2}, {ContainerID: c4, NodeID: n2},
	}
	all := func(string) bool { return true }
	tests := []struct {
		name   string
		wanted func(string) bool
		node   string
		want   string // id:source per target
	}{
		{name: "all", wanted: all, want: c1 + ":local " + c2 + ":local " + c3 + ":aggregated " + c4 + ":aggregated"},
		{name: "one container", wanted: func(id string) bool { return id == c4 }, want: c1 + ":local " + c2 + ":local " + c3 + ":local " + c4 + ":aggregated"},
		{name: "node", wanted: all, node: n1, want: c1 + ":local " + c2 + ":local " + c3 + ":local"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mergeAggregated(live, agg, tc.wanted, tc.node)
			var b bytes.Buffer
			for i, tg := range got {
				src := "local"
				if tg.agg != nil {
					src = "aggregated"
					if tg.agg.ContainerID != tg.id || tg.nodeID != tg.agg.NodeID {
						t.Errorf("target %s reads the aggregated copy of %s on %s", tg.id, tg.agg.ContainerID, tg.agg.NodeID)
					}
				}
				if i > 0 {
					b.WriteByte(' ')
				}
				fmt.Fprintf(&b, "%s:%s", tg.id, src)
			}
			if b.String() != tc.want {
				t.Fatalf("merged %s\nwant   %s", b.String(), tc.want)
			}
			if live[2].agg != nil {
				t.Fatal("mergeAggregated changed its input")
			}
		})
	}
}

func TestAggregatedCopyRange(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := dfs.NewFileStore("/")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.WriteFile(ctx, dir+"/stdout", []byte("0123456789")); err != nil {
		t.Fatal(err)
	}
	r := &aggregatedReader{store: store, dir: dir}
	ac := &nodemanager.AggregatedContainer{ContainerID: "container_1_0001_01_000001", Dir: dir}
	for _, tc := range []struct {
		from, to int64
		want     string
	}{{0, 10, "0123456789"}, {0, 3, "012"}, {7, 10, "789"}, {4, 6, "45"}} {
		var b bytes.Buffer
		if err := r.copyRange(ctx, ac, "stdout", tc.from, tc.to, &b); err != nil || b.String() != tc.want {
			t.Errorf("[%d, %d): %q, %v; want %q", tc.from, tc.to, b.String(), err, tc.want)
		}
	}
	var b bytes.Buffer
	if err := r.copyRange(ctx, ac, "stdout", 0, 20, &b); err == nil {
		t.Errorf("reading past the end of a 10-byte file: no error")
	}
}
