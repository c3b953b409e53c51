package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// recvJob is a job whose receivers are given by the test.
type recvJob struct {
	testJob
	recvs []Receiver
}

func (j *recvJob) Receivers() []Receiver { return j.recvs }

// scriptedReceiver runs script in a goroutine on each start.
type scriptedReceiver struct {
	name     string
	startErr error
	script   func(ctx context.Context, rc *ReceiverContext)

	mu      sync.Mutex
	starts  int
	stops   int
	running sync.WaitGroup
}

func (r *scriptedReceiver) Name() string { return r.name }

func (r *scriptedReceiver) OnStart(ctx context.Context, rc *ReceiverContext) error {
	r.mu.Lock()
	r.starts++
	r.mu.Unlock()
	if r.startErr != nil {
		return r.startErr
	}
	r.running.Add(1)
	go func() {
		defer r.running.Done()
		r.script(ctx, rc)
	}()
	return nil
}

func (r *scriptedReceiver) OnStop() {
	r.running.Wait()
	r.mu.Lock()
	r.stops++
	r.mu.Unlock()
}

func (r *scriptedReceiver) counts() (starts, stops int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.starts, r.stops
}

// receiverClients runs fn with the job served over gRPC and in-process.
func receiverClients(t *testing.T, job *recvJob, fn func(t *testing.T, c *JobClient)) {
	for _, kind := range []string{"grpc", "in-process"} {
		t.Run(kind, func(t *testing.T) {
			var c *JobClient
			if kind == "grpc" {
				c = testJobClient[word](t, job, io.Discard)
			} else {
				var err error
				if c, err = NewInProcessClient[word](job, DefaultInProcessConfig()); err != nil {
					t.Fatal(err)
				}
			}
			caps, err := c.Configure(context.Background(), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := make([]ReceiverInfo, len(job.recvs))
			for i, r := range job.recvs {
				want[i].Name = r.(ReceiverName).Name()
			}
			if !reflect.DeepEqual(caps.Receivers, want) {
				t.Fatalf("capabilities list receivers %+v, want %+v", caps.Receivers, want)
			}
			fn(t, c)
		})
	}
}

// blockSink collects stored blocks.
type blockSink struct {
	mu     sync.Mutex
	blocks [][]string
	// gate, when set, holds each Store until it is closed.
	gate chan struct{}
	fail error
}

func (s *blockSink) store(ctx context.Context, recs []Record) error {
	if s.gate != nil {
		<-s.gate
	}
	if s.fail != nil {
		return s.fail
	}
	vals := make([]string, len(recs))
	for i, r := range recs {
		vals[i] = string(r.Value)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocks = append(s.blocks, vals)
	return nil
}

func (s *blockSink) all() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]string(nil), s.blocks...)
}

func recs(vals ...string) []Record {
	out := make([]Record, len(vals))
	for i, v := range vals {
		out[i] = Record{Value: []byte(v)}
	}
	return out
}

func TestStoreBlockReturnsOnceTheHostStoredIt(t *testing.T) {
	acked := make(chan string, 10)
	r := &scriptedReceiver{name: "queue", script: func(ctx context.Context, rc *ReceiverContext) {
		for _, b := range [][]Record{recs("a", "b"), recs("c")} {
			if err := rc.StoreBlock(ctx, b); err != nil {
				acked <- "error: " + err.Error()
				return
			}
			acked <- string(b[0].Value)
		}
		<-ctx.Done()
	}}
	receiverClients(t, &recvJob{recvs: []Receiver{r}}, func(t *testing.T, c *JobClient) {
		sink := &blockSink{gate: make(chan struct{})}
		ctx, cancel := context.WithCancel(context.Background())
		ended := make(chan error, 1)
		go func() {
			ended <- c.RunReceiver(ctx, ReceiverRun{StreamID: 0, BlockInterval: time.Hour, Store: sink.store})
		}()
		select {
		case a := <-acked:
			t.Fatalf("StoreBlock returned (%s) before the host stored the block", a)
		case <-time.After(100 * time.Millisecond):
		}
		close(sink.gate)
		for _, want := range []string{"a", "c"} {
			if got := <-acked; got != want {
				t.Fatalf("acknowledged %q, want %q", got, want)
			}
		}
		cancel()
		if err := <-ended; err != nil {
			t.Fatalf("RunReceiver after stop: %v", err)
		}
		if got, want := sink.all(), [][]string{{"a", "b"}, {"c"}}; !reflect.DeepEqual(got, want) {
			t.Fatalf("stored %v, want %v", got, want)
		}
	})
}

func TestStoredRecordsAreCutIntoBlocksAndFlushedAtStop(t *testing.T) {
	stored := make(chan struct{})
	r := &scriptedReceiver{name: "lines", script: func(ctx context.Context, rc *ReceiverContext) {
		for i := range 5 {
			if err := rc.Store(ctx, Record{Value: []byte(fmt.Sprint(i))}); err != nil {
				panic(err)
			}
		}
		close(stored)
		<-ctx.Done()
	}}
	receiverClients(t, &recvJob{recvs: []Receiver{r}}, func(t *testing.T, c *JobClient) {
		stored = make(chan struct{})
		sink := &blockSink{}
		ctx, cancel := context.WithCancel(context.Background())
		ended := make(chan error, 1)
		go func() { ended <- c.RunReceiver(ctx, ReceiverRun{BlockInterval: time.Hour, Store: sink.store}) }()
		<-stored
		cancel() // the block interval has not passed: stopping flushes the buffer
		if err := <-ended; err != nil {
			t.Fatal(err)
		}
		if got, want := sink.all(), [][]string{{"0", "1", "2", "3", "4"}}; !reflect.DeepEqual(got, want) {
			t.Fatalf("stored %v, want %v", got, want)
		}
	})
}

func TestBlockIntervalCutsBlocks(t *testing.T) {
	r := &scriptedReceiver{name: "ticks", script: func(ctx context.Context, rc *ReceiverContext) {
		for i := 0; ; i++ {
			if rc.Store(ctx, Record{Value: []byte(fmt.Sprint(i))}) != nil {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}}
	receiverClients(t, &recvJob{recvs: []Receiver{r}}, func(t *testing.T, c *JobClient) {
		sink := &blockSink{}
		ctx, cancel := context.WithCancel(context.Background())
		ended := make(chan error, 1)
		go func() {
			ended <- c.RunReceiver(ctx, ReceiverRun{BlockInterval: 20 * time.Millisecond, Store: sink.store})
		}()
		deadline := time.Now().Add(10 * time.Second)
		for len(sink.all()) < 3 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		if err := <-ended; err != nil {
			t.Fatal(err)
		}
		blocks := sink.all()
		if len(blocks) < 3 {
			t.Fatalf("%d blocks within 10 s at a 20 ms block interval", len(blocks))
		}
		next := 0
		for _, b := range blocks {
			for _, v := range b {
				if v != fmt.Sprint(next) {
					t.Fatalf("blocks %v: record %q where %d was next", blocks, v, next)
				}
				next++
			}
		}
	})
}

func TestReceiverStartFailureEndsTheRun(t *testing.T) {
	r := &scriptedReceiver{name: "down", startErr: errors.New("dial tcp 127.0.0.1:5672: connection refused")}
	receiverClients(t, &recvJob{recvs: []Receiver{r}}, func(t *testing.T, c *JobClient) {
		var reports []ReceiverReport
		err := c.RunReceiver(context.Background(), ReceiverRun{Store: (&blockSink{}).store, OnReport: func(r ReceiverReport) { reports = append(reports, r) }})
		if err == nil || !strings.HasSuffix(err.Error(), "receiver 0: OnStart: dial tcp 127.0.0.1:5672: connection refused") {
			t.Fatalf("RunReceiver: %v, want the start's error", err)
		}
		if len(reports) != 0 {
			t.Fatalf("reports %v for a receiver that never started", reports)
		}
	})
}

func TestReceiverRestartStartsItAgain(t *testing.T) {
	var once sync.Once
	r := &scriptedReceiver{name: "flaky"}
	r.script = func(ctx context.Context, rc *ReceiverContext) {
		restarted := false
		once.Do(func() { restarted = true; rc.Restart("connection lost", errors.New("EOF")) })
		if !restarted {
			rc.StoreBlock(ctx, recs("after restart"))
		}
		<-ctx.Done()
	}
	receiverClients(t, &recvJob{recvs: []Receiver{r}}, func(t *testing.T, c *JobClient) {
		once = sync.Once{}
		sink := &blockSink{}
		var mu sync.Mutex
		var reports []string
		ctx, cancel := context.WithCancel(context.Background())
		ended := make(chan error, 1)
		go func() {
			ended <- c.RunReceiver(ctx, ReceiverRun{RestartDelay: time.Millisecond, Store: sink.store, OnReport: func(r ReceiverReport) {
				mu.Lock()
				reports = append(reports, fmt.Sprintf("%d %s", r.Kind, r.Message))
				mu.Unlock()
			}})
		}()
		deadline := time.Now().Add(10 * time.Second)
		for len(sink.all()) == 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
		if err := <-ended; err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		defer mu.Unlock()
		want := []string{fmt.Sprintf("%d started", ReportStarted), fmt.Sprintf("%d connection lost: EOF", ReportRestarting), fmt.Sprintf("%d started", ReportStarted)}
		if !reflect.DeepEqual(reports, want) {
			t.Fatalf("reports %q, want %q", reports, want)
		}
		if got := sink.all(); !reflect.DeepEqual(got, [][]string{{"after restart"}}) {
			t.Fatalf("stored %v", got)
		}
	})
}

func TestStoreBlockFailsWhenTheHostCannotStore(t *testing.T) {
	got := make(chan error, 1)
	r := &scriptedReceiver{name: "q", script: func(ctx context.Context, rc *ReceiverContext) {
		got <- rc.StoreBlock(ctx, recs("x"))
		<-ctx.Done()
	}}
	receiverClients(t, &recvJob{recvs: []Receiver{r}}, func(t *testing.T, c *JobClient) {
		ctx, cancel := context.WithCancel(context.Background())
		ended := make(chan error, 1)
		go func() {
			ended <- c.RunReceiver(ctx, ReceiverRun{Store: (&blockSink{fail: errors.New("write-ahead log: disk full")}).store})
		}()
		if err := <-got; err == nil || !strings.Contains(err.Error(), "write-ahead log: disk full") {
			t.Fatalf("StoreBlock: %v, want the host's error", err)
		}
		cancel()
		<-ended
	})
}

func TestReceiverRateLimit(t *testing.T) {
	done := make(chan time.Duration, 1)
	r := &scriptedReceiver{name: "limited", script: func(ctx context.Context, rc *ReceiverContext) {
		start := time.Now()
		for range 5 {
			if rc.StoreBlock(ctx, recs("a", "b", "c", "d", "e")) != nil {
				return
			}
		}
		done <- time.Since(start)
		<-ctx.Done()
	}}
	receiverClients(t, &recvJob{recvs: []Receiver{r}}, func(t *testing.T, c *JobClient) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go c.RunReceiver(ctx, ReceiverRun{RateLimit: 50, Store: (&blockSink{}).store})
		// 25 records at 50 a second: the last block may go 20 records
		// (0.4 s) after the first.
		if took := <-done; took < 390*time.Millisecond {
			t.Fatalf("25 records stored in %v at 50 records/s", took)
		}
	})
}

func TestReceiversMustHaveDistinctNames(t *testing.T) {
	job := &recvJob{recvs: []Receiver{&scriptedReceiver{name: "q"}, &scriptedReceiver{name: "q"}}}
	c, err := NewInProcessClient[word](job, DefaultInProcessConfig())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Configure(context.Background(), nil, nil)
	if err == nil || !strings.Contains(err.Error(), `receivers 0 and 1 are both named "q"`) {
		t.Fatalf("Configure: %v", err)
	}
}
