package nodemanager

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/ids"
)

// LogAggregationAggregated is the logAggregationType of logs read from an
// application's aggregated copy rather than from a NodeManager.
const LogAggregationAggregated = "AGGREGATED"

// aggregatedSuffix is the directory between the user and the application,
// as YARN's yarn.nodemanager.remote-app-log-dir-suffix default.
const aggregatedSuffix = "logs"

// rolledTimeFormat names an aggregated rolled file after the time of its
// last write, so that its name stays the same however the local files
// shift, and names sort in time order.
const rolledTimeFormat = "20060102-150405.000000000"

// rollingLogs are the files a container's log dir rolls (stdout.1, …):
// the NodeManager's own streams and the framework's and the job's logs.
var rollingLogs = []string{containerStdout, containerStderr, "spindle.log", "app.log"}

// errAggregatedPath marks a user or application id that cannot name a
// directory of the aggregated logs.
var errAggregatedPath = errors.New("nodemanager: invalid aggregated log path")

// AggregatedAppDir is where an application's logs are aggregated under
// root, the path yarn.nodemanager.remote-app-log-dir names in its store:
// <root>/<user>/logs/<appId>. The user must be a plain name.
func AggregatedAppDir(root, user, appID string) (string, error) {
	app, err := ids.ParseApplicationID(appID)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errAggregatedPath, err)
	}
	if err := checkLogFileName(user); err != nil {
		return "", fmt.Errorf("%w: user %q of application %s: %w", errAggregatedPath, user, appID, err)
	}
	return path.Join(root, user, aggregatedSuffix, app.String()), nil
}

// AggregatedNodeDir names a node's directory in an application's
// aggregated logs, as YARN names its per-node file: the node id with ':'
// replaced by '_', since HDFS paths cannot hold ':'.
func AggregatedNodeDir(nodeID string) string {
	return strings.ReplaceAll(nodeID, ":", "_")
}

// nodeIDFromDir turns a node directory's name back into host:port.
func nodeIDFromDir(name string) string {
	if i := strings.LastIndexByte(name, '_'); i >= 0 {
		return name[:i] + ":" + name[i+1:]
	}
	return name
}

// rolledLog reports whether name is a rolled copy of one of rollingLogs
// (base.N) and returns the base.
func rolledLog(name string) (base string, ok bool) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 || i == len(name)-1 {
		return "", false
	}
	for _, r := range name[i+1:] {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	if !slices.Contains(rollingLogs, name[:i]) {
		return "", false
	}
	return name[:i], true
}

// aggregatedName is the name a local log file gets in the aggregated copy:
// its own, or for a rolled file its base and the time of its last write.
func aggregatedName(name string, modTime time.Time) string {
	if base, ok := rolledLog(name); ok {
		return base + "." + modTime.UTC().Format(rolledTimeFormat)
	}
	return name
}

// AggregatedContainer is one container's files in an application's
// aggregated logs.
type AggregatedContainer struct {
	// ContainerID is the container's id.
	ContainerID string
	// NodeID is host:port of the node that ran it.
	NodeID string
	// Dir is the container's directory in the store.
	Dir string
	// Files are its regular files, sorted by name; ModTime is when each
	// was uploaded.
	Files []dfs.FileInfo
}

// ListAggregatedLogs lists the containers of an application's aggregated
// logs in appDir (see AggregatedAppDir), sorted by container id. An
// application without aggregated logs has none. Entries that are not a
// node directory holding container directories of the application are
// skipped.
func ListAggregatedLogs(ctx context.Context, store dfs.Store, appDir, appID string) ([]AggregatedContainer, error) {
	app, err := ids.ParseApplicationID(appID)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errAggregatedPath, err)
	}
	nodes, err := store.List(ctx, appDir)
	if errors.Is(err, dfs.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("nodemanager: list aggregated logs of %s in %s: %w", appID, appDir, err)
	}
	var out []AggregatedContainer
	for _, n := range nodes {
		if !n.IsDir {
			continue
		}
		containers, err := store.List(ctx, n.Path)
		if err != nil {
			return nil, fmt.Errorf("nodemanager: list aggregated logs of %s in %s: %w", appID, n.Path, err)
		}
		for _, c := range containers {
			cid, err := ids.ParseContainerID(c.Name)
			if err != nil || !c.IsDir || cid.Attempt.App != app {
				continue
			}
			entries, err := store.List(ctx, c.Path)
			if err != nil {
				return nil, fmt.Errorf("nodemanager: list aggregated logs of container %s in %s: %w", c.Name, c.Path, err)
			}
			ac := AggregatedContainer{ContainerID: cid.String(), NodeID: nodeIDFromDir(n.Name), Dir: c.Path}
			for _, f := range entries {
				if f.IsDir || uploadInProgress(f.Name) || checkLogFileName(f.Name) != nil {
					continue
				}
				ac.Files = append(ac.Files, f)
			}
			out = append(out, ac)
		}
	}
	slices.SortFunc(out, func(a, b AggregatedContainer) int {
		if c := strings.Compare(a.ContainerID, b.ContainerID); c != 0 {
			return c
		}
		return strings.Compare(a.NodeID, b.NodeID)
	})
	return out, nil
}

// uploadInProgress reports whether name is a store's temporary file of a
// write not yet renamed into place: ".<name>.<random>.tmp" in a file
// store, "<name>._COPYING_" in HDFS.
func uploadInProgress(name string) bool {
	return (strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".tmp")) || strings.HasSuffix(name, "._COPYING_")
}
