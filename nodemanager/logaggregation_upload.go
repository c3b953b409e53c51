package nodemanager

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/spindlehq/spindle/ids"
	"go.uber.org/zap"
)

// uploadResult counts what one upload wrote.
type uploadResult struct {
	// dir is the node's directory in the application's aggregated logs.
	dir        string
	containers int
	files      int
	bytes      int64
}

// upload copies an application's container logs on this node to the
// remote app-log dir, each file written atomically to
// <appDir>/<host_port>/<containerId>/<name>. With final, every file goes
// (the application's containers here have ended); otherwise only rolled
// files, which no longer change. A rolled file is named after the time of
// its last write and uploaded once.
func (a *logAggregator) upload(ctx context.Context, appID string, final bool) (uploadResult, error) {
	_, root, err := a.openStore(ctx)
	if err != nil {
		return uploadResult{}, err
	}
	appDir, err := AggregatedAppDir(root, a.userOf(appID), appID)
	if err != nil {
		return uploadResult{}, err
	}
	res := uploadResult{dir: path.Join(appDir, AggregatedNodeDir(a.cfg.NodeID))}
	done := a.uploaded[appID]
	if done == nil {
		done = map[string]bool{}
		a.uploaded[appID] = done
	}
	for _, c := range localContainerDirs(a.cfg.LogDirs, appID) {
		entries, err := os.ReadDir(c.dir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return res, fmt.Errorf("nodemanager: read log dir of container %s: %w", c.id, err)
		}
		res.containers++
		for _, e := range entries {
			name := e.Name()
			_, rolled := rolledLog(name)
			if (!final && !rolled) || checkLogFileName(name) != nil {
				continue
			}
			n, err := a.uploadFile(ctx, c, name, path.Join(res.dir, c.id), done)
			if err != nil {
				// A store that failed may have lost its connection: reopen it next time.
				a.closeStore()
				return res, err
			}
			if n >= 0 {
				res.files++
				res.bytes += n
			}
		}
	}
	return res, nil
}

// uploadFile uploads one file of a container's log dir into dir and
// returns its size, or -1 when it was skipped: gone, already uploaded, or
// not a regular file inside the log dir (which is logged).
func (a *logAggregator) uploadFile(ctx context.Context, c localContainer, name, dir string, done map[string]bool) (int64, error) {
	f, info, err := openContainerLogFile(c.dir, name)
	if errors.Is(err, fs.ErrNotExist) {
		// Pruned or rolled away since the listing.
		return -1, nil
	}
	if err != nil {
		a.lg.Warn("container log file not aggregated", zap.String("container", c.id), zap.String("file", name), zap.Error(err))
		return -1, nil
	}
	defer f.Close()
	_, rolled := rolledLog(name)
	target := path.Join(dir, aggregatedName(name, info.ModTime()))
	if rolled {
		if done[target] {
			return -1, nil
		}
		// Uploaded before this process started?
		exists, err := a.store.Exists(ctx, target)
		if err != nil {
			return 0, fmt.Errorf("nodemanager: check aggregated log %s: %w", target, err)
		}
		if exists {
			done[target] = true
			return -1, nil
		}
	}
	n, err := a.store.WriteFrom(ctx, target, f)
	if err != nil {
		return 0, fmt.Errorf("nodemanager: upload %s of container %s to %s: %w", name, c.id, target, err)
	}
	if rolled {
		done[target] = true
	}
	return n, nil
}

// localContainer is one container's log dir on this node.
type localContainer struct {
	id  string
	dir string
}

// localContainerDirs lists the log dirs of appID's containers in every
// log dir root, sorted by container id. Entries that are not real
// directories named after a container of the application are skipped.
func localContainerDirs(roots []string, appID string) []localContainer {
	app, err := ids.ParseApplicationID(appID)
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var out []localContainer
	for _, root := range roots {
		appDir := filepath.Join(root, app.String())
		if info, err := os.Lstat(appDir); err != nil || !info.IsDir() {
			continue
		}
		entries, err := os.ReadDir(appDir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			cid, err := ids.ParseContainerID(e.Name())
			// DirEntry types come from Lstat: a link to a dir is not a dir.
			if err != nil || !e.IsDir() || cid.Attempt.App != app || seen[cid.String()] {
				continue
			}
			seen[cid.String()] = true
			out = append(out, localContainer{id: cid.String(), dir: filepath.Join(appDir, e.Name())})
		}
	}
	slices.SortFunc(out, func(a, b localContainer) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
	return out
}
