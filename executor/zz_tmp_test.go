package executor

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func cpuTicks(pid string) float64 {
	b, _ := os.ReadFile("/proc/" + pid + "/stat")
	s := string(b)
	f := strings.Fields(s[strings.LastIndex(s, ")")+2:])
	u, _ := strconv.Atoi(f[11])
	k, _ := strconv.Atoi(f[12])
	return float64(u+k) * 10 // ms
}

func childPids() []string {
	var out []string
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	for _, t := range tasks {
		b, _ := os.ReadFile(t)
		out = append(out, strings.Fields(string(b))...)
	}
	return out
}

func BenchmarkZZCPU(b *testing.B) {
	path, sum := buildPassJob(b)
	ctx := context.Background()
	r, err := NewJobRunner(ctx, JobRunnerConfig{JobPath: path, JobSHA256: sum, Reader: noSource{}, Sink: noSink{}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(r.Close)
	job, _ := r.client(ctx)
	p := benchPartition()
	for range 20 {
		job.ProcessPartition(ctx, p)
	}
	kids := childPids()
	if len(kids) != 1 {
		b.Fatalf("children %v", kids)
	}
	h0, p0 := cpuTicks("self"), cpuTicks(kids[0])
	for b.Loop() {
		if _, err := job.ProcessPartition(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	h1, p1 := cpuTicks("self"), cpuTicks(kids[0])
	b.ReportMetric((h1-h0)/float64(b.N), "host-cpu-ms/op")
	b.ReportMetric((p1-p0)/float64(b.N), "plugin-cpu-ms/op")
	b.ReportMetric(float64(b.N*len(p.Records))/b.Elapsed().Seconds(), "records/s")
}
