package logging

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// benchLine is a 100-byte log line, newline included.
var benchLine = append(bytes.Repeat([]byte("x"), 99), '\n')

// reportLines reports lines/s; one Write is one line, as a logger does.
func reportLines(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkRollingWriterLines writes 100-byte lines through a RollingFile
// that rolls every 8 MiB and keeps 2 backups, rolls included; compare
// with BenchmarkPlainFileLines.
func BenchmarkRollingWriterLines(b *testing.B) {
	r, err := OpenRolling(RollingConfig{Path: filepath.Join(b.TempDir(), "bench.log"), MaxSize: 8 << 20, MaxBackups: 2})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	b.SetBytes(int64(len(benchLine)))
	for b.Loop() {
		if _, err := r.Write(benchLine); err != nil {
			b.Fatal(err)
		}
	}
	reportLines(b)
}

// BenchmarkPlainFileLines writes 100-byte lines to a plain file opened for
// appending, one write call per line: the floor for
// BenchmarkRollingWriterLines.
func BenchmarkPlainFileLines(b *testing.B) {
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "bench.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, fileMode)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.SetBytes(int64(len(benchLine)))
	for b.Loop() {
		if _, err := f.Write(benchLine); err != nil {
			b.Fatal(err)
		}
	}
	reportLines(b)
}
