package driver_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/internal/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// events records an endpoint's events in order.
type events struct {
	mu  sync.Mutex
	all []driver.Event
}

func (e *events) add(ev driver.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

func (e *events) list() []driver.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]driver.Event(nil), e.all...)
}

// serveEndpoint serves a new endpoint on a local port.
func serveEndpoint(t *testing.T) (*driver.Endpoint, *events, string) {
	t.Helper()
	ep := driver.NewEndpoint()
	evs := &events{}
	ep.OnEvent(evs.add)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	pb.RegisterTaskServer(srv, ep)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
	return ep, evs, lis.Addr().String()
}

// register opens a session for executor id holding running and returns
// its stream once the driver has acknowledged it.
func register(t *testing.T, addr, id string, running ...int64) pb.Task_ConnectClient {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	stream, err := pb.NewTaskClient(conn).Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reg := &pb.RegisterExecutorRequest{ExecutorId: id, Host: "h", Cores: 2, RunningTids: running}
	if err := stream.Send(&pb.ExecutorMessage{Message: &pb.ExecutorMessage_Register{Register: reg}}); err != nil {
		t.Fatal(err)
	}
	if m, err := stream.Recv(); err != nil || m.GetShutdown() {
		t.Fatalf("registration of %s: %v %v", id, m, err)
	}
	return stream
}

// TestSecondRegistrationReplacesTheSession: a second registration with
// an executor id closes the first session without the executor being
// lost; launches sent to the first session that the second does not
// hold are reported lost, the ones it holds are kept.
func TestSecondRegistrationReplacesTheSession(t *testing.T) {
	ep, evs, addr := serveEndpoint(t)
	first := register(t, addr, "1")
	for tid := int64(1); tid <= 3; tid++ {
		if err := ep.Launch("1", &pb.LaunchTask{TaskId: "t", Attempt: int32(tid), Tid: tid}); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		if m, err := first.Recv(); err != nil || m.GetLaunch() == nil {
			t.Fatalf("launch on the first session: %v %v", m, err)
		}
	}
	register(t, addr, "1", 2) // holds launch 2 only
	if _, err := first.Recv(); err == nil {
		t.Fatal("the first session stayed open after the second registration")
	}
	var got []driver.Event
	testutil.WaitFor(t, 5*time.Second, func() (bool, string) {
		got = evs.list()
		return len(got) == 4, "waiting for added, two lost launches and added again"
	})
	if !got[0].Added || got[0].Replaced {
		t.Fatalf("first event %+v, want the first registration", got[0])
	}
	for i, tid := range []int64{1, 3} {
		ev := got[1+i]
		if !ev.LaunchLost || ev.Status.GetTid() != tid || ev.Status.GetSucceeded() {
			t.Fatalf("event %d %+v, want launch %d reported lost", 1+i, ev, tid)
		}
	}
	if ev := got[3]; !ev.Added || !ev.Replaced || len(ev.Running) != 1 || ev.Running[0] != 2 {
		t.Fatalf("last event %+v, want the second registration replacing the first, holding launch 2", ev)
	}
	testutil.Consistently(t, 300*time.Millisecond, func() (bool, string) {
		for _, ev := range evs.list() {
			if ev.Lost {
				return false, "executor 1 reported lost after its session was replaced"
			}
		}
		return true, ""
	})
	if ep.Connected() != 1 {
		t.Fatalf("%d executors connected, want 1", ep.Connected())
	}
}

// TestSilentSessionIsLostAndRefusedAfterwards: a session that sends
// nothing for the network timeout is lost with TimedOut, and the same
// executor id is told to shut down when it registers again.
func TestSilentSessionIsLostAndRefusedAfterwards(t *testing.T) {
	ep, evs, addr := serveEndpoint(t)
	ep.SetNetworkTimeout(200 * time.Millisecond)
	register(t, addr, "1")
	testutil.WaitFor(t, 5*time.Second, func() (bool, string) {
		return ep.TimedOut("1"), "executor 1 not declared lost"
	})
	all := evs.list()
	if last := all[len(all)-1]; !last.Lost || !last.TimedOut {
		t.Fatalf("last event %+v, want executor 1 lost for silence", all[len(all)-1])
	}
	// An AM whose driver runs elsewhere learns of it from the status.
	st, _ := ep.DriverStatus(context.Background(), &pb.DriverStatusRequest{})
	if fmt.Sprint(st.GetRegisteredExecutors(), st.GetTimedOutExecutors()) != "[1] [1]" {
		t.Fatalf("driver status: registered %v, timed out %v; want executor 1 in both", st.GetRegisteredExecutors(), st.GetTimedOutExecutors())
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stream, err := pb.NewTaskClient(conn).Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	stream.Send(&pb.ExecutorMessage{Message: &pb.ExecutorMessage_Register{Register: &pb.RegisterExecutorRequest{ExecutorId: "1"}}})
	if m, err := stream.Recv(); err != nil || !m.GetShutdown() {
		t.Fatalf("registration after the loss: %v %v, want shutdown", m, err)
	}
}

// TestHeartbeatsKeepASessionAndAreAnswered: a session that heartbeats
// within the timeout is kept, and each heartbeat is answered.
func TestHeartbeatsKeepASessionAndAreAnswered(t *testing.T) {
	ep, _, addr := serveEndpoint(t)
	ep.SetNetworkTimeout(300 * time.Millisecond)
	stream := register(t, addr, "1")
	for range 10 {
		if err := stream.Send(&pb.ExecutorMessage{Message: &pb.ExecutorMessage_Heartbeat{Heartbeat: &pb.ExecutorHeartbeatRequest{ExecutorId: "1"}}}); err != nil {
			t.Fatal(err)
		}
		if m, err := stream.Recv(); err != nil || m.GetHeartbeat() == nil {
			t.Fatalf("answer to a heartbeat: %v %v", m, err)
		}
		time.Sleep(100 * time.Millisecond) // the executor's heartbeat interval
	}
	if ep.TimedOut("1") || ep.Connected() != 1 {
		t.Fatal("an executor that heartbeats was declared lost")
	}
}

// TestSilentExecutorIsLostWhileASendToItIsBlocked: an executor that
// stops reading and sending is declared lost on time even while the
// driver is blocked sending it a message its connection cannot take.
func TestSilentExecutorIsLostWhileASendToItIsBlocked(t *testing.T) {
	ep, _, addr := serveEndpoint(t)
	ep.SetNetworkTimeout(300 * time.Millisecond)
	register(t, addr, "1") // and never reads again
	// The first fills the connection's window, the second send waits.
	big := string(make([]byte, 1<<20))
	for tid := int64(1); tid <= 2; tid++ {
		if err := ep.Launch("1", &pb.LaunchTask{TaskId: big, Tid: tid}); err != nil {
			t.Fatal(err)
		}
	}
	testutil.WaitFor(t, 5*time.Second, func() (bool, string) {
		return ep.TimedOut("1"), "executor 1 not declared lost while a send to it is blocked"
	})
}
