package sdk

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/go-plugin"
	"go.uber.org/zap/zapcore"
)

// TestJobClient serves job inside the test's process and returns a
// client for it, so that a job's tests go through the same gRPC protocol
// and translation as a job binary without building one, records in
// shared memory included (where the system has it): a job that keeps a
// record's bytes past its call sees them change, as it would in an
// executor. The job's log goes to t.Log; the client is killed when the
// test ends.
func TestJobClient[E any](t testing.TB, job Job[E]) *JobClient {
	t.Helper()
	return testJobClient(t, job, &testLogWriter{t: t})
}

// testJobClient is TestJobClient with the job's log going to appLog.
func testJobClient[E any](t testing.TB, job Job[E], appLog io.Writer) *JobClient {
	t.Helper()
	lg, level := newAppLogger(zapcore.AddSync(appLog))
	r, err := newRunner(job, lg, level)
	if err != nil {
		t.Fatalf("sdk: %v", err)
	}
	// Both sides map the same memory here, as a host and its plugin do.
	lanes, err := newLanePool()
	var shared *sharedMem
	if err == nil {
		shared = lanes.mem
	}
	client, server := plugin.TestPluginGRPCConn(t, false, pluginMap(r, shared))
	raw, err := client.Dispense(PluginName)
	if err != nil {
		t.Fatalf("sdk: dispense %q: %v", PluginName, err)
	}
	rpc, ok := raw.(*grpcClient)
	if !ok {
		t.Fatalf("sdk: dispensed %T", raw)
	}
	rpc.lanes = lanes
	var stopped atomic.Bool
	c := &JobClient{
		name: "test job",
		rpc:  rpc,
		stop: func() {
			stopped.Store(true)
			// Server first: closing the client first asks the server to
			// stop itself, racing with this Stop.
			server.Stop()
			_ = client.Close()
			lanes.close()
		},
		exited: stopped.Load,
		flush:  func() {},
	}
	t.Cleanup(c.Kill)
	return c
}

// testLogWriter writes each log line to t.Log.
type testLogWriter struct {
	mu sync.Mutex
	t  testing.TB
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.t.Helper()
	w.t.Log(string(bytes.TrimSuffix(p, []byte("\n"))))
	return len(p), nil
}
