package failover

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// rm is a gRPC server that answers the health check as active, or as a
// standby naming the active RM.
func rm(t *testing.T, id string, active func() string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		if a := active(); a != id {
			return nil, StandbyError(id, a)
		}
		return h(ctx, req)
	}))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return l.Addr().String()
}

func fastPolicy() Policy {
	p := DefaultPolicy()
	p.SleepBase, p.SleepMax, p.AttemptTimeout = 10*time.Millisecond, 50*time.Millisecond, 500*time.Millisecond
	return p
}

func TestConnFollowsTheActiveRM(t *testing.T) {
	active := "rm3"
	get := func() string { return active }
	targets := []Target{{"rm1", rm(t, "rm1", get)}, {"rm2", rm(t, "rm2", get)}, {"rm3", rm(t, "rm3", get)}}
	c, err := Dial(targets, fastPolicy(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var moves []string
	c.OnFailover = func(from, to Target, _ error) { moves = append(moves, from.ID+">"+to.ID) }
	hc := healthpb.NewHealthClient(c)
	ctx := context.Background()
	if _, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	// rm1 named rm3 as active: one move, straight there.
	if c.Current().ID != "rm3" || len(moves) != 1 || moves[0] != "rm1>rm3" {
		t.Fatalf("current %s after moves %v, want rm3 after rm1>rm3", c.Current().ID, moves)
	}
	active = "rm2"
	if _, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	if c.Current().ID != "rm2" {
		t.Fatalf("current %s, want rm2", c.Current().ID)
	}
	// No active RM: the call gives up after the policy's attempts.
	active = ""
	p := fastPolicy()
	p.MaxAttempts = 4
	c.policy = p
	_, err = hc.Check(ctx, &healthpb.HealthCheckRequest{})
	if !errors.Is(err, ErrExhausted) {
		t.Fatalf("with no active RM: %v, want ErrExhausted", err)
	}
}

func TestConnSkipsAnUnreachableRM(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	targets := []Target{{"rm1", deadAddr}, {"rm2", rm(t, "rm2", func() string { return "rm2" })}}
	c, err := Dial(targets, fastPolicy(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := healthpb.NewHealthClient(c).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("with rm1 down: %v", err)
	}
	if c.Current().ID != "rm2" {
		t.Fatalf("current %s, want rm2", c.Current().ID)
	}
}

func TestStandbyErrorRoundTrip(t *testing.T) {
	if a, ok := Standby(StandbyError("rm1", "rm2")); !ok || a != "rm2" {
		t.Fatalf("Standby = %q, %v", a, ok)
	}
	if _, ok := Standby(status.Error(codes.Unavailable, "connection refused")); ok {
		t.Fatal("a plain Unavailable read as a standby's answer")
	}
}

func TestEncodeDecode(t *testing.T) {
	for _, in := range [][]Target{{{Addr: "h:1"}}, {{"rm1", "a:1"}, {"rm2", "b:2"}}} {
		got, err := Decode(Encode(in))
		if err != nil || len(got) != len(in) {
			t.Fatalf("Decode(Encode(%v)) = %v, %v", in, got, err)
		}
		for i := range in {
			if got[i] != in[i] {
				t.Fatalf("round trip %v → %v", in, got)
			}
		}
	}
	for _, bad := range []string{"", ",", "rm1=nohost", "a:1,b"} {
		if _, err := Decode(bad); err == nil {
			t.Errorf("Decode(%q) accepted", bad)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("rm1=127.0.0.1:8032,rm2=127.0.0.1:8132")
	f.Add("host:8032")
	f.Add("=,=")
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := Decode(s)
		if err != nil {
			return
		}
		if len(ts) == 0 {
			t.Fatal("decoded to no target without an error")
		}
		for _, tg := range ts {
			if _, _, err := net.SplitHostPort(tg.Addr); err != nil {
				t.Fatalf("decoded a bad address %q", tg.Addr)
			}
		}
	})
}
