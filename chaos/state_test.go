package chaos

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"go.uber.org/zap"
)

func TestReadFinalState(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ckpt")
	uri := "file://" + dir
	if _, err := readFinalState(ctx, uri, zap.NewNop()); err == nil || !strings.Contains(err.Error(), "no committed batch") {
		t.Fatalf("empty checkpoint: %v, want an error saying it has no committed batch", err)
	}
	store, base, err := dfs.Open(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	log, err := hdfscheckpoint.NewLog(store, base, 0, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	// Two batches; the newest committed one's state counts, and a newer
	// uncommitted snapshot does not.
	for i, state := range []string{`{"format":1,"state":{"s-01":"MTAw"}}`, `{"format":1,"state":{"s-01":"MzAw","s-02":"NTA="}}`} {
		bt := time.UnixMilli(int64(1000 * (i + 1)))
		if err := log.WriteOffsets(ctx, hdfscheckpoint.BatchOffsets{BatchTime: bt}); err != nil {
			t.Fatal(err)
		}
		if err := log.WriteState(ctx, bt, hdfscheckpoint.AllPartitionsState, []byte(state)); err != nil {
			t.Fatal(err)
		}
		if err := log.WriteCommit(ctx, hdfscheckpoint.BatchCommit{BatchTime: bt}); err != nil {
			t.Fatal(err)
		}
	}
	if err := log.WriteState(ctx, time.UnixMilli(3000), hdfscheckpoint.AllPartitionsState, []byte(`{"format":1,"state":{"s-01":"OQ=="}}`)); err != nil {
		t.Fatal(err)
	}
	got, err := readFinalState(ctx, uri, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["s-01"] != 300 || got["s-02"] != 50 {
		t.Fatalf("state %v, want s-01 300 and s-02 50 (batch 2000's)", got)
	}
}

func TestParseRetailState(t *testing.T) {
	for _, tc := range []struct {
		raw, want string
	}{
		{`{"state":{"s-01":"LTE="}}`, `state of store s-01 is "-1"`},
		{`{"state":{"s-01":"eA=="}}`, `state of store s-01 is "x"`},
		{`[`, "state snapshot"},
	} {
		if _, err := parseRetailState([]byte(tc.raw)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseRetailState(%s) = %v, want an error containing %q", tc.raw, err, tc.want)
		}
	}
}
