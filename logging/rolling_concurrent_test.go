package logging

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentWriters has several goroutines write lines of varying
// length while another rotates, with MaxBackups large enough that nothing
// is deleted. Every line must then be found exactly once, whole, and each
// writer's lines must appear in the order written across Path.N … Path.
func TestConcurrentWriters(t *testing.T) {
	const (
		writers  = 8
		perWrite = 2000
		rotates  = 20
	)
	dir, path := tempLog(t)
	r := openTest(t, RollingConfig{Path: path, MaxSize: 16 << 10, MaxBackups: 10000})

	var wg sync.WaitGroup
	errs := make(chan error, writers+1)
	for w := range writers {
		wg.Go(func() {
			for i := range perWrite {
				if _, err := r.Write([]byte(concurrentLine(w, i))); err != nil {
					errs <- fmt.Errorf("writer %d line %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for i := range rotates {
			if err := r.Rotate(); err != nil {
				errs <- fmt.Errorf("rotate %d: %w", i, err)
				return
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	names, _ := logFiles(t, dir, "app.log")
	var all strings.Builder
	for k := len(names) - 1; k >= 1; k-- {
		all.WriteString(mustRead(t, r.backupName(k)))
	}
	all.WriteString(mustRead(t, path))

	lineRE := regexp.MustCompile(`^w=(\d+) i=(\d+) (x*)\|$`)
	next := make([]int, writers) // next expected i per writer
	for n, l := range strings.Split(strings.TrimSuffix(all.String(), "\n"), "\n") {
		m := lineRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %d is torn or interleaved: %q", n, l)
		}
		w, _ := strconv.Atoi(m[1])
		i, _ := strconv.Atoi(m[2])
		if w >= writers || concurrentLine(w, i) != l+"\n" {
			t.Fatalf("line %d is corrupted: %q", n, l)
		}
		if i != next[w] {
			t.Fatalf("writer %d: found line %d, want %d (lost, duplicated or reordered)", w, i, next[w])
		}
		next[w]++
	}
	for w, got := range next {
		if got != perWrite {
			t.Errorf("writer %d: found %d lines, want %d", w, got, perWrite)
		}
	}
	if len(names) < rotates {
		t.Errorf("only %d files; expected at least %d from explicit rotations", len(names), rotates)
	}
}

// concurrentLine is writer w's i-th line; its padding varies so that a
// torn write changes the shape of a line.
func concurrentLine(w, i int) string {
	return fmt.Sprintf("w=%d i=%d %s|\n", w, i, strings.Repeat("x", (w*7+i)%37))
}
