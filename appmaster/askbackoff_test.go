package appmaster

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestRefusedAsksBackOff: each refusal doubles the wait before the asks go
// out again, from 1 s up to a minute, while heartbeats go on at the
// normal interval; accepted asks end the backoff. Unanswered heartbeats
// slow down to the heartbeat interval, not below.
func TestRefusedAsksBackOff(t *testing.T) {
	am := testAM(3, time.Hour, time.Now())
	am.cfg.NumExecutors = 2
	am.cfg.HeartbeatInterval, am.cfg.InitialAllocationInterval = time.Second, 100*time.Millisecond
	if got := am.heartbeatInterval(); got != 100*time.Millisecond {
		t.Fatalf("asking for executors: interval %v, want the initial allocation interval", got)
	}
	refused := status.Error(codes.InvalidArgument, "exceeds the maximum allocation")
	for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		am.allocateFailed(refused)
		if am.asks.refused != want || time.Until(am.asks.retryAt) > want || time.Until(am.asks.retryAt) < want-time.Second {
			t.Fatalf("after a refusal: wait %v until %v, want %v", am.asks.refused, time.Until(am.asks.retryAt), want)
		}
		if got := am.heartbeatInterval(); got != time.Second {
			t.Fatalf("asks waiting: heartbeat interval %v, want the heartbeat interval", got)
		}
	}
	for range 10 {
		am.allocateFailed(refused)
	}
	if am.asks.refused != time.Minute {
		t.Fatalf("wait after many refusals %v, want the cap of a minute", am.asks.refused)
	}
	am.asks.retryAt = time.Now().Add(-time.Millisecond)
	am.asks.succeeded()
	if am.asks.refused != 0 {
		t.Fatalf("accepted asks left a backoff of %v", am.asks.refused)
	}
	for range 5 {
		am.allocateFailed(errors.New("connection refused"))
	}
	if got := am.heartbeatInterval(); got != time.Second {
		t.Fatalf("after 5 unanswered heartbeats: interval %v, want the heartbeat interval", got)
	}
	am.asks.succeeded()
	if got := am.heartbeatInterval(); got != 100*time.Millisecond {
		t.Fatalf("after an answer: interval %v, want the initial allocation interval again", got)
	}
}

// TestRefusedAsksAreAnAnswer: an RM that refuses the executor asks is
// there; only heartbeats it does not answer count towards
// spindle.am.rmUnreachableTimeout.
func TestRefusedAsksAreAnAnswer(t *testing.T) {
	am := testAM(3, time.Hour, time.Now())
	am.cfg.RMUnreachableTimeout = time.Minute
	am.rmSeen = time.Now().Add(-2 * time.Minute)
	refused := status.Error(codes.InvalidArgument, "exceeds the maximum allocation")
	am.allocateFailed(refused)
	if gone, diag := am.rmUnreachable(time.Now(), refused); gone {
		t.Fatalf("refused asks counted as an unreachable RM: %s", diag)
	}
	unavailable := status.Error(codes.Unavailable, "connection refused")
	am.allocateFailed(unavailable)
	if gone, _ := am.rmUnreachable(time.Now().Add(2*time.Minute), unavailable); !gone {
		t.Fatal("an RM silent for two minutes past a refusal is not unreachable with a timeout of one")
	}
}
