package logging

import (
	"os"
	"testing"
	"time"
)

// TestRollingByAge drives a fake clock through a sequence of writes and
// checks the files after each one: the current file rolls once its first
// byte is MaxAge old, and rolled files whose last write is older than
// MaxAge are deleted.
func TestRollingByAge(t *testing.T) {
	_, path := tempLog(t)
	clock := newFakeClock()
	t0 := clock.Now()
	r := openTest(t, RollingConfig{Path: path, MaxSize: 1 << 20, MaxBackups: 5, MaxAge: time.Hour, Now: clock.Now})

	steps := []struct {
		at    time.Duration // since t0
		write string
		want  [3]string // contents of Path, Path.1, Path.2
	}{
		{at: 0, write: "A\n", want: [3]string{"A\n", absent, absent}},
		{at: 40 * time.Minute, write: "B\n", want: [3]string{"A\nB\n", absent, absent}},
		// 70m after A: roll; Path.1 carries B's time (40m).
		{at: 70 * time.Minute, write: "C\n", want: [3]string{"C\n", "A\nB\n", absent}},
		// Path.1 is 50m old: kept. Path's first byte is 20m old: no roll.
		{at: 90 * time.Minute, write: "D\n", want: [3]string{"C\nD\n", "A\nB\n", absent}},
		// Path rolls (61m); A/B shifts to Path.2, is 91m old and is deleted.
		{at: 131 * time.Minute, write: "E\n", want: [3]string{"E\n", "C\nD\n", absent}},
	}
	for _, s := range steps {
		clock.Advance(t0.Add(s.at).Sub(clock.Now()))
		mustWrite(t, r, s.write)
		for i, name := range []string{path, path + ".1", path + ".2"} {
			if got := contents(t, name); got != s.want[i] {
				t.Fatalf("after writing %q at +%s: %s = %q, want %q", s.write, s.at, name, got, s.want[i])
			}
		}
	}
	info, err := os.Stat(path + ".1")
	if err != nil {
		t.Fatal(err)
	}
	if want := t0.Add(90 * time.Minute); !info.ModTime().Equal(want) {
		t.Fatalf("%s.1 mtime = %s, want its last write time %s", path, info.ModTime(), want)
	}
}

// TestAgeIdleFileDoesNotRollEmpty checks that an empty file is not rolled
// by age, so idle periods leave no empty rolled files.
func TestAgeIdleFileDoesNotRollEmpty(t *testing.T) {
	_, path := tempLog(t)
	clock := newFakeClock()
	r := openTest(t, RollingConfig{Path: path, MaxSize: 1 << 20, MaxBackups: 3, MaxAge: time.Hour, Now: clock.Now})
	clock.Advance(5 * time.Hour)
	mustWrite(t, r, "A\n")
	clock.Advance(59 * time.Minute)
	mustWrite(t, r, "B\n")
	if got := contents(t, path); got != "A\nB\n" {
		t.Fatalf("%s = %q, want %q", path, got, "A\nB\n")
	}
	if _, err := os.Stat(path + ".1"); !os.IsNotExist(err) {
		t.Fatalf("%s.1 exists (err %v), want no rolled file", path, err)
	}
}

// TestAgeOnOpen checks that OpenRolling deletes expired rolled files and
// ages an existing current file from its modification time.
func TestAgeOnOpen(t *testing.T) {
	_, path := tempLog(t)
	clock := newFakeClock()
	t0 := clock.Now()
	files := []struct {
		name  string
		mtime time.Time
	}{
		{path, t0.Add(-30 * time.Minute)},
		{path + ".1", t0.Add(-50 * time.Minute)},
		{path + ".2", t0.Add(-2 * time.Hour)},
		{path + ".3", t0.Add(-3 * time.Hour)},
	}
	for _, f := range files {
		if err := os.WriteFile(f.name, []byte("old "+f.name+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(f.name, f.mtime, f.mtime); err != nil {
			t.Fatal(err)
		}
	}
	r := openTest(t, RollingConfig{Path: path, MaxSize: 1 << 20, MaxBackups: 5, MaxAge: time.Hour, Now: clock.Now})
	for _, name := range []string{path + ".2", path + ".3"} {
		if _, err := os.Stat(name); !os.IsNotExist(err) {
			t.Errorf("%s older than MaxAge still exists after open (err %v)", name, err)
		}
	}
	if got := contents(t, path+".1"); got != "old "+path+".1\n" {
		t.Errorf("%s.1 = %q, want it kept", path, got)
	}

	mustWrite(t, r, "new\n") // existing file is 30m old: appended to
	if got, want := contents(t, path), "old "+path+"\nnew\n"; got != want {
		t.Fatalf("%s = %q, want %q", path, got, want)
	}
	clock.Advance(31 * time.Minute) // now 61m past the file's mtime
	mustWrite(t, r, "newer\n")
	if got, want := contents(t, path+".1"), "old "+path+"\nnew\n"; got != want {
		t.Fatalf("%s.1 = %q, want %q", path, got, want)
	}
	if got := contents(t, path); got != "newer\n" {
		t.Fatalf("%s = %q, want %q", path, got, "newer\n")
	}
	// The former Path.1 (50m old at open) is now 81m old and was deleted
	// by the roll rather than shifted to Path.2.
	if _, err := os.Stat(path + ".2"); !os.IsNotExist(err) {
		t.Fatalf("%s.2 exists (err %v), want it deleted by age", path, err)
	}
}
