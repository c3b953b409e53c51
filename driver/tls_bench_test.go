package driver_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/executor"
	"github.com/spindlehq/spindle/pki"
	"go.uber.org/zap"
)

// Records one benchmark task returns, and the size of each.
const (
	tlsBenchRecords     = 10_000
	tlsBenchRecordBytes = 100
)

// recordsRunner returns tlsBenchRecords records of tlsBenchRecordBytes as
// every task's keyed partial aggregates: records that cross the Task
// endpoint with no job plugin in the way.
type recordsRunner struct{ records []*pb.KeyValue }

func newRecordsRunner() recordsRunner {
	r := recordsRunner{records: make([]*pb.KeyValue, tlsBenchRecords)}
	for i := range r.records {
		v := make([]byte, tlsBenchRecordBytes)
		binary.BigEndian.PutUint64(v, uint64(i))
		r.records[i] = &pb.KeyValue{Key: fmt.Sprintf("key-%06d", i), Value: v}
	}
	return r
}

func (r recordsRunner) RunTask(context.Context, *pb.LaunchTask) *pb.TaskStatus {
	return &pb.TaskStatus{Succeeded: true, Aggregates: r.records, Metrics: &pb.TaskMetrics{RecordsIn: tlsBenchRecords}}
}

// taskLink is a driver endpoint with one connected executor.
type taskLink struct {
	ep     *driver.Endpoint
	status chan struct{}
}

// startTaskLink serves an endpoint (with the application's key, or in
// plain text when key is nil) and connects an executor of cores to it.
func startTaskLink(b *testing.B, key *pki.AppKey, cores int32) taskLink {
	b.Helper()
	l := taskLink{ep: driver.NewEndpoint(), status: make(chan struct{}, 64)}
	srv, err := driver.Listen("127.0.0.1:0", l.ep, key, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Stop)
	added := make(chan struct{}, 1)
	l.ep.OnEvent(func(ev driver.Event) {
		switch {
		case ev.Added:
			added <- struct{}{}
		case ev.Status != nil:
			if !ev.Status.GetSucceeded() || len(ev.Status.GetAggregates()) != tlsBenchRecords {
				b.Errorf("task status: succeeded %v, %d records", ev.Status.GetSucceeded(), len(ev.Status.GetAggregates()))
			}
			l.status <- struct{}{}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	cfg := executor.DefaultConfig()
	cfg.DriverAddress, cfg.ExecutorID, cfg.Host, cfg.Cores = srv.Addr().String(), "1", "127.0.0.1", cores
	cfg.AppKey, cfg.Runner = key, newRecordsRunner()
	go executor.Run(ctx, cfg)
	select {
	case <-added:
	case <-time.After(30 * time.Second):
		b.Fatal("the executor did not register within 30 s")
	}
	return l
}

// run launches n tasks, at most inFlight at once, and waits for their
// statuses.
func (l taskLink) run(b *testing.B, first int64, n, inFlight int) time.Duration {
	b.Helper()
	start := time.Now()
	launched, done := 0, 0
	for done < n {
		for launched < n && launched-done < inFlight {
			tid := first + int64(launched)
			if err := l.ep.Launch("1", &pb.LaunchTask{Tid: tid, TaskId: fmt.Sprint(tid)}); err != nil {
				b.Fatal(err)
			}
			launched++
		}
		select {
		case <-l.status:
			done++
		case <-time.After(30 * time.Second):
			b.Fatalf("%d of %d task statuses after 30 s", done, n)
		}
	}
	return time.Since(start)
}

// BenchmarkTLSTaskRPC measures the plugin-free RPC path: tasks launched
// over the Task endpoint whose executor returns 10,000 records of 100 B
// each as the task's result, in plain text and with the application's
// TLS, interleaved in the same run. It reports records/s of each and
// their ratio.
func BenchmarkTLSTaskRPC(b *testing.B) {
	secret, err := pki.NewAppSecret()
	if err != nil {
		b.Fatal(err)
	}
	key, err := pki.NewAppKey(secret)
	if err != nil {
		b.Fatal(err)
	}
	const tasksPerRound, cores = 20, 2
	plain, tls := startTaskLink(b, nil, cores), startTaskLink(b, key, cores)
	// Warm both: connections, buffers.
	plain.run(b, 1_000_000, cores, cores)
	tls.run(b, 1_000_000, cores, cores)
	var plainTime, tlsTime time.Duration
	b.ResetTimer()
	for i := range b.N {
		first := int64(i * tasksPerRound)
		plainTime += plain.run(b, first, tasksPerRound, cores)
		tlsTime += tls.run(b, first, tasksPerRound, cores)
	}
	b.StopTimer()
	records := float64(b.N * tasksPerRound * tlsBenchRecords)
	b.ReportMetric(records/plainTime.Seconds(), "plain-records/s")
	b.ReportMetric(records/tlsTime.Seconds(), "tls-records/s")
	b.ReportMetric(plainTime.Seconds()/tlsTime.Seconds(), "tls/plain")
}
