package testutil

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/rabbitmqtest"
)

// PublishRetail publishes retail transactions first..first+n-1 to an AMQP
// queue, each as a persistent message whose id is the transaction's,
// confirmed by the broker, and accounts for them in want.
func PublishRetail(tb testing.TB, b *rabbitmqtest.Broker, queue string, first, n int, want *RetailTotals) {
	tb.Helper()
	const chunk = 1000
	for start := first; start < first+n; start += chunk {
		now := time.Now()
		var ids []string
		var bodies [][]byte
		for i := start; i < min(start+chunk, first+n); i++ {
			t := RetailTransaction(i, now)
			want.Add(t)
			ids = append(ids, fmt.Sprintf("t-%d", i))
			bodies = append(bodies, t.JSON())
		}
		if err := b.Publish(context.Background(), queue, ids, bodies); err != nil {
			tb.Fatalf("publish transactions %d-%d to %s: %v", start, start+len(ids)-1, queue, err)
		}
	}
}
