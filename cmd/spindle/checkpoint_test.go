package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/hdfscheckpoint"
	"go.uber.org/zap"
)

// runCheckpoint runs `spindle checkpoint args…`.
func runCheckpoint(t *testing.T, args ...string) cliResult {
	t.Helper()
	return runSpindleArgs(t, append([]string{"checkpoint"}, args...)...)
}

// writeCheckpoint writes batches 1..n (batch i at base+i s), committed
// but the last, as a driver does, and returns their times in ms.
func writeCheckpoint(t *testing.T, dir string, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	store, _ := dfs.NewFileStore("/")
	log, err := hdfscheckpoint.NewLog(store, dir, 0, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	var times []int64
	for i := 1; i <= n; i++ {
		bt := base.Add(time.Duration(i) * time.Second)
		o := hdfscheckpoint.BatchOffsets{BatchTime: bt, Ranges: []hdfscheckpoint.OffsetRange{{Topic: "tx", Partition: 0, From: int64(i * 10), Until: int64(i*10 + 10)}}}
		if err := log.WriteOffsets(ctx, o); err != nil {
			t.Fatal(err)
		}
		if err := log.WriteState(ctx, bt, hdfscheckpoint.AllPartitionsState, []byte(`{"format":1,"state":{}}`)); err != nil {
			t.Fatal(err)
		}
		if i < n {
			if err := log.WriteCommit(ctx, hdfscheckpoint.BatchCommit{BatchTime: bt}); err != nil {
				t.Fatal(err)
			}
		}
		times = append(times, bt.UnixMilli())
	}
	return times
}

func cutFile(t *testing.T, p string) {
	t.Helper()
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, raw[:len(raw)/2], 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCheckpointVerify(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ckpt")
	times := writeCheckpoint(t, dir, 4)
	uri := "file://" + dir

	res := runCheckpoint(t, "-verify", uri).mustSucceed(t)
	hasRow(t, res.stdout, "BATCH TIME (MS)", "BATCH TIME (UTC)", "OFFSETS", "COMMIT", "STATE")
	hasRow(t, res.stdout, fmt.Sprint(times[2]), "2025-03-01T12:00:03.000Z", "ok", "ok", "ok")
	hasRow(t, res.stdout, fmt.Sprint(times[3]), "2025-03-01T12:00:04.000Z", "ok", "-", "ok")
	mentions(t, "-verify of a sound checkpoint", res.stdout,
		"Checkpoint "+uri+": 4 batches",
		fmt.Sprintf("Next start: resumes after batch %d.", times[2]),
		fmt.Sprintf("runs batch %d (uncommitted) again with the ranges of its offsets entry", times[3]),
	)

	// The newest commit's offsets damaged: resumable, exit 2.
	cutFile(t, filepath.Join(dir, "offsets", fmt.Sprint(times[2])))
	res = runCheckpoint(t, "-verify", dir)
	res.mustExit(t, exitCheckpointDamaged)
	hasRow(t, res.stdout, fmt.Sprint(times[2]), "2025-03-01T12:00:03.000Z", "DAMAGED", "ok", "ok")
	mentions(t, "-verify of a damaged checkpoint", res.stdout,
		"Unreadable entries (1):",
		fmt.Sprintf("offsets/%d: read offsets entry %s/offsets/%d: hdfscheckpoint: corrupt checkpoint entry: truncated", times[2], dir, times[2]),
		fmt.Sprintf("Next start: resumes after batch %d.", times[1]),
		fmt.Sprintf("runs batch %d (committed) again with ranges rebuilt from the batches around it (offsets/%d cannot be read)", times[2], times[2]),
	)

	// The pending offsets too: where batch 3 ended is unknown; exit 3.
	cutFile(t, filepath.Join(dir, "offsets", fmt.Sprint(times[3])))
	res = runCheckpoint(t, "-verify", uri)
	res.mustExit(t, exitCheckpointRefused)
	mentions(t, "-verify of an unresumable checkpoint", res.stdout,
		"Unreadable entries (2):",
		fmt.Sprintf("Next start: refused. %s: the offsets entries of batch %d", uri, times[2]),
		fmt.Sprintf("`spindle checkpoint -truncate-after %d %s`", times[1], uri),
	)

	// The way out it gives.
	res = runCheckpoint(t, "-truncate-after", fmt.Sprint(times[1]), uri).mustSucceed(t)
	moved := regexp.MustCompile(`Moved 2 batches after \d+ aside to (_aside/\d{14}): (\d+) (\d+)`).FindStringSubmatch(res.stdout)
	if moved == nil || moved[2] != fmt.Sprint(times[2]) || moved[3] != fmt.Sprint(times[3]) {
		t.Fatalf("-truncate-after printed:\n%s", res.stdout)
	}
	for _, f := range []string{"offsets/" + moved[2], "commits/" + moved[2], "state/" + moved[2] + "/all", "offsets/" + moved[3], "state/" + moved[3] + "/all"} {
		if _, err := os.Stat(filepath.Join(dir, moved[1], f)); err != nil {
			t.Errorf("%s not moved aside: %v", f, err)
		}
	}
	mentions(t, "-truncate-after output", res.stdout, "move <spindle.sink.path>/batch=<BATCH_TIME_MS>", fmt.Sprintf("Next start: resumes after batch %d.", times[1]))
	runCheckpoint(t, "-verify", uri).mustSucceed(t)
}

// mustExit fails the test unless the run exited with code.
func (r cliResult) mustExit(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
}

// mentions fails unless out, what a command printed, holds every want.
func mentions(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, out)
		}
	}
}

// hasRow fails unless a line of out is the columns, separated by blanks.
func hasRow(t *testing.T, out string, columns ...string) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + strings.Join(quoteAll(columns), `\s{2,}`) + `\s*$`)
	if !re.MatchString(out) {
		t.Errorf("no row %q in:\n%s", columns, out)
	}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = regexp.QuoteMeta(s)
	}
	return out
}

func TestCheckpointRefusesBadUse(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{dir}, "give one of -verify and -truncate-after"},
		{[]string{"-verify", "-truncate-after", "5", dir}, "give one of -verify and -truncate-after"},
		{[]string{"-verify"}, "give one checkpoint URI"},
		{[]string{"-verify", "s3://bucket/x"}, `scheme "s3"`},
		{[]string{"-verify", "file://" + dir + "/none"}, "no checkpoint at file://" + dir + "/none"},
		{[]string{"-truncate-after", "5", dir}, "no offsets or commit entry names that batch"},
	} {
		res := runCheckpoint(t, tc.args...)
		if res.code != 1 || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("spindle checkpoint %v: exit %d, stderr %q; want 1 and %q", tc.args, res.code, res.stderr, tc.want)
		}
	}
}
