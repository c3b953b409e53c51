package devcluster

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"go.uber.org/zap"
)

// encodeCommit writes a commit entry as the checkpoint format does, for
// inputs the real writer would refuse.
func encodeCommit(body string) []byte {
	head := "v1\n" + body + "\n"
	return []byte(fmt.Sprintf("%scrc32c %08x\n", head, crc32.Checksum([]byte(head), castagnoli)))
}

// writeCommits writes commits with the checkpoint's own writer.
func writeCommits(t *testing.T, dir string, stats ...map[string]int64) []time.Time {
	t.Helper()
	store, err := dfs.NewFileStore("/")
	if err != nil {
		t.Fatal(err)
	}
	log, err := hdfscheckpoint.NewLog(store, dir, 0, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	var times []time.Time
	for i, s := range stats {
		bt := time.UnixMilli(1_700_000_000_000 + int64(i)*1000 + time.Now().UnixMilli()%1000)
		if err := log.WriteCommit(context.Background(), hdfscheckpoint.BatchCommit{BatchTime: bt, Outputs: s}); err != nil {
			t.Fatal(err)
		}
		times = append(times, bt)
	}
	return times
}

func TestParseCommitReadsTheCheckpointWriter(t *testing.T) {
	dir := t.TempDir()
	stats := map[string]int64{"records": 1712, "outputs": 1700, "rejected": 12, "processingMs": 184, "schedulingMs": 3, "rateLimit": 2400, "lag": 9}
	times := writeCommits(t, dir, stats)
	raw, err := os.ReadFile(filepath.Join(dir, "commits", fmt.Sprint(times[0].UnixMilli())))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCommit(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	want := Commit{BatchTime: times[0], Records: 1712, Outputs: 1700, Rejected: 12, Processing: 184 * time.Millisecond, Scheduling: 3 * time.Millisecond, RateLimit: 2400, Lag: 9}
	if !c.BatchTime.Equal(want.BatchTime) {
		t.Errorf("batch time %v, want %v", c.BatchTime, want.BatchTime)
	}
	c.BatchTime = want.BatchTime
	if c != want {
		t.Errorf("commit %+v, want %+v", c, want)
	}
}

func TestParseCommitRejects(t *testing.T) {
	good := encodeCommit(`{"kind":"commit","batchTimeMs":5,"outputs":{"records":1}}`)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "want 3 lines"},
		{"truncated", good[:len(good)-4], "want 3 lines"},
		{"newer format", []byte(strings.Replace(string(good), "v1", "v2", 1)), "this build reads v1"},
		{"flipped bit", []byte(strings.Replace(string(good), `"records":1`, `"records":7`, 1)), "checksum mismatch"},
		{"bad checksum line", []byte("v1\n{}\ncrc32c xyz\n"), "checksum line"},
		{"offsets entry", encodeCommit(`{"kind":"offsets","batchTimeMs":5}`), "not a commit"},
		{"not JSON", encodeCommit(`{"kind":`), "body"},
		{"negative time", encodeCommit(`{"kind":"commit","batchTimeMs":-1}`), "before 1970"},
		{"extra line", append(append([]byte{}, good...), "x\n"...), "want 3 lines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCommit(tt.data)
			if !errors.Is(err, ErrBadCommit) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want ErrBadCommit saying %q", err, tt.want)
			}
		})
	}
	// Unknown fields and statistics are ignored; missing ones are 0.
	c, err := ParseCommit(encodeCommit(`{"kind":"commit","batchTimeMs":5,"outputs":{"records":3,"newStat":4},"future":true}`))
	if err != nil || c.Records != 3 || c.Lag != 0 {
		t.Fatalf("commit with unknown fields: %+v, %v", c, err)
	}
}

func FuzzParseCommit(f *testing.F) {
	f.Add(encodeCommit(`{"kind":"commit","batchTimeMs":1700000000000,"outputs":{"records":10,"processingMs":5}}`))
	f.Add(encodeCommit(`{"kind":"state","batchTimeMs":1}`))
	f.Add([]byte("v1\n{}\ncrc32c 00000000\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCommit(data)
		if err != nil {
			if !errors.Is(err, ErrBadCommit) {
				t.Fatalf("error %v does not wrap ErrBadCommit", err)
			}
			return
		}
		if c.BatchTime.UnixMilli() < 0 {
			t.Fatalf("accepted a batch before 1970: %+v", c)
		}
		// What parses must carry a checksum over its exact first two lines.
		if !strings.HasPrefix(string(data), "v1\n") {
			t.Fatalf("accepted %q without the v1 line", data)
		}
	})
}

func TestCommitWatcherPollsNewCommitsInOrder(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	w, err := NewCommitWatcher(ctx, "file://"+dir, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if got, err := w.Poll(ctx); err != nil || len(got) != 0 {
		t.Fatalf("empty checkpoint: %v, %v", got, err)
	}
	writeCommits(t, dir, map[string]int64{"records": 1}, map[string]int64{"records": 2})
	// A store's temporary file and a damaged entry are passed over.
	os.WriteFile(filepath.Join(dir, "commits", ".tmp-123"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "commits", "1699999999999"), []byte("garbage"), 0o644)
	got, err := w.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Records != 1 || got[1].Records != 2 {
		t.Fatalf("first poll %+v, want the two commits in order", got)
	}
	if again, _ := w.Poll(ctx); len(again) != 0 {
		t.Fatalf("second poll returned %+v again", again)
	}
}
