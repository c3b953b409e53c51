package amqpreceiver_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/rabbitmqtest"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/sdk/amqpreceiver"
)

// queueJob is a job whose only receiver is r.
type queueJob struct{ r sdk.Receiver }

func (j queueJob) Parse(rec sdk.Record) ([]string, error) { return []string{string(rec.Value)}, nil }
func (j queueJob) Emit(context.Context, sdk.PartitionInfo, []string) ([]sdk.Output, error) {
	return nil, nil
}
func (j queueJob) Receivers() []sdk.Receiver { return []sdk.Receiver{j.r} }

func client(t testing.TB, r sdk.Receiver) *sdk.JobClient {
	c, err := sdk.NewInProcessClient[string](queueJob{r}, sdk.DefaultInProcessConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Configure(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	return c
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	testutil.WaitFor(t, d, func() (bool, string) { return cond(), "waiting for " + what })
}

func publish(t *testing.T, b *rabbitmqtest.Broker, queue string, from, n int) {
	t.Helper()
	ids, bodies := make([]string, n), make([][]byte, n)
	for i := range n {
		ids[i], bodies[i] = fmt.Sprintf("m%d", from+i), []byte(fmt.Sprintf("order %d", from+i))
	}
	if err := b.Publish(context.Background(), queue, ids, bodies); err != nil {
		t.Fatal(err)
	}
}

// store collects stored blocks; failing makes Store fail.
type store struct {
	mu      sync.Mutex
	recs    []sdk.Record
	failing bool
	fails   int
}

func (s *store) store(_ context.Context, recs []sdk.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing {
		s.fails++
		return errors.New("write-ahead log unavailable")
	}
	s.recs = append(s.recs, recs...)
	return nil
}

func (s *store) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.recs)
}

func TestReceiverStoresThenAcknowledges(t *testing.T) {
	b := rabbitmqtest.Start(t)
	if err := b.Declare("orders"); err != nil {
		t.Fatal(err)
	}
	publish(t, b, "orders", 0, 50)
	cfg := amqpreceiver.DefaultConfig(b.URL, "orders")
	cfg.Prefetch = 20
	r, err := amqpreceiver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := &store{failing: true}
	c := client(t, r)
	ctx, cancel := context.WithCancel(context.Background())
	ended := make(chan error, 1)
	go func() {
		ended <- c.RunReceiver(ctx, sdk.ReceiverRun{BlockInterval: 20 * time.Millisecond, RestartDelay: 10 * time.Millisecond, Store: st.store})
	}()
	// While blocks cannot be stored nothing is acknowledged: every
	// message stays in the queue, ready or delivered again.
	waitFor(t, 30*time.Second, "two blocks refused", func() bool {
		st.mu.Lock()
		defer st.mu.Unlock()
		return st.fails >= 2
	})
	st.mu.Lock()
	st.failing = false
	st.mu.Unlock()
	waitFor(t, 30*time.Second, "50 messages stored", func() bool { return st.count() >= 50 })
	waitFor(t, 30*time.Second, "the queue empty", func() bool {
		n, err := b.Depth("orders")
		return err == nil && n == 0
	})
	cancel()
	if err := <-ended; err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, rec := range st.recs {
		id, _ := rec.Header(sdk.HeaderReceiverID)
		seen[string(id)]++
		if want := "order " + strings.TrimPrefix(string(id), "m"); string(rec.Value) != want {
			t.Fatalf("record %s holds %q, want %q", id, rec.Value, want)
		}
	}
	if len(seen) != 50 || st.count() != 50 {
		t.Fatalf("stored %d records of %d messages, want each of the 50 once", st.count(), len(seen))
	}
}

func TestReceiverRecordsCarryRedelivery(t *testing.T) {
	b := rabbitmqtest.Start(t)
	if err := b.Declare("q"); err != nil {
		t.Fatal(err)
	}
	publish(t, b, "q", 0, 5)
	cfg := amqpreceiver.DefaultConfig(b.URL, "q")
	// A first receiver takes the messages and stops before its block
	// interval: it acknowledges nothing.
	first, _ := amqpreceiver.New(cfg)
	st := &store{}
	ctx, cancel := context.WithCancel(context.Background())
	ended := make(chan error, 1)
	c := client(t, first)
	go func() { ended <- c.RunReceiver(ctx, sdk.ReceiverRun{BlockInterval: time.Hour, Store: st.store}) }()
	waitFor(t, 30*time.Second, "the messages delivered", func() bool {
		n, err := b.Depth("q")
		return err == nil && n == 0
	})
	cancel()
	<-ended
	if st.count() != 0 {
		t.Fatalf("%d records stored before the block interval", st.count())
	}
	second, _ := amqpreceiver.New(cfg)
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	c = client(t, second)
	go c.RunReceiver(ctx, sdk.ReceiverRun{BlockInterval: 20 * time.Millisecond, Store: st.store})
	waitFor(t, 30*time.Second, "5 records stored", func() bool { return st.count() == 5 })
	for _, rec := range st.recs {
		if v, ok := rec.Header(sdk.HeaderRedelivered); !ok || string(v) != "true" {
			t.Fatalf("record %q has no redelivered header: %+v", rec.Value, rec.Headers)
		}
	}
}

func TestReceiverStartFailsWithoutABroker(t *testing.T) {
	cfg := amqpreceiver.DefaultConfig("amqp://guest:secret@127.0.0.1:1/", "q")
	cfg.DialTimeout = time.Second
	r, _ := amqpreceiver.New(cfg)
	err := client(t, r).RunReceiver(context.Background(), sdk.ReceiverRun{Store: (&store{}).store})
	if err == nil || !strings.Contains(err.Error(), "receiver 0: OnStart: connect to amqp://guest@127.0.0.1:1/: ") || strings.Contains(err.Error(), "secret") {
		t.Fatalf("RunReceiver: %v", err)
	}
}
