package launcher

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"
)

// makeTree creates a directory with a nested file and returns its path.
func makeTree(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "file"), []byte("x"), 0o640); err != nil {
		t.Fatal(err)
	}
	return dir
}

func exists(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Stat(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

func newTestDeleter(t *testing.T, cfg DeleterConfig) *Deleter {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = zaptest.NewLogger(t)
	}
	d, err := NewDeleter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// runDeleter runs d until the test ends and checks that Run returns.
func runDeleter(t *testing.T, d *Deleter) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		d.Run(ctx)
		close(stopped)
	}()
	stop := func() {
		cancel()
		select {
		case <-stopped:
		case <-time.After(testTimeout):
			t.Errorf("Run did not return after its context ended")
		}
	}
	t.Cleanup(stop)
	return stop
}

func TestDeleterDeletesAfterDelay(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	d := newTestDeleter(t, DeleterConfig{Delay: time.Hour, Now: clock.Now})
	dir := makeTree(t, "container_01")

	d.Schedule(dir)
	if got := d.Pending(); got != 1 {
		t.Fatalf("Pending() = %d, want 1", got)
	}
	if n := d.DeleteDue(); n != 0 || !exists(t, dir) {
		t.Fatalf("DeleteDue() at schedule time removed %d, dir exists %v; want nothing removed", n, exists(t, dir))
	}
	clock.Advance(time.Hour - time.Nanosecond)
	if n := d.DeleteDue(); n != 0 || !exists(t, dir) {
		t.Fatalf("DeleteDue() just before the delay removed %d; want nothing removed", n)
	}
	clock.Advance(time.Nanosecond)
	if n := d.DeleteDue(); n != 1 {
		t.Fatalf("DeleteDue() at the delay = %d, want 1", n)
	}
	if exists(t, dir) {
		t.Errorf("%s still exists after its delay", dir)
	}
	if got := d.Pending(); got != 0 {
		t.Errorf("Pending() = %d, want 0", got)
	}
}

func TestDeleterDeletesOnlyWhatIsDue(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	d := newTestDeleter(t, DeleterConfig{Delay: time.Hour, Now: clock.Now})
	early, late := makeTree(t, "early"), makeTree(t, "late")

	d.Schedule(early)
	clock.Advance(30 * time.Minute)
	d.Schedule(late)
	clock.Advance(30 * time.Minute)

	if n := d.DeleteDue(); n != 1 {
		t.Fatalf("DeleteDue() = %d, want 1", n)
	}
	if exists(t, early) || !exists(t, late) {
		t.Fatalf("early exists %v, late exists %v; want only early removed", exists(t, early), exists(t, late))
	}
	if got := d.Pending(); got != 1 {
		t.Errorf("Pending() = %d, want 1", got)
	}
}

func TestDeleterRunDeletesAtOnceWithZeroDelay(t *testing.T) {
	t.Parallel()
	d := newTestDeleter(t, DeleterConfig{})
	runDeleter(t, d)
	dir := makeTree(t, "container_02")
	d.Schedule(dir)
	poll(t, "immediate deletion", func() bool { return !exists(t, dir) && d.Pending() == 0 })
}

func TestDeleterRunFollowsInjectedClock(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	// A long real CheckInterval would leave Run asleep; a short one lets
	// it notice the fake clock's jump.
	d := newTestDeleter(t, DeleterConfig{Delay: time.Hour, Now: clock.Now, CheckInterval: time.Millisecond})
	runDeleter(t, d)
	dir := makeTree(t, "container_03")
	d.Schedule(dir)
	clock.Advance(time.Hour)
	poll(t, "deletion once the clock reaches the delay", func() bool { return !exists(t, dir) })
}

func TestDeleterRunStopsAndKeepsPending(t *testing.T) {
	t.Parallel()
	d := newTestDeleter(t, DeleterConfig{Delay: time.Hour, Now: newFakeClock().Now})
	stop := runDeleter(t, d)
	dir := makeTree(t, "container_04")
	d.Schedule(dir)
	stop()
	if got := d.Pending(); got != 1 {
		t.Errorf("Pending() after Run stopped = %d, want 1", got)
	}
	if !exists(t, dir) {
		t.Errorf("%s removed before its delay", dir)
	}
}

func TestDeleterRefusesUnsafePaths(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"", "relative/dir", "./x", "/", "//", "/tmp/..", "/./"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			core, logs := observer.New(zapcore.ErrorLevel)
			d := newTestDeleter(t, DeleterConfig{Logger: zap.New(core)})

			d.Schedule(path)
			if got := d.Pending(); got != 0 {
				t.Fatalf("Pending() after Schedule(%q) = %d, want 0", path, got)
			}
			refusals := logs.FilterMessage("refusing to delete path").FilterField(zap.String("path", path))
			if refusals.Len() != 1 {
				t.Errorf("refusal logs for %q = %d, want 1 (all: %v)", path, refusals.Len(), logs.All())
			}

			// The deleter keeps working after a refusal.
			dir := makeTree(t, "after_refusal")
			d.Schedule(dir)
			if n := d.DeleteDue(); n != 1 || exists(t, dir) {
				t.Errorf("DeleteDue() after a refusal = %d, dir exists %v; want it removed", n, exists(t, dir))
			}
		})
	}
}

func TestDeleterConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     DeleterConfig
		wantErr bool
	}{
		{name: "zero value", cfg: DeleterConfig{}},
		{name: "default", cfg: DefaultDeleterConfig()},
		{name: "delay", cfg: DeleterConfig{Delay: time.Minute}},
		{name: "negative delay", cfg: DeleterConfig{Delay: -time.Second}, wantErr: true},
		{name: "negative check interval", cfg: DeleterConfig{CheckInterval: -time.Second}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewDeleter(tt.cfg)
			if tt.wantErr != (err != nil) {
				t.Fatalf("NewDeleter(%+v) error = %v, wantErr %v", tt.cfg, err, tt.wantErr)
			}
			if tt.wantErr && !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("NewDeleter() = %v, want ErrInvalidConfig", err)
			}
		})
	}
}
