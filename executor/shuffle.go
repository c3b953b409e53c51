package executor

import (
	"errors"
	"path/filepath"

	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/shuffle"
	"github.com/spindlehq/spindle/statestore"
)

// StagesConfig is what an executor needs to run the map and reduce tasks
// of keyed stages.
type StagesConfig struct {
	// AppDirs are the application's local dirs on this node
	// (<local-dir>/<appId>, the container's LOCAL_DIRS), where map
	// outputs are written.
	AppDirs []string
	// Addresses serve this node's map outputs, in order of preference:
	// the NodeManager's shuffle service (when
	// spark.shuffle.service.enabled), then this executor's own server.
	Addresses []string
	// Fetcher fetches map outputs for reduce tasks.
	Fetcher *shuffle.Fetcher
	// State holds the keyed state of the partitions this executor
	// reduces.
	State *statestore.Store
	// Checkpoint is the store of the application's checkpoint dir
	// (CheckpointDir within it), where state checkpoints go.
	Checkpoint    dfs.Store
	CheckpointDir string
	// Tables caches the tables of JoinTable stages.
	Tables *TableCache
}

// Validate reports a config that could not run keyed stages.
func (c *StagesConfig) Validate() error {
	if len(c.AppDirs) == 0 || len(c.Addresses) == 0 || c.Fetcher == nil || c.State == nil || c.Checkpoint == nil || c.Tables == nil {
		return errors.New("executor: keyed stages need the application's local dirs, an address serving them, a fetcher, a state store, the checkpoint store and a table cache")
	}
	return nil
}

// batchDir is where the batch's map outputs go on this node: one of the
// application's local dirs, chosen by batch, as the NodeManager spreads
// containers over its dirs.
func (c *StagesConfig) batchDir(batchMs int64) string {
	return shuffle.BatchDir(c.AppDirs[int(uint64(batchMs)%uint64(len(c.AppDirs)))], batchMs)
}

// NodeDirs are the node's local dirs that hold the application's dirs,
// for an executor that serves its map outputs itself.
func NodeDirs(appDirs []string) shuffle.Dirs {
	out := make(shuffle.Dirs, len(appDirs))
	for i, d := range appDirs {
		out[i] = filepath.Dir(d)
	}
	return out
}
