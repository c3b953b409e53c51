package main

import (
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/nodemanager"
	"github.com/urfave/cli/v2"
)

// aggregation is what `spindle logs` needs of the log aggregation keys.
type aggregation struct {
	// enabled is yarn.log-aggregation-enable.
	enabled bool
	// remoteDir is yarn.nodemanager.remote-app-log-dir.
	remoteDir string
}

// aggregationFrom reads the log aggregation keys of the command's
// configuration (whose warnings withRM has already printed).
func aggregationFrom(c *cli.Context) (aggregation, error) {
	cfg, err := readConf(c)
	if err != nil {
		return aggregation{}, err
	}
	enabled, err := cfg.Bool("yarn.log-aggregation-enable")
	if err != nil {
		return aggregation{}, err
	}
	return aggregation{enabled: enabled, remoteDir: cfg.Get("yarn.nodemanager.remote-app-log-dir")}, nil
}

// aggregatedReader reads one application's aggregated logs.
type aggregatedReader struct {
	store dfs.Store
	// dir is the application's directory in the store.
	dir string
}

// withAggregated adds to targets the containers of the application's
// aggregated logs under remoteDir that no reachable NodeManager has logs
// of, and reads those that a NodeManager tracks but whose logs it has
// removed from the aggregated copy. An unreadable copy is warned about and
// left out.
func (lc *logsClient) withAggregated(ctx context.Context, remoteDir, user string, targets []logTarget) []logTarget {
	appID := lc.opts.app.String()
	warn := func(err error) []logTarget {
		if ctx.Err() == nil {
			fmt.Fprintf(lc.warn, "warning: cannot read the aggregated logs of %s under %s: %v\n", appID, remoteDir, err)
		}
		return targets
	}
	// An unreachable store must not hold up the logs the NodeManagers have.
	lctx, cancel := context.WithTimeout(ctx, nmRequestTimeout)
	defer cancel()
	store, root, err := dfs.Open(lctx, remoteDir)
	if err != nil {
		return warn(err)
	}
	dir, err := nodemanager.AggregatedAppDir(root, user, appID)
	if err != nil {
		store.Close()
		return warn(err)
	}
	lc.aggregated = &aggregatedReader{store: store, dir: dir}
	containers, err := nodemanager.ListAggregatedLogs(lctx, store, dir, appID)
	if err != nil {
		return warn(err)
	}
	return mergeAggregated(targets, containers, lc.wanted, lc.opts.nodeAddress)
}

// mergeAggregated returns targets with the aggregated containers that
// wanted accepts (and that ran on node, when it is given): a container a
// NodeManager still runs or has logs of is read there; otherwise from its
// aggregated copy. The result is sorted by container id.
func mergeAggregated(targets []logTarget, containers []nodemanager.AggregatedContainer, wanted func(string) bool, node string) []logTarget {
	out := slices.Clone(targets)
	index := map[string]int{}
	for i, t := range out {
		index[t.id] = i
	}
	for _, ac := range containers {
		if !wanted(ac.ContainerID) || (node != "" && ac.NodeID != node) {
			continue
		}
		i, ok := index[ac.ContainerID]
		switch {
		case !ok:
			index[ac.ContainerID] = len(out)
			out = append(out, logTarget{id: ac.ContainerID, nodeID: ac.NodeID, agg: &ac})
		case !out[i].running && !out[i].hasLogs && out[i].agg == nil:
			out[i].agg, out[i].nodeID = &ac, ac.NodeID
		}
	}
	slices.SortFunc(out, func(a, b logTarget) int { return strings.Compare(a.id, b.id) })
	return out
}

// aggregatedFiles describes an aggregated container's files as a
// NodeManager's listing does.
func aggregatedFiles(ac *nodemanager.AggregatedContainer) []logFile {
	out := make([]logFile, 0, len(ac.Files))
	for _, f := range ac.Files {
		out = append(out, logFile{name: f.Name, size: f.Size, modified: f.ModTime.Format(nodemanager.LogTimeFormat)})
	}
	return out
}

// copyRange copies bytes [from, to) of an aggregated file to w.
func (r *aggregatedReader) copyRange(ctx context.Context, ac *nodemanager.AggregatedContainer, name string, from, to int64, w io.Writer) error {
	if r == nil {
		return fmt.Errorf("no aggregated logs open for container %s", ac.ContainerID)
	}
	p := path.Join(ac.Dir, name)
	rc, err := r.store.Open(ctx, p)
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := io.CopyN(io.Discard, rc, from); err != nil {
		return fmt.Errorf("skip to byte %d of %s: %w", from, p, err)
	}
	if _, err := io.CopyN(w, rc, to-from); err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	return nil
}

// close releases the aggregated logs' store, if one was opened.
func (lc *logsClient) close() {
	if lc.aggregated != nil {
		lc.aggregated.store.Close()
	}
}
