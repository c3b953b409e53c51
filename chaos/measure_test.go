package chaos

import (
	"testing"
	"time"
)

// fakeCluster builds the samples of a run second by second.
type fakeCluster struct {
	start   time.Time
	samples []sample
}

// at adds a sample t after start.
func (f *fakeCluster) at(t time.Duration, rmUp bool, attempts int, nodes map[string]string, am string, executors ...string) {
	s := sample{at: f.start.Add(t), rmUp: rmUp, attempts: attempts, nodes: nodes, running: map[string]bool{}}
	if am != "" {
		s.am = &runningContainer{id: am}
		s.running[am] = true
	}
	for _, e := range executors {
		s.executors = append(s.executors, runningContainer{id: e})
		s.running[e] = true
	}
	f.samples = append(f.samples, s)
}

var (
	allUp  = map[string]string{"n1": "RUNNING", "n2": "RUNNING", "n3": "RUNNING"}
	n1Lost = map[string]string{"n1": "LOST", "n2": "RUNNING", "n3": "RUNNING"}
)

func TestMeasure(t *testing.T) {
	start := time.Unix(2_000_000, 0)
	kill := start.Add(30 * time.Second)
	for _, tc := range []struct {
		name string
		kill Kill
		// build adds samples and returns the batches.
		build func(f *fakeCluster) []batch
		check func(t *testing.T, r Recovery)
	}{
		{
			name: "executor",
			kill: Kill{Kind: KillExecutor, At: kill, Gone: []string{"e2"}, AttemptsBefore: 1},
			build: func(f *fakeCluster) []batch {
				f.at(30100*time.Millisecond, true, 1, allUp, "am", "e1", "e2", "e3") // not reaped yet
				f.at(31*time.Second, true, 1, allUp, "am", "e1", "e3")
				f.at(32500*time.Millisecond, true, 1, allUp, "am", "e1", "e3", "e4")
				bs := steadyBatches(start, 0, 30, 500)
				// Batch 30 is held up by the lost task: done at 31.9 s.
				bs = append(bs, batch{Time: start.Add(30 * time.Second), Records: 500, Processing: 1900 * time.Millisecond})
				bs = append(bs, batch{Time: start.Add(31 * time.Second), Records: 500, Scheduling: 900 * time.Millisecond, Processing: 100 * time.Millisecond})
				return append(bs, steadyBatches(start, 32, 40, 500)...)
			},
			check: func(t *testing.T, r Recovery) {
				want(t, "resumed", r.Resumed, 1900*time.Millisecond)
				want(t, "caught up", r.CaughtUp, 1900*time.Millisecond)
				want(t, "replaced", r.Replaced, 2500*time.Millisecond)
				want(t, "node lost", r.NodeLost, Never)
				want(t, "settled", r.Settled, 2500*time.Millisecond)
				if !r.Recovered || r.DelayedBatches != 1 || r.AttemptsAfter != 1 {
					t.Fatalf("recovered %v, delayed %d, attempts %d; want true, 1, 1", r.Recovered, r.DelayedBatches, r.AttemptsAfter)
				}
			},
		},
		{
			name: "AM: a new attempt",
			kill: Kill{Kind: KillAM, At: kill, Gone: []string{"am1", "e1", "e2"}, AttemptsBefore: 1},
			build: func(f *fakeCluster) []batch {
				f.at(31*time.Second, true, 1, allUp, "", "e1", "e2")
				f.at(32*time.Second, true, 2, allUp, "am2")
				f.at(33*time.Second, true, 2, allUp, "am2", "e3", "e4", "e5")
				bs := steadyBatches(start, 0, 29, 500)
				// The new attempt replays batch 29, then plans batch 34.
				bs = append(bs, batch{Time: start.Add(29 * time.Second), Records: 500, Scheduling: 3500 * time.Millisecond, Processing: 200 * time.Millisecond})
				return append(bs, batch{Time: start.Add(34 * time.Second), Records: 1500, Scheduling: 10 * time.Millisecond, Processing: 290 * time.Millisecond})
			},
			check: func(t *testing.T, r Recovery) {
				want(t, "resumed", r.Resumed, 4300*time.Millisecond)
				want(t, "replaced", r.Replaced, 3*time.Second)
				if !r.Recovered || r.AttemptsAfter != 2 || r.DelayedBatches != 1 {
					t.Fatalf("recovered %v, attempts %d, delayed %d; want true, 2, 1", r.Recovered, r.AttemptsAfter, r.DelayedBatches)
				}
				if r.InputRate != 500 || r.MinProcessed != 0 || r.DipPercent() != 100 {
					t.Fatalf("input %v, min processed %v, dip %v%%; want 500, 0, 100", r.InputRate, r.MinProcessed, r.DipPercent())
				}
			},
		},
		{
			name: "NodeManager: lost, work elsewhere, restarted",
			kill: Kill{Kind: KillNodeManager, At: kill, Node: "n1", Gone: []string{"e1"}, AttemptsBefore: 1, RestartedAt: kill.Add(5 * time.Second)},
			build: func(f *fakeCluster) []batch {
				f.at(31*time.Second, true, 1, allUp, "am", "e2", "e3")
				f.at(32*time.Second, true, 1, n1Lost, "am", "e2", "e3")
				f.at(33*time.Second, true, 1, n1Lost, "am", "e2", "e3", "e4")
				f.at(35500*time.Millisecond, true, 1, allUp, "am", "e2", "e3", "e4")
				return steadyBatches(start, 0, 40, 500)
			},
			check: func(t *testing.T, r Recovery) {
				want(t, "node lost", r.NodeLost, 2*time.Second)
				want(t, "replaced", r.Replaced, 3*time.Second)
				want(t, "elsewhere", r.Elsewhere, 3*time.Second)
				want(t, "cluster back", r.ClusterBack, 5500*time.Millisecond)
				want(t, "settled", r.Settled, 5500*time.Millisecond)
				if !r.Recovered || r.DipPercent() != 0 {
					t.Fatalf("recovered %v, dip %v%%; want true, 0", r.Recovered, r.DipPercent())
				}
			},
		},
		{
			name: "NodeManager not restarted yet",
			kill: Kill{Kind: KillNodeManager, At: kill, Node: "n1", Gone: []string{"e1"}, AttemptsBefore: 1},
			build: func(f *fakeCluster) []batch {
				f.at(33*time.Second, true, 1, n1Lost, "am", "e2", "e3", "e4")
				return steadyBatches(start, 0, 40, 500)
			},
			check: func(t *testing.T, r Recovery) {
				if r.Recovered {
					t.Fatal("recovered before the node came back")
				}
			},
		},
		{
			name: "ResourceManager: restart starts a new attempt",
			kill: Kill{Kind: KillResourceManager, At: kill, AttemptsBefore: 1, RestartedAt: kill.Add(2 * time.Second)},
			build: func(f *fakeCluster) []batch {
				f.at(31*time.Second, false, 0, nil, "am", "e1", "e2", "e3")
				f.at(32500*time.Millisecond, true, 1, map[string]string{"n1": "RUNNING"}, "am", "e1", "e2", "e3")
				f.at(33*time.Second, true, 1, allUp, "am", "e1", "e2", "e3")
				f.at(45*time.Second, true, 2, allUp, "am", "e1", "e2", "e3")
				f.at(70*time.Second, true, 3, allUp, "am", "e1", "e2", "e3") // after the next kill
				return steadyBatches(start, 0, 40, 500)
			},
			check: func(t *testing.T, r Recovery) {
				want(t, "cluster back", r.ClusterBack, 3*time.Second)
				want(t, "replaced", r.Replaced, time.Second)
				if !r.Recovered || r.AttemptsAfter != 2 {
					t.Fatalf("recovered %v, attempts after %d; want true, 2 (counted until the next kill)", r.Recovered, r.AttemptsAfter)
				}
			},
		},
		{
			// Kafka stops answering for 10 s: batches planned meanwhile
			// complete only after it is back.
			name: "Kafka paused: batches after the pause",
			kill: Kill{Kind: PauseKafka, At: kill, Victim: "kafka", AttemptsBefore: 1, HealedAt: kill.Add(10 * time.Second)},
			build: func(f *fakeCluster) []batch {
				f.at(31*time.Second, true, 1, allUp, "am", "e1", "e2", "e3")
				f.at(41*time.Second, true, 1, allUp, "am", "e1", "e2", "e3")
				bs := steadyBatches(start, 0, 30, 500)
				// Batch 30 waits for Kafka: done at 41.5 s; batch 41 on time.
				bs = append(bs, batch{Time: start.Add(30 * time.Second), Records: 500, Processing: 11500 * time.Millisecond})
				bs = append(bs, batch{Time: start.Add(41 * time.Second), Records: 5000, Scheduling: 500 * time.Millisecond, Processing: 300 * time.Millisecond})
				return append(bs, steadyBatches(start, 42, 50, 500)...)
			},
			check: func(t *testing.T, r Recovery) {
				want(t, "resumed", r.Resumed, 11500*time.Millisecond)
				want(t, "after end", r.AfterEnd, 1800*time.Millisecond)
				// Whole all along, it counts as back once the pause is over.
				want(t, "replaced", r.Replaced, 11*time.Second)
				want(t, "cluster back", r.ClusterBack, 11*time.Second)
				if !r.Recovered {
					t.Fatal("not recovered")
				}
			},
		},
		{
			name: "partition not healed yet",
			kill: Kill{Kind: Partition, At: kill, Victim: "nm0", Node: "n1"},
			build: func(f *fakeCluster) []batch {
				f.at(33*time.Second, true, 1, allUp, "am", "e1", "e2", "e3")
				return steadyBatches(start, 0, 40, 500)
			},
			check: func(t *testing.T, r Recovery) {
				want(t, "after end", r.AfterEnd, Never)
				if r.Recovered || r.Replaced != Never {
					t.Fatalf("recovered %v, replaced %v while the partition lasts", r.Recovered, r.Replaced)
				}
			},
		},
		{
			name: "host crash: lost, back after its down time",
			kill: Kill{Kind: HostCrash, At: kill, Node: "n1", Gone: []string{"e1"}, AttemptsBefore: 1, RestartedAt: kill.Add(10 * time.Second)},
			build: func(f *fakeCluster) []batch {
				f.at(32*time.Second, true, 1, n1Lost, "am", "e2", "e3")
				f.at(34*time.Second, true, 1, n1Lost, "am", "e2", "e3", "e4")
				f.at(41*time.Second, true, 1, allUp, "am", "e2", "e3", "e4")
				return steadyBatches(start, 0, 50, 500)
			},
			check: func(t *testing.T, r Recovery) {
				want(t, "node lost", r.NodeLost, 2*time.Second)
				want(t, "replaced", r.Replaced, 4*time.Second)
				want(t, "cluster back", r.ClusterBack, 11*time.Second)
				if !r.Recovered {
					t.Fatal("not recovered")
				}
			},
		},
		{
			name: "no batch after the kill",
			kill: Kill{Kind: KillExecutor, At: kill, Gone: []string{"e1"}},
			build: func(f *fakeCluster) []batch {
				f.at(33*time.Second, true, 1, allUp, "am", "e2", "e3", "e4")
				return steadyBatches(start, 0, 30, 500)
			},
			check: func(t *testing.T, r Recovery) {
				want(t, "resumed", r.Resumed, Never)
				if r.Recovered {
					t.Fatal("recovered without a batch")
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeCluster{start: start}
			batches := tc.build(f)
			input := make([]int64, 60)
			for i := range input {
				input[i] = 500
			}
			r := measure(measureInput{
				kill: tc.kill, samples: f.samples, batches: batches, until: start.Add(60 * time.Second),
				executors: 3, nodeManagers: 3, batchDuration: time.Second,
				start: start, input: input, processed: processedSeries(start, start.Add(60*time.Second), batches, recoveryWindow),
			})
			tc.check(t, r)
		})
	}
}

func want(t *testing.T, what string, got, want time.Duration) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}
