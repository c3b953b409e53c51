package driver_test

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/executor"
	"github.com/spindlehq/spindle/streaming/kafkasource"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// freezer is a TCP proxy whose connections can be frozen: a frozen
// connection stays open but carries nothing more either way, as a
// connection whose peer's host hung or whose path dropped does.
// Connections made after a freeze carry data as usual.
type freezer struct {
	lis    net.Listener
	mu     sync.Mutex
	conns  []*proxied
	closed chan struct{}
}

type proxied struct {
	frozen     atomic.Bool
	client, up net.Conn
}

func startFreezer(t *testing.T, target string) *freezer {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{lis: lis, closed: make(chan struct{})}
	t.Cleanup(func() {
		close(f.closed)
		lis.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, c := range f.conns {
			c.client.Close()
			c.up.Close()
		}
	})
	go func() {
		for {
			client, err := lis.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			c := &proxied{client: client, up: up}
			f.mu.Lock()
			f.conns = append(f.conns, c)
			f.mu.Unlock()
			go f.pump(c, up, client)
			go f.pump(c, client, up)
		}
	}()
	return f
}

// pump copies src to dst until either closes; once c is frozen, data read
// is held back and nothing more is read.
func (f *freezer) pump(c *proxied, dst io.Writer, src io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if c.frozen.Load() {
			<-f.closed
			return
		}
		if n > 0 {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// freeze stops every connection open now.
func (f *freezer) freeze() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		c.frozen.Store(true)
	}
}

func (f *freezer) addr() string { return f.lis.Addr().String() }

// hookRunner is sumRunner with a function called as each task starts,
// given the task's number (from 1) in this runner, its launch and its
// context; it may hold the task up.
type hookRunner struct {
	sumRunner
	n      atomic.Int64
	before func(n int64, l *pb.LaunchTask, ctx context.Context)
}

func (r *hookRunner) RunTask(ctx context.Context, l *pb.LaunchTask) *pb.TaskStatus {
	r.before(r.n.Add(1), l, ctx)
	return r.sumRunner.RunTask(ctx, l)
}

// hook makes c's sumRunner call before as each task starts.
func hook(c *executor.Config, before func(n int64, l *pb.LaunchTask, ctx context.Context)) {
	c.Runner = &hookRunner{sumRunner: sumRunner{reader: c.Runner.(*sumRunner).reader}, before: before}
}

// midRunFixture is a fixture with 300 records in each partition, and the
// totals of those and of the 200 more per partition that the test
// produces while the engine runs.
func midRunFixture(t *testing.T) (fixture, map[string]uint64) {
	t.Helper()
	f := newFixture(t)
	want := map[string]uint64{}
	produceSums(t, f.broker, 300, want)
	addSums(200, want)
	return f, want
}

// observed returns a logger recording WARN and above, for the engine.
func observed() (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zapcore.WarnLevel)
	return zap.New(core), logs
}

// TestReconnectAfterHalfOpenConnectionKeepsCommitting: the only
// executor's connection hangs while its tasks run (it stays open; nothing
// goes through). The executor hears no answer to its heartbeats, connects
// again and registers with the same executor id while the driver still
// holds the hung session. The newer session wins, the executor is kept,
// the tasks lost with the hung connection run again, and every record is
// counted exactly once.
func TestReconnectAfterHalfOpenConnectionKeepsCommitting(t *testing.T) {
	f, want := midRunFixture(t)
	var frozen atomic.Bool
	var proxy *freezer
	f.executors = func(ctx context.Context, t *testing.T, addr string, kcfg kafkasource.Config) {
		proxy = startFreezer(t, addr)
		startExecutor(ctx, t, "1", proxy.addr(), kcfg, func(c *executor.Config) {
			c.HeartbeatInterval, c.NetworkTimeout = 50*time.Millisecond, 500*time.Millisecond
			hook(c, func(n int64, _ *pb.LaunchTask, _ context.Context) {
				// The first batch's third task: hang the connection
				// while it runs, and add records for later batches.
				if n == 3 && frozen.CompareAndSwap(false, true) {
					proxy.freeze()
					produceSums(t, f.broker, 200, nil)
				}
			})
		})
	}
	lg, logs := observed()
	var lost []observer.LoggedEntry
	state, _ := f.runEngine(t, 2000, func(c *driver.EngineConfig) {
		c.Logger = lg
		// What was lost while the job ran, before executors are let go.
		stop := c.Stop
		c.Stop = func(ctx context.Context) bool {
			lost = logs.FilterMessageSnippet("executor lost").All()
			return stop(ctx)
		}
	})
	checkSums(t, state, want)
	if !frozen.Load() {
		t.Fatal("the connection was never hung: the test did not run what it means to")
	}
	if logs.FilterMessageSnippet("executor registered again").Len() == 0 {
		t.Fatal("the engine did not see the executor's second registration replace its first session")
	}
	if len(lost) != 0 {
		t.Fatalf("executor declared lost (%v); a replaced session must keep it", lost[0].ContextMap())
	}
}

// rogue registers executor id on the driver at addr and then says nothing,
// as a stale or hostile client holding the id would.
func rogue(ctx context.Context, t *testing.T, addr, id string) {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Error(err)
		return
	}
	t.Cleanup(func() { conn.Close() })
	stream, err := pb.NewTaskClient(conn).Connect(ctx)
	if err != nil {
		t.Error(err)
		return
	}
	stream.Send(&pb.ExecutorMessage{Message: &pb.ExecutorMessage_Register{Register: &pb.RegisterExecutorRequest{ExecutorId: id, Host: "rogue", Cores: 8}}})
	go func() {
		for {
			if _, err := stream.Recv(); err != nil {
				return
			}
		}
	}()
}

// TestSecondRegistrationOfEveryExecutorKeepsCommitting: while tasks run,
// another client registers with each executor's id. Each real executor's
// session is closed without the executor being lost; it connects again,
// takes its id back with the tasks it holds, and the job commits every
// record exactly once.
func TestSecondRegistrationOfEveryExecutorKeepsCommitting(t *testing.T) {
	f, want := midRunFixture(t)
	var once sync.Once
	f.executors = func(ctx context.Context, t *testing.T, addr string, kcfg kafkasource.Config) {
		for _, id := range []string{"1", "2"} {
			startExecutor(ctx, t, id, addr, kcfg, func(c *executor.Config) {
				hook(c, func(n int64, _ *pb.LaunchTask, _ context.Context) {
					if n < 2 {
						return
					}
					once.Do(func() {
						rogue(ctx, t, addr, "1")
						rogue(ctx, t, addr, "2")
						produceSums(t, f.broker, 200, nil)
					})
					time.Sleep(50 * time.Millisecond) // tasks are running when the registrations come
				})
			})
		}
	}
	lg, logs := observed()
	state, _ := f.runEngine(t, 2000, func(c *driver.EngineConfig) { c.Logger = lg })
	checkSums(t, state, want)
	if n := logs.FilterMessageSnippet("executor registered again").Len(); n < 4 {
		t.Fatalf("%d second registrations seen, want at least 4 (two by the other client, two by the executors taking their ids back)", n)
	}
}

// TestStuckTaskRunsAgainElsewhere: a task that hangs on one executor is
// launched again on the other once it has run spindle.task.timeout; the
// second attempt's result is the task's, the hung one is killed, and
// every record is counted once.
func TestStuckTaskRunsAgainElsewhere(t *testing.T) {
	f, want := midRunFixture(t)
	var hung, killed atomic.Bool
	f.executors = func(ctx context.Context, t *testing.T, addr string, kcfg kafkasource.Config) {
		for _, id := range []string{"1", "2"} {
			startExecutor(ctx, t, id, addr, kcfg, func(c *executor.Config) {
				hook(c, func(_ int64, _ *pb.LaunchTask, tctx context.Context) {
					// Executor 1 hangs its first task until the driver
					// kills it.
					if id != "1" || !hung.CompareAndSwap(false, true) {
						return
					}
					produceSums(t, f.broker, 200, nil)
					<-tctx.Done()
					killed.Store(true)
				})
			})
		}
	}
	lg, logs := observed()
	state, _ := f.runEngine(t, 2000, func(c *driver.EngineConfig) {
		c.Logger, c.Tasks.TaskTimeout = lg, 500*time.Millisecond
	})
	checkSums(t, state, want)
	if !hung.Load() {
		t.Fatal("no task hung: the test did not run what it means to")
	}
	if logs.FilterMessageSnippet("task ran longer than spindle.task.timeout").Len() != 1 {
		t.Fatalf("want one warning that the task overran; got %v", logs.All())
	}
	deadline := time.Now().Add(10 * time.Second)
	for !killed.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !killed.Load() {
		t.Fatal("the hung attempt was never killed")
	}
}

// TestSilentExecutorIsLostAndItsTasksRunElsewhere: an executor whose
// connection hangs and that does not connect again (its process is
// stopped) is declared lost after spark.network.timeout; its tasks run on
// the other executor and every record is counted once.
func TestSilentExecutorIsLostAndItsTasksRunElsewhere(t *testing.T) {
	f, want := midRunFixture(t)
	var frozen atomic.Bool
	f.executors = func(ctx context.Context, t *testing.T, addr string, kcfg kafkasource.Config) {
		proxy := startFreezer(t, addr)
		for _, id := range []string{"1", "2"} {
			target := addr
			if id == "1" {
				target = proxy.addr()
			}
			startExecutor(ctx, t, id, target, kcfg, func(c *executor.Config) {
				c.HeartbeatInterval = 50 * time.Millisecond
				if id != "1" {
					return
				}
				c.NetworkTimeout = time.Hour // it never notices: it is stopped
				hook(c, func(n int64, _ *pb.LaunchTask, _ context.Context) {
					if n == 1 && frozen.CompareAndSwap(false, true) {
						proxy.freeze()
						produceSums(t, f.broker, 200, nil)
					}
				})
			})
		}
	}
	lg, logs := observed()
	state, _ := f.runEngine(t, 2000, func(c *driver.EngineConfig) {
		c.Logger, c.NetworkTimeout = lg, 500*time.Millisecond
	})
	checkSums(t, state, want)
	if !frozen.Load() {
		t.Fatal("executor 1's connection was never hung: the test did not run what it means to")
	}
	lost := logs.FilterMessageSnippet("executor lost").FilterField(zap.String("executor", "1")).All()
	if len(lost) != 1 || lost[0].ContextMap()["timedOut"] != true {
		t.Fatalf("executor 1 lost %v, want once, for silence past spark.network.timeout", lost)
	}
}
