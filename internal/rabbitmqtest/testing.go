package rabbitmqtest

import (
	"context"
	"testing"
	"time"
)

// Start starts a broker for the test and stops it when the test ends. A
// machine without rabbitmq-server fails the test, saying how to install
// it.
func Start(tb testing.TB) *Broker {
	tb.Helper()
	b, err := StartBroker(context.Background(), tb.TempDir(), 90*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(b.Stop)
	return b
}
