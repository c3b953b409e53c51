package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/client"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/nodemanager"
	"github.com/spindlehq/spindle/pki"
	"github.com/urfave/cli/v2"
)

// logsUsage is what `spindle logs` takes, for errors.
const logsUsage = "use -applicationId APP_ID [-containerId CONTAINER_ID] [-nodeAddress HOST:PORT] [-log_files F1,F2] [-size N] [-am N,…] [-follow]"

const (
	// logsFollowInterval is how often -follow asks the NodeManagers for new output.
	logsFollowInterval = 500 * time.Millisecond
	// nmRequestTimeout bounds the wait for a NodeManager's answer.
	nmRequestTimeout = 10 * time.Second
	// nmParallelism bounds how many NodeManagers are asked at once.
	nmParallelism = 16
	// allLogFiles is -log_files' word for every file, as YARN's.
	allLogFiles = "ALL"
	// amAll and amLatest are -am's words for every AM container and the latest one.
	amAll    = -1
	amLatest = -2
)

// logNodeStates are the node states whose NodeManagers may serve logs.
var logNodeStates = []pb.NodeState{pb.NodeState_NODE_STATE_RUNNING, pb.NodeState_NODE_STATE_UNHEALTHY}

func logsCommand() *cli.Command {
	return &cli.Command{
		Name:  "logs",
		Usage: "print containers' logs from the NodeManagers, or from their aggregated copy once the NodeManagers no longer have them, as `yarn logs`",
		Flags: append(confFlags(),
			&cli.StringFlag{Name: "applicationId", Usage: "print the logs of application `APP_ID`"},
			&cli.StringFlag{Name: "containerId", Usage: "only container `CONTAINER_ID` (its application is implied)"},
			&cli.StringFlag{Name: "nodeAddress", Usage: "only containers on node `HOST:PORT` (a node id, as `spindle node -list` shows)"},
			&cli.StringFlag{Name: "log_files", Usage: "comma list of log `FILES` to print, e.g. stdout,stderr (default: ALL)"},
			&cli.Int64Flag{Name: "size", Usage: "print the first `N` bytes of each file, or with a negative N the last -N bytes"},
			&cli.StringFlag{Name: "am", Usage: "only AM containers: a comma list of `N`s, 1 for the first attempt's, 2 for the second's…; -1 all, -2 the latest"},
			&cli.BoolFlag{Name: "follow", Usage: "keep printing new output until interrupted or the containers have ended"},
		),
		Action: runLogs,
	}
}

// logsOptions are `spindle logs`' parsed flags.
type logsOptions struct {
	app         ids.ApplicationID
	containerID string // canonical; "" = every container
	nodeAddress string // "" = every node
	files       []string
	size        int64
	am          []int // nil = no -am
	follow      bool
}

// logsOptionsFrom checks the flags and their combinations.
func logsOptionsFrom(c *cli.Context) (logsOptions, error) {
	if c.Args().Present() {
		return logsOptions{}, fmt.Errorf("unexpected argument %q: %s", c.Args().First(), logsUsage)
	}
	o := logsOptions{nodeAddress: strings.TrimSpace(c.String("nodeAddress")), size: c.Int64("size"), follow: c.Bool("follow")}
	appValue := strings.TrimSpace(c.String("applicationId"))
	if cv := strings.TrimSpace(c.String("containerId")); cv != "" {
		cid, err := ids.ParseContainerID(cv)
		if err != nil {
			return o, fmt.Errorf("-containerId: %w; a container id is container_<clusterTimestamp>_<sequence>_<attempt>_<id>", err)
		}
		o.containerID, o.app = cid.String(), cid.Attempt.App
		if appValue != "" {
			app, err := parseAppIDFlag("applicationId", appValue)
			if err != nil {
				return o, err
			}
			if app != o.app.String() {
				return o, fmt.Errorf("-containerId %s does not belong to application %s", o.containerID, app)
			}
		}
	} else {
		app, err := parseAppIDFlag("applicationId", appValue)
		if err != nil {
			return o, fmt.Errorf("%w: %s", err, logsUsage)
		}
		o.app, _ = ids.ParseApplicationID(app)
	}
	o.files = parseLogFiles(c.String("log_files"))
	if c.IsSet("am") {
		if o.containerID != "" {
			return o, errors.New("-am and -containerId select containers differently; give one of them")
		}
		am, err := parseAMFlag(c.String("am"))
		if err != nil {
			return o, err
		}
		o.am = am
	}
	return o, nil
}

// parseLogFiles parses -log_files; nil means every file.
func parseLogFiles(value string) []string {
	var out []string
	for _, f := range strings.Split(value, ",") {
		f = strings.TrimSpace(f)
		if f == allLogFiles {
			return nil
		}
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// parseAMFlag parses -am: a comma list of positive numbers, amAll or amLatest.
func parseAMFlag(value string) ([]int, error) {
	var out []int
	for _, v := range strings.Split(value, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n == 0 || n < amLatest {
			return nil, fmt.Errorf("-am: %q is not an AM container number: use 1 for the first attempt's, 2 for the second's…, %d for all or %d for the latest", v, amAll, amLatest)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-am: give AM container numbers: 1 for the first attempt's, %d for all or %d for the latest", amAll, amLatest)
	}
	return out, nil
}

// amContainerIDs returns the AM containers picks selects from attempts,
// oldest attempt first. An attempt's AM container is the one the RM
// reports, else container 1 of the attempt.
func amContainerIDs(appID string, attempts []*pb.ApplicationAttemptReport, picks []int) ([]string, error) {
	var all []string
	sorted := slices.Clone(attempts)
	slices.SortFunc(sorted, func(a, b *pb.ApplicationAttemptReport) int {
		return strings.Compare(a.GetAttemptId(), b.GetAttemptId())
	})
	for _, a := range sorted {
		id := a.GetAmContainerId()
		if id == "" {
			aid, err := ids.ParseAttemptID(a.GetAttemptId())
			if err != nil {
				continue
			}
			id = ids.ContainerID{Attempt: aid, ID: 1}.String()
		}
		all = append(all, id)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("application %s has no AM container yet", appID)
	}
	var out []string
	add := func(id string) {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, n := range picks {
		switch {
		case n == amAll:
			for _, id := range all {
				add(id)
			}
		case n == amLatest:
			add(all[len(all)-1])
		case n > len(all):
			return nil, fmt.Errorf("-am %d: application %s has %d AM container(s)", n, appID, len(all))
		default:
			add(all[n-1])
		}
	}
	return out, nil
}

// runLogs is `yarn logs` over the NodeManagers' log endpoints.
func runLogs(c *cli.Context) error {
	opts, err := logsOptionsFrom(c)
	if err != nil {
		return err
	}
	ctx := c.Context
	if opts.follow {
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	appID := opts.app.String()
	return withRM(c, func(s *client.RM) error {
		rep, err := s.Report(ctx, appID)
		if err != nil {
			return err
		}
		var only []string
		if opts.containerID != "" {
			only = []string{opts.containerID}
		}
		if opts.am != nil {
			if rep.GetUnmanagedAm() {
				return fmt.Errorf("-am: application %s has an unmanaged AM, which runs outside the cluster", appID)
			}
			attempts, err := s.Attempts(ctx, appID)
			if err != nil {
				return err
			}
			if only, err = amContainerIDs(appID, attempts, opts.am); err != nil {
				return err
			}
		}
		agg, err := aggregationFrom(c)
		if err != nil {
			return err
		}
		nodes, err := logNodes(ctx, s, opts.nodeAddress)
		var nodeErr error
		if errors.Is(err, errNodeNotLive) && agg.enabled {
			// A node that is gone may have left an aggregated copy.
			nodeErr, err = err, nil
		}
		if err != nil {
			return err
		}
		lc := newLogsClient(c.App.Writer, c.App.ErrWriter, opts, s.TLS)
		lc.only = only
		defer lc.close()
		targets, reached := lc.findContainers(ctx, nodes)
		if agg.enabled {
			targets = lc.withAggregated(ctx, agg.remoteDir, rep.GetUser(), targets)
		}
		if len(targets) == 0 {
			if ctx.Err() != nil {
				return nil
			}
			if nodeErr != nil {
				return fmt.Errorf("%w; nor do the aggregated logs of %s hold a container of that node", nodeErr, appID)
			}
			return lc.noContainersError(len(nodes), reached)
		}
		for _, t := range targets {
			lc.printContainer(ctx, t)
		}
		if opts.follow {
			lc.follow(ctx, nodes, targets)
		}
		return nil
	})
}

// errNodeNotLive marks a -nodeAddress that names no RUNNING or UNHEALTHY node.
var errNodeNotLive = errors.New("no such live node")

// logNodes lists the nodes whose NodeManagers may hold logs, or only
// nodeAddress when it is given; a nodeAddress the RM does not have live
// gives errNodeNotLive.
func logNodes(ctx context.Context, s *client.RM, nodeAddress string) ([]*pb.NodeReport, error) {
	var resp *pb.GetClusterNodesResponse
	err := s.Call(ctx, func(ctx context.Context) (err error) {
		resp, err = s.Client.GetClusterNodes(ctx, &pb.GetClusterNodesRequest{States: logNodeStates})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list nodes from the ResourceManager at %s: %w", s.Addr, err)
	}
	nodes := resp.GetNodes()
	if nodeAddress == "" {
		return nodes, nil
	}
	for _, n := range nodes {
		if n.GetNodeId() == nodeAddress {
			return []*pb.NodeReport{n}, nil
		}
	}
	return nil, fmt.Errorf("-nodeAddress %s: the ResourceManager at %s has no RUNNING or UNHEALTHY node with that id (see spindle node -list): %w", nodeAddress, s.Addr, errNodeNotLive)
}

// logTarget is one container whose logs are printed.
type logTarget struct {
	id       string
	nodeID   string
	httpAddr string
	// running: the NodeManager still runs it, so -follow waits for more.
	running bool
	// hasLogs: the NodeManager has its log dir.
	hasLogs bool
	// agg, when set, is its aggregated copy, which is read instead of
	// the NodeManager.
	agg *nodemanager.AggregatedContainer
}

// logsClient reads container logs from NodeManagers and prints them.
type logsClient struct {
	http *http.Client
	// scheme is the NodeManagers' URL scheme: https, or http on a cluster
	// without TLS.
	scheme string
	// out is where the logs go; it remembers its last byte so that
	// headers and markers start on a line of their own.
	out  *lastByteWriter
	warn io.Writer
	opts logsOptions
	// only, when set, are the containers to print.
	only []string
	// warned holds the nodes already reported unreachable.
	warned map[string]bool
	// offsets[container][file] is how much of a file was printed.
	offsets map[string]map[string]int64
	// lastSource is the container and file -follow printed last; a
	// printed container block resets it.
	lastSource string
	// aggregated reads the aggregated logs; nil until they are looked for.
	aggregated *aggregatedReader
}

func newLogsClient(out, warn io.Writer, opts logsOptions, tls *pki.Material) *logsClient {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	// No proxy: NodeManagers are addressed inside the cluster.
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		ResponseHeaderTimeout: nmRequestTimeout,
		MaxIdleConnsPerHost:   2,
	}
	pki.ConfigureTransport(tls, tr, dialer)
	return &logsClient{
		http:    &http.Client{Transport: claimUser(tls, tr)},
		scheme:  pki.Scheme(tls),
		out:     &lastByteWriter{w: out},
		warn:    warn,
		opts:    opts,
		warned:  map[string]bool{},
		offsets: map[string]map[string]int64{},
	}
}

func (lc *logsClient) noContainersError(nodes, reached int) error {
	app := lc.opts.app.String()
	what := "no container logs of application " + app
	switch {
	case lc.opts.containerID != "":
		what = fmt.Sprintf("no logs of container %s of application %s", lc.opts.containerID, app)
	case lc.opts.am != nil:
		what = fmt.Sprintf("no logs of the AM container(s) %s of application %s", strings.Join(lc.only, ", "), app)
	}
	where := fmt.Sprintf("on the %d NodeManager(s) reached", reached)
	if lc.opts.nodeAddress != "" {
		where = "on node " + lc.opts.nodeAddress
	}
	if reached < nodes {
		where += fmt.Sprintf(" (%d of %d could not be reached)", nodes-reached, nodes)
	}
	if lc.aggregated != nil {
		where += " nor in its aggregated logs at " + lc.aggregated.dir
	}
	return fmt.Errorf("%s %s: not started yet, or the logs were removed", what, where)
}

// getJSON fetches url from a NodeManager and decodes its JSON answer.
func (lc *logsClient) getJSON(ctx context.Context, url string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, nmRequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := lc.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(msg)))
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: decode: %w", url, err)
	}
	return nil
}

// nodeContainers asks one NodeManager for the application's containers:
// those it tracks, with their state, and those with a log dir on it.
func (lc *logsClient) nodeContainers(ctx context.Context, n *pb.NodeReport) ([]logTarget, error) {
	base := lc.scheme + "://" + n.GetHttpAddress()
	if n.GetHttpAddress() == "" {
		return nil, errors.New("the ResourceManager knows no web address for it")
	}
	var tracked struct {
		Containers struct {
			Container []struct {
				ID    string `json:"id"`
				State string `json:"state"`
			} `json:"container"`
		} `json:"containers"`
	}
	if err := lc.getJSON(ctx, base+"/ws/v1/node/containers", &tracked); err != nil {
		return nil, err
	}
	var withLogs nodemanager.AppContainersResponse
	if err := lc.getJSON(ctx, base+nodemanager.ContainerLogsPath+lc.opts.app.String(), &withLogs); err != nil {
		return nil, err
	}
	byID := map[string]*logTarget{}
	add := func(id string, running, hasLogs bool) {
		cid, err := ids.ParseContainerID(id)
		if err != nil || cid.Attempt.App != lc.opts.app || !lc.wanted(cid.String()) {
			return
		}
		if t, ok := byID[cid.String()]; ok {
			t.running = t.running || running
			t.hasLogs = t.hasLogs || hasLogs
			return
		}
		byID[cid.String()] = &logTarget{id: cid.String(), nodeID: n.GetNodeId(), httpAddr: n.GetHttpAddress(), running: running, hasLogs: hasLogs}
	}
	for _, ct := range tracked.Containers.Container {
		add(ct.ID, ct.State != nodemanager.ContainerStateDone, false)
	}
	for _, id := range withLogs.App.ContainerIDs {
		add(id, false, true)
	}
	out := make([]logTarget, 0, len(byID))
	for _, t := range byID {
		out = append(out, *t)
	}
	return out, nil
}

// wanted reports whether container id passes -containerId or -am.
func (lc *logsClient) wanted(id string) bool {
	return lc.only == nil || slices.Contains(lc.only, id)
}

// findContainers asks every node, a few at a time, for the application's
// containers, sorted by id. An unreachable node is skipped with a warning
// naming it (once per node); reached counts the nodes that answered.
func (lc *logsClient) findContainers(ctx context.Context, nodes []*pb.NodeReport) (targets []logTarget, reached int) {
	results := make([][]logTarget, len(nodes))
	errs := make([]error, len(nodes))
	sem := make(chan struct{}, nmParallelism)
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i], errs[i] = lc.nodeContainers(ctx, n)
		}()
	}
	wg.Wait()
	for i, n := range nodes {
		if errs[i] != nil {
			if ctx.Err() == nil && !lc.warned[n.GetNodeId()] {
				lc.warned[n.GetNodeId()] = true
				fmt.Fprintf(lc.warn, "warning: cannot read logs from the NodeManager of node %s (%s): %v; skipping its containers\n", n.GetNodeId(), n.GetHttpAddress(), errs[i])
			}
			continue
		}
		delete(lc.warned, n.GetNodeId())
		reached++
		targets = append(targets, results[i]...)
	}
	slices.SortFunc(targets, func(a, b logTarget) int { return strings.Compare(a.id, b.id) })
	return targets, reached
}

// logFile is one file of a container's log dir.
type logFile struct {
	name     string
	size     int64
	modified string
}

// listFiles fetches a container's log file listing.
func (lc *logsClient) listFiles(ctx context.Context, t logTarget) ([]logFile, error) {
	if t.agg != nil {
		return aggregatedFiles(t.agg), nil
	}
	var resp nodemanager.ContainerLogsResponse
	if err := lc.getJSON(ctx, lc.scheme+"://"+t.httpAddr+nodemanager.ContainerLogsPath+t.id, &resp); err != nil {
		return nil, err
	}
	var out []logFile
	for _, f := range resp.ContainerLogsInfo.ContainerLogInfo {
		size, err := strconv.ParseInt(f.FileSize, 10, 64)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("container %s on %s: file %s has size %q", t.id, t.nodeID, f.FileName, f.FileSize)
		}
		out = append(out, logFile{name: f.FileName, size: size, modified: f.LastModifiedTime})
	}
	return out, nil
}

// selectFiles keeps the files -log_files names (all when it names none)
// and returns the names it asked for that the container lacks.
func selectFiles(files []logFile, want []string) (selected []logFile, missing []string) {
	if want == nil {
		return files, nil
	}
	for _, w := range want {
		i := slices.IndexFunc(files, func(f logFile) bool { return f.name == w })
		if i < 0 {
			missing = append(missing, w)
			continue
		}
		selected = append(selected, files[i])
	}
	return selected, missing
}

// sizeRange is the byte range -size selects of a file of length n: the
// first size bytes, the last -size bytes, or all of it for 0.
func sizeRange(size, n int64) (from, to int64) {
	switch {
	case size > 0:
		return 0, min(size, n)
	case size < 0 && -size < n:
		return n + size, n
	}
	return 0, n
}

// containerHeader is the line that opens a container's block, as YARN's.
func containerHeader(id, nodeID string) string {
	return fmt.Sprintf("Container: %s on %s", id, nodeID)
}

// printContainer prints one container's block: its header, then each
// selected file with YARN's per-file header and footer.
func (lc *logsClient) printContainer(ctx context.Context, t logTarget) {
	files, err := lc.listFiles(ctx, t)
	if err != nil {
		if ctx.Err() == nil {
			fmt.Fprintf(lc.warn, "warning: cannot list the logs of container %s on node %s: %v\n", t.id, t.nodeID, err)
		}
		return
	}
	selected, missing := selectFiles(files, lc.opts.files)
	header := containerHeader(t.id, t.nodeID)
	fmt.Fprintln(lc.out, header)
	fmt.Fprintln(lc.out, strings.Repeat("=", len(header)))
	if len(missing) > 0 {
		fmt.Fprintf(lc.warn, "Can not find any log file matching the pattern: %s for the container: %s within the application: %s\n",
			javaList(missing), t.id, lc.opts.app)
	}
	offsets := lc.offsets[t.id]
	if offsets == nil {
		offsets = map[string]int64{}
		lc.offsets[t.id] = offsets
	}
	for _, f := range files {
		// Files left out are followed from their current end.
		offsets[f.name] = f.size
	}
	aggType := nodemanager.LogAggregationLocal
	if t.agg != nil {
		aggType = nodemanager.LogAggregationAggregated
	}
	for _, f := range selected {
		from, to := sizeRange(lc.opts.size, f.size)
		fmt.Fprintf(lc.out, "LogAggregationType: %s\n%s\nLogType:%s\nLogLastModifiedTime:%s\nLogLength:%d\nLogContents:\n",
			aggType, strings.Repeat("=", len(header)), f.name, f.modified, f.size)
		before := lc.out.n
		if err := lc.copyRange(ctx, t, f.name, from, to, lc.out); err != nil && ctx.Err() == nil {
			fmt.Fprintf(lc.warn, "warning: read %s of container %s on node %s: %v\n", f.name, t.id, t.nodeID, err)
		}
		if lc.out.n > before && lc.out.last != '\n' {
			fmt.Fprintln(lc.out)
		}
		end := "End of LogType:" + f.name
		fmt.Fprintf(lc.out, "%s\n%s\n\n", end, strings.Repeat("*", len(end)+50))
	}
	lc.lastSource = ""
}

// copyRange copies bytes [from, to) of a container's log file to w.
func (lc *logsClient) copyRange(ctx context.Context, t logTarget, name string, from, to int64, w io.Writer) error {
	if from >= to {
		return nil
	}
	if t.agg != nil {
		return lc.aggregated.copyRange(ctx, t.agg, name, from, to, w)
	}
	u := fmt.Sprintf("%s://%s%s%s/%s?start=%d&end=%d", lc.scheme, t.httpAddr, nodemanager.ContainerLogsPath, t.id, url.PathEscape(name), from, to)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := lc.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %s: %s", u, resp.Status, strings.TrimSpace(string(msg)))
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

// lastByteWriter remembers the last byte written, so that a footer starts
// on a line of its own.
type lastByteWriter struct {
	w    io.Writer
	n    int64
	last byte
}

func (l *lastByteWriter) Write(p []byte) (int, error) {
	n, err := l.w.Write(p)
	if n > 0 {
		l.n += int64(n)
		l.last = p[n-1]
	}
	return n, err
}

// follow prints output the containers write after the first listing,
// marking each change of file with a `==> container on node: file <==`
// line, as tail -f does. Containers of the application that start later
// are printed whole. It returns when ctx ends or, after a last read, when
// none of the containers is running any more.
func (lc *logsClient) follow(ctx context.Context, nodes []*pb.NodeReport, targets []logTarget) {
	known := map[string]logTarget{}
	for _, t := range targets {
		known[t.id] = t
	}
	tick := time.NewTicker(logsFollowInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		found, _ := lc.findContainers(ctx, nodes)
		if ctx.Err() != nil {
			return
		}
		running := false
		seen := map[string]bool{}
		for _, t := range found {
			k, ok := known[t.id]
			if ok && k.agg != nil {
				// Printed from its aggregated copy: it has ended.
				continue
			}
			seen[t.id] = true
			if !ok {
				lc.printContainer(ctx, t)
			}
			known[t.id] = t
		}
		order := make([]string, 0, len(known))
		for id := range known {
			order = append(order, id)
		}
		slices.Sort(order)
		for _, id := range order {
			t := known[id]
			if !seen[id] {
				// Its node is unreachable: a NodeManager that died took its containers with it.
				t.running = false
				known[id] = t
				continue
			}
			lc.printNew(ctx, t)
			running = running || t.running
		}
		if !running {
			return
		}
	}
}

// printNew prints what t's selected files gained since the last read. A
// file shorter than its offset was rolled: the rest of the old contents is
// read from its first rolled file, then the new file from its start.
func (lc *logsClient) printNew(ctx context.Context, t logTarget) {
	files, err := lc.listFiles(ctx, t)
	if err != nil {
		return
	}
	selected, _ := selectFiles(files, lc.opts.files)
	offsets := lc.offsets[t.id]
	for _, f := range selected {
		off, ok := offsets[f.name]
		switch {
		case !ok || f.size < off:
			if ok {
				if i := slices.IndexFunc(files, func(r logFile) bool { return r.name == f.name+".1" }); i >= 0 && files[i].size > off {
					lc.printChunk(ctx, t, f.name, files[i].name, off, files[i].size)
				}
			}
			lc.printChunk(ctx, t, f.name, f.name, 0, f.size)
		case f.size > off:
			lc.printChunk(ctx, t, f.name, f.name, off, f.size)
		}
		offsets[f.name] = f.size
	}
}

// printChunk prints bytes [from, to) of file, as new output of the stream
// named label, preceded by a marker when the previous chunk came from
// elsewhere.
func (lc *logsClient) printChunk(ctx context.Context, t logTarget, label, file string, from, to int64) {
	if from >= to {
		return
	}
	if src := t.id + "/" + label; src != lc.lastSource {
		lc.lastSource = src
		if lc.out.n > 0 && lc.out.last != '\n' {
			fmt.Fprintln(lc.out)
		}
		fmt.Fprintf(lc.out, "==> %s: %s <==\n", containerHeader(t.id, t.nodeID), label)
	}
	if err := lc.copyRange(ctx, t, file, from, to, lc.out); err != nil && ctx.Err() == nil {
		fmt.Fprintf(lc.warn, "warning: read %s of container %s on node %s: %v\n", file, t.id, t.nodeID, err)
	}
}
