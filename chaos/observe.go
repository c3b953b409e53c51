package chaos

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spindlehq/spindle/devcluster"
	"github.com/spindlehq/spindle/ids"
	"go.uber.org/zap"
)

// Application and node states as the RM's REST API names them.
const (
	stateRunning  = "RUNNING"
	stateFinished = "FINISHED"
	stateFailed   = "FAILED"
	stateKilled   = "KILLED"
	nodeLost      = "LOST"
	statusSuccess = "SUCCEEDED"
)

// batch is one committed batch, from the checkpoint's commits log.
type batch struct {
	// Time is the batch's time.
	Time time.Time
	// Records were read by it.
	Records int64
	// Scheduling is how late it started after Time; Processing how long it
	// took.
	Scheduling, Processing time.Duration
}

// completed is when the batch committed, by the driver's own statistics.
func (b batch) completed() time.Time { return b.Time.Add(b.Scheduling + b.Processing) }

// runningContainer is a running container of the application.
type runningContainer struct {
	id      string
	attempt int64
	seq     int64 // the container's number within its attempt; 1 is the AM
	node    string
	nm      int // index of the NM that runs it
	pid     int
}

// sample is the cluster's state at one moment.
type sample struct {
	at time.Time
	// rmUp tells whether the RM answered; appState, final and attempts and
	// nodes are its answers.
	rmUp     bool
	appState string
	final    string
	diag     string
	attempts int
	nodes    map[string]string
	// am is the running AM container of the newest attempt that has
	// running containers ("" if it has none); executors that attempt's
	// running executors.
	am        *runningContainer
	executors []runningContainer
	// running are the ids of every running container of the application.
	running map[string]bool
}

// nodesRunning counts the nodes the RM has RUNNING.
func (s sample) nodesRunning() int {
	n := 0
	for _, st := range s.nodes {
		if st == stateRunning {
			n++
		}
	}
	return n
}

// observer samples the cluster and follows the job's commits.
type observer struct {
	rest    *restClient
	rmWeb   string
	nmWebs  []string
	app     ids.ApplicationID
	appID   string
	watcher *devcluster.CommitWatcher
	lg      *zap.Logger

	mu      sync.Mutex
	samples []sample
	batches []batch
	read    int64
	// bad is the first sample with the application FAILED or KILLED.
	bad *sample
}

// newObserver watches appID on the cluster whose RM serves REST on rmWeb
// and NMs on nmWebs, and the commits log of the checkpoint at ckptURI.
func newObserver(ctx context.Context, rest *restClient, rmWeb string, nmWebs []string, appID, ckptURI string, lg *zap.Logger) (*observer, error) {
	app, err := ids.ParseApplicationID(appID)
	if err != nil {
		return nil, err
	}
	w, err := devcluster.NewCommitWatcher(ctx, ckptURI, lg.Named("commits"))
	if err != nil {
		return nil, err
	}
	return &observer{rest: rest, rmWeb: rmWeb, nmWebs: nmWebs, app: app, appID: appID, watcher: w, lg: lg}, nil
}

// take samples the cluster once: the RM's view of the application, its
// attempts and the nodes, and each reachable NM's running containers.
func (o *observer) take(ctx context.Context) sample {
	s := sample{running: map[string]bool{}}
	if a, err := o.rest.app(ctx, o.rmWeb, o.appID); err == nil {
		s.rmUp, s.appState, s.final, s.diag = true, a.State, a.FinalStatus, a.Diagnostics
		if at, err := o.rest.attempts(ctx, o.rmWeb, o.appID); err == nil {
			s.attempts = len(at)
		}
		if ns, err := o.rest.nodes(ctx, o.rmWeb); err == nil {
			s.nodes = map[string]string{}
			for _, n := range ns {
				s.nodes[n.ID] = n.State
			}
		}
	}
	var all []runningContainer
	for i, web := range o.nmWebs {
		cs, err := o.rest.containers(ctx, web)
		if err != nil {
			continue // the NM is down
		}
		for _, c := range cs {
			id, err := ids.ParseContainerID(c.ID)
			if err != nil || c.State != stateRunning || id.Attempt.App != o.app {
				continue
			}
			all = append(all, runningContainer{id: c.ID, attempt: id.Attempt.Attempt, seq: id.ID, node: c.NodeID, nm: i, pid: c.PID})
			s.running[c.ID] = true
		}
	}
	newest := int64(0)
	for _, c := range all {
		newest = max(newest, c.attempt)
	}
	for _, c := range all {
		switch {
		case c.attempt != newest:
		case c.seq == 1:
			s.am = &c
		default:
			s.executors = append(s.executors, c)
		}
	}
	sort.Slice(s.executors, func(i, j int) bool { return s.executors[i].id < s.executors[j].id })
	s.at = time.Now()
	return s
}

// record keeps s.
func (o *observer) record(s sample) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.samples = append(o.samples, s)
	if o.bad == nil && (s.appState == stateFailed || s.appState == stateKilled) {
		o.bad = &s
		o.lg.Error("application ended badly", zap.String("state", s.appState), zap.String("diagnostics", s.diag))
	}
}

// sampleLoop samples every interval until ctx ends.
func (o *observer) sampleLoop(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		o.record(o.take(ctx))
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// pollCommits reads the new commits once.
func (o *observer) pollCommits(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	commits, err := o.watcher.Poll(ctx)
	if err != nil {
		o.lg.Warn("read the commits log", zap.Error(err))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range commits {
		o.batches = append(o.batches, batch{Time: c.BatchTime, Records: c.Records, Scheduling: c.Scheduling, Processing: c.Processing})
		o.read += c.Records
	}
}

// commitLoop follows the commits log every interval until ctx ends, then
// reads it one last time.
func (o *observer) commitLoop(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		o.pollCommits(context.WithoutCancel(ctx))
		select {
		case <-ctx.Done():
			o.pollCommits(context.WithoutCancel(ctx))
			return
		case <-tick.C:
		}
	}
}

// since returns the samples taken after t and every batch.
func (o *observer) since(t time.Time) ([]sample, []batch) {
	o.mu.Lock()
	defer o.mu.Unlock()
	i := sort.Search(len(o.samples), func(i int) bool { return o.samples[i].at.After(t) })
	return slices.Clone(o.samples[i:]), slices.Clone(o.batches)
}

// all returns every sample and batch.
func (o *observer) all() ([]sample, []batch) { return o.since(time.Time{}) }

// recordsRead is the records read by the committed batches seen so far.
func (o *observer) recordsRead() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.read
}

// badState returns the first FAILED or KILLED state seen, with its
// diagnostics, or "".
func (o *observer) badState() (state, diag string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.bad == nil {
		return "", ""
	}
	return o.bad.appState, o.bad.diag
}

// statesSeen lists the application states seen, each once, in order.
func (o *observer) statesSeen() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []string
	for _, s := range o.samples {
		if s.appState != "" && !slices.Contains(out, s.appState) {
			out = append(out, s.appState)
		}
	}
	return out
}

// close releases the commits watcher.
func (o *observer) close() error { return o.watcher.Close() }

// describeContainers lists container ids for a log line.
func describeContainers(cs []string) string {
	if len(cs) == 0 {
		return "none"
	}
	return strings.Join(cs, ", ")
}
