package executor_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/executor"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/streaming/sink"
)

// TestStartedRunnerRunsTasksOnceItsPluginIsUp: a runner started in the
// background takes a task at once, which waits for the plugin and
// succeeds, and reports the start's success.
func TestStartedRunnerRunsTasksOnceItsPluginIsUp(t *testing.T) {
	lines := []string{"a", "b", "c"}
	f := newRunnerFixture(t, lines)
	bin := testutil.Binary(t, "./sdk/testdata/passjob/cmd/passjob", "passjob")
	r, started, err := executor.StartJobRunner(context.Background(), executor.JobRunnerConfig{
		JobPath: bin, JobSHA256: fileSHA256(t, bin), Conf: map[string]string{sdk.ConfLogLevel: "WARN"},
		Reader: f.reader, Sink: sink.FileSink{Store: f.store, Dir: "/out"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	st := r.RunTask(context.Background(), launch(int64(len(lines)), 100))
	if !st.GetSucceeded() || st.GetMetrics().GetRecordsOut() != int64(len(lines)) {
		t.Fatalf("task: %v, want %d records out", st, len(lines))
	}
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("start reported %v after a task ran", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the start reported nothing within 30s")
	}
}

// TestStartedRunnerReportsAPluginThatCannotStart: a binary whose
// checksum differs is not run, and the start says so on its channel.
func TestStartedRunnerReportsAPluginThatCannotStart(t *testing.T) {
	f := newRunnerFixture(t, []string{"a"})
	bin := testutil.Binary(t, "./sdk/testdata/passjob/cmd/passjob", "passjob")
	r, started, err := executor.StartJobRunner(context.Background(), executor.JobRunnerConfig{
		JobPath: bin, JobSHA256: "00" + fileSHA256(t, bin)[2:],
		Reader: f.reader, Sink: sink.FileSink{Store: f.store, Dir: "/out"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	select {
	case err := <-started:
		if !errors.Is(err, sdk.ErrChecksumMismatch) {
			t.Fatalf("start reported %v, want a checksum mismatch", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the start reported nothing within 30s")
	}
}

// TestTaskAfterAFailedStartFailsWithItsReason: once the background start
// has failed (here: the executor was stopping), a task fails with that
// reason and does not start the plugin again.
func TestTaskAfterAFailedStartFailsWithItsReason(t *testing.T) {
	f := newRunnerFixture(t, []string{"a"})
	bin := testutil.Binary(t, "./sdk/testdata/passjob/cmd/passjob", "passjob")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, started, err := executor.StartJobRunner(ctx, executor.JobRunnerConfig{
		JobPath: bin, JobSHA256: fileSHA256(t, bin),
		Reader: f.reader, Sink: sink.FileSink{Store: f.store, Dir: "/out"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	if err := <-started; !errors.Is(err, context.Canceled) {
		t.Fatalf("start reported %v, want context.Canceled", err)
	}
	st := r.RunTask(context.Background(), launch(1, 100))
	if st.GetSucceeded() || !strings.Contains(st.GetError(), context.Canceled.Error()) {
		t.Fatalf("task after the failed start: %v, want it failed with the start's reason", st)
	}
}
