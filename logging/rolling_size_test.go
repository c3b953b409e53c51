package logging

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// TestRollingBySize writes 5 MiB of numbered lines and checks the kept
// files, their sizes, the disk bound after every write, and that the kept
// lines are the newest ones, in order, from Path.3 through Path.
func TestRollingBySize(t *testing.T) {
	const (
		maxSize    = 256 << 10
		maxBackups = 3
		total      = 5 << 20
	)
	tests := []struct {
		name    string
		lineLen int
		chunk   int // bytes per Write, a multiple of lineLen
	}{
		{name: "chunk divides MaxSize", lineLen: 64, chunk: 4096},
		{name: "chunk does not divide MaxSize", lineLen: 100, chunk: 3000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, path := tempLog(t)
			r := openTest(t, RollingConfig{Path: path, MaxSize: maxSize, MaxBackups: maxBackups})

			bound := int64((maxBackups+1)*maxSize + tc.chunk)
			linesPerChunk := tc.chunk / tc.lineLen
			seq := 0
			for written := 0; written+tc.chunk <= total; written += tc.chunk {
				var b strings.Builder
				for range linesPerChunk {
					b.WriteString(numberedLine(seq, tc.lineLen))
					seq++
				}
				mustWrite(t, r, b.String())
				_, sizes := logFiles(t, dir, "app.log")
				var used int64
				for _, s := range sizes {
					used += s
				}
				if used > bound {
					t.Fatalf("after %d bytes disk use is %d, want <= %d", written+tc.chunk, used, bound)
				}
			}
			if err := r.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}

			names, sizes := logFiles(t, dir, "app.log")
			want := []string{"app.log", "app.log.1", "app.log.2", "app.log.3"}
			if fmt.Sprint(names) != fmt.Sprint(want) {
				t.Fatalf("files = %v, want %v", names, want)
			}
			// A file is rolled only when the next chunk would not fit.
			for _, n := range want[1:] {
				if s := sizes[n]; s > maxSize || s <= maxSize-int64(tc.chunk) {
					t.Errorf("%s size = %d, want in (%d, %d]", n, s, maxSize-tc.chunk, maxSize)
				}
			}
			if maxSize%tc.chunk == 0 {
				for _, n := range want {
					if sizes[n] != maxSize {
						t.Errorf("%s size = %d, want exactly %d", n, sizes[n], maxSize)
					}
				}
			}

			var all strings.Builder
			for _, n := range []string{"app.log.3", "app.log.2", "app.log.1", "app.log"} {
				all.WriteString(mustRead(t, dir+"/"+n))
			}
			lines := strings.Split(strings.TrimSuffix(all.String(), "\n"), "\n")
			last := seq - 1
			first := last - len(lines) + 1
			for i, l := range lines {
				got, err := lineNumber(l, tc.lineLen)
				if err != nil {
					t.Fatalf("line %d: %v", i, err)
				}
				if got != first+i {
					t.Fatalf("line %d has number %d, want %d (order broken)", i, got, first+i)
				}
			}
			if want := (maxBackups + 1) * maxSize / tc.lineLen; maxSize%tc.chunk == 0 && len(lines) != want {
				t.Fatalf("kept %d lines, want %d", len(lines), want)
			}
			if first <= 0 {
				t.Fatalf("oldest kept line is %d; expected older lines to be rolled away", first)
			}
		})
	}
}

// TestOversizeWrite checks that a write larger than MaxSize is kept whole,
// even into an empty file, and the file is rolled before the next write.
func TestOversizeWrite(t *testing.T) {
	_, path := tempLog(t)
	r := openTest(t, RollingConfig{Path: path, MaxSize: 100, MaxBackups: 2})
	big1 := strings.Repeat("1", 249) + "\n"
	big2 := strings.Repeat("2", 149) + "\n"
	steps := []struct {
		write string
		want  [4]string // Path, Path.1, Path.2, Path.3
	}{
		{big1, [4]string{big1, absent, absent, absent}},
		{"small\n", [4]string{"small\n", big1, absent, absent}},
		{big2, [4]string{big2, "small\n", big1, absent}},
		{"next\n", [4]string{"next\n", big2, "small\n", absent}},
	}
	for i, s := range steps {
		mustWrite(t, r, s.write)
		for k, name := range []string{path, path + ".1", path + ".2", path + ".3"} {
			if got := contents(t, name); got != s.want[k] {
				t.Fatalf("after write %d: %s has %q, want %q", i, name, got, s.want[k])
			}
		}
	}
}

// TestNoBackups checks that MaxBackups 0 keeps only the current file.
func TestNoBackups(t *testing.T) {
	dir, path := tempLog(t)
	r := openTest(t, RollingConfig{Path: path, MaxSize: 100, MaxBackups: 0})
	for i := range 50 {
		mustWrite(t, r, numberedLine(i, 20))
		names, sizes := logFiles(t, dir, "app.log")
		if len(names) != 1 || names[0] != "app.log" {
			t.Fatalf("after line %d files = %v, want only app.log", i, names)
		}
		if sizes["app.log"] > 100 {
			t.Fatalf("after line %d app.log is %d bytes, want <= 100", i, sizes["app.log"])
		}
	}
	// 50 lines of 20 bytes, 5 per file: the last file holds lines 45..49.
	var want strings.Builder
	for i := 45; i < 50; i++ {
		want.WriteString(numberedLine(i, 20))
	}
	if got := contents(t, path); got != want.String() {
		t.Fatalf("app.log = %q, want %q", got, want.String())
	}
}

// numberedLine returns a line of exactly n bytes holding seq.
func numberedLine(seq, n int) string {
	s := fmt.Sprintf("%010d ", seq)
	return s + strings.Repeat("-", n-len(s)-1) + "\n"
}

// lineNumber parses a line made by numberedLine (without its newline).
func lineNumber(l string, n int) (int, error) {
	if len(l) != n-1 {
		return 0, fmt.Errorf("line %q has length %d, want %d", l, len(l), n-1)
	}
	return strconv.Atoi(l[:10])
}
