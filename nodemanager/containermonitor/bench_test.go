package containermonitor

import (
	"fmt"
	"os"
	"testing"
)

// BenchmarkSampleOnce samples this machine's real process table with 20
// containers tracked (all rooted at this process, which has no limit).
func BenchmarkSampleOnce(b *testing.B) {
	m, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		m.Add(Container{ID: fmt.Sprintf("container_%d", i), PID: os.Getpid()})
	}
	b.ReportAllocs()
	for b.Loop() {
		m.SampleOnce()
	}
	b.ReportMetric(float64(len(m.scanner.table.procs)), "procs")
}

func BenchmarkParseStat(b *testing.B) {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseStat(data); err != nil {
			b.Fatal(err)
		}
	}
}
