package socketreceiver_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/sdk/socketreceiver"
)

// linesJob is a job whose only receiver is r.
type linesJob struct{ r sdk.Receiver }

func (j linesJob) Parse(rec sdk.Record) ([]string, error) { return []string{string(rec.Value)}, nil }
func (j linesJob) Emit(context.Context, sdk.PartitionInfo, []string) ([]sdk.Output, error) {
	return nil, nil
}
func (j linesJob) Receivers() []sdk.Receiver { return []sdk.Receiver{j.r} }

func client(t *testing.T, r sdk.Receiver) *sdk.JobClient {
	t.Helper()
	c, err := sdk.NewInProcessClient[string](linesJob{r}, sdk.DefaultInProcessConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Configure(context.Background(), nil, nil); err != nil {
		t.Fatal(err)
	}
	return c
}

// collected holds what the receiver stored and reported.
type collected struct {
	mu       sync.Mutex
	lines    []string
	restarts []string
}

func (c *collected) store(_ context.Context, recs []sdk.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range recs {
		c.lines = append(c.lines, string(r.Value))
	}
	return nil
}

func (c *collected) report(r sdk.ReceiverReport) {
	if r.Kind != sdk.ReportRestarting {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.restarts = append(c.restarts, r.Message)
}

func (c *collected) snapshot() ([]string, []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...), append([]string(nil), c.restarts...)
}

// TestSocketReceiverReadsLinesAndReconnects: each line the server writes
// is one record, in order; when the server closes the connection the
// receiver restarts, saying why, connects again and reads the next
// connection's lines.
func TestSocketReceiverReadsLinesAndReconnects(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// Each accepted connection gets three lines, then is closed.
	go func() {
		for conn := 0; ; conn++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			for i := range 3 {
				fmt.Fprintf(c, "conn %d line %d\n", conn, i)
			}
			c.Close()
		}
	}()
	col := &collected{}
	c := client(t, socketreceiver.New(ln.Addr().String()))
	ctx, cancel := context.WithCancel(context.Background())
	ended := make(chan error, 1)
	go func() {
		ended <- c.RunReceiver(ctx, sdk.ReceiverRun{BlockInterval: 10 * time.Millisecond, RestartDelay: 10 * time.Millisecond, Store: col.store, OnReport: col.report})
	}()
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		lines, _ := col.snapshot()
		return len(lines) >= 6, fmt.Sprintf("%d lines stored, want those of two connections", len(lines))
	})
	cancel()
	if err := <-ended; err != nil {
		t.Fatal(err)
	}
	lines, restarts := col.snapshot()
	for i, l := range lines[:6] {
		if want := fmt.Sprintf("conn %d line %d", i/3, i%3); l != want {
			t.Fatalf("line %d is %q, want %q (all: %q)", i, l, want, lines)
		}
	}
	if len(restarts) == 0 || !strings.Contains(restarts[0], "reading "+ln.Addr().String()) || !strings.Contains(restarts[0], "the server closed the connection") {
		t.Fatalf("restarts %q, want one saying the server closed the connection", restarts)
	}
}

// TestSocketReceiverStartFailsWithoutAServer: a server that is not
// listening fails OnStart, naming the address.
func TestSocketReceiverStartFailsWithoutAServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	err = client(t, socketreceiver.New(addr)).RunReceiver(context.Background(), sdk.ReceiverRun{Store: (&collected{}).store})
	if err == nil || !strings.Contains(err.Error(), "OnStart: connect to "+addr) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("RunReceiver: %v, want OnStart failing to connect to %s", err, addr)
	}
}
