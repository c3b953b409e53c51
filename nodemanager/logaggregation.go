package nodemanager

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/nodemanager/launcher"
	"go.uber.org/zap"
)

// logAggregator uploads the container logs of applications to the remote
// app-log dir, as YARN's log aggregation does: the rolled files of running
// applications every RollInterval, and everything once an application
// has finished and its containers on the node have ended; it then deletes
// the local copies after Retain.
type logAggregator struct {
	cfg     aggregatorConfig
	lg      *zap.Logger
	deleter *launcher.Deleter
	wake    chan struct{}

	mu sync.Mutex
	// finished are applications the RM reported finished, not yet done.
	finished map[string]*finishedApp
	// users remembers each application's user once seen on a container,
	// which the node forgets some time after the container completes.
	users map[string]string

	// The fields below belong to Run's goroutine.
	store    dfs.Store
	root     string
	nextRoll time.Time
	// uploaded holds the remote paths of rolled files already uploaded,
	// by application, so that a roll pass uploads each one once.
	uploaded map[string]map[string]bool
}

// finishedApp is a finished application waiting for its logs to be handled.
type finishedApp struct {
	failures int
	nextTry  time.Time
}

// newLogAggregator checks cfg and prepares an aggregator; Run does the work.
func newLogAggregator(cfg aggregatorConfig) (*logAggregator, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Apps == nil {
		return nil, errors.New("nodemanager: log aggregator needs the node's applications")
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = aggregatorPollInterval
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	dcfg := launcher.DefaultDeleterConfig()
	dcfg.Delay = cfg.Retain
	dcfg.Logger = lg
	dcfg.Now = cfg.Now
	deleter, err := launcher.NewDeleter(dcfg)
	if err != nil {
		return nil, err
	}
	return &logAggregator{
		cfg:      cfg,
		lg:       lg,
		deleter:  deleter,
		wake:     make(chan struct{}, 1),
		finished: map[string]*finishedApp{},
		users:    map[string]string{},
		uploaded: map[string]map[string]bool{},
	}, nil
}

// appsFinished records applications the RM reported finished; their logs
// are handled once their containers on the node have ended.
func (a *logAggregator) appsFinished(appIDs []string) {
	if len(appIDs) == 0 {
		return
	}
	a.mu.Lock()
	for _, id := range appIDs {
		if _, err := ids.ParseApplicationID(id); err != nil {
			a.lg.Warn("ignoring finished application with an invalid id", zap.String("app", id), zap.Error(err))
			continue
		}
		if _, ok := a.finished[id]; !ok {
			a.finished[id] = &finishedApp{}
		}
	}
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Run handles finished applications and uploads rolled files until ctx
// ends; local copies scheduled for deletion are removed as they fall due.
func (a *logAggregator) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.deleter.Run(ctx)
	}()
	defer wg.Wait()
	defer a.closeStore()
	if a.cfg.RollInterval > 0 {
		a.nextRoll = a.cfg.Now().Add(a.cfg.RollInterval)
	}
	tick := time.NewTicker(a.cfg.PollInterval)
	defer tick.Stop()
	for {
		a.pass(ctx, a.cfg.Now())
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-a.wake:
		}
	}
}

// pass does one round: finished applications whose containers here have
// ended, then, when due, the rolled files of running applications.
func (a *logAggregator) pass(ctx context.Context, now time.Time) {
	apps := a.cfg.Apps()
	a.mu.Lock()
	for id, app := range apps {
		if app.user != "" {
			a.users[id] = app.user
		}
	}
	var due []string
	for id, f := range a.finished {
		if !apps[id].running && !now.Before(f.nextTry) {
			due = append(due, id)
		}
	}
	a.mu.Unlock()
	for _, id := range due {
		if ctx.Err() != nil {
			return
		}
		err := a.finish(ctx, id)
		a.mu.Lock()
		if err == nil {
			delete(a.finished, id)
			delete(a.users, id)
		} else if f := a.finished[id]; f != nil {
			f.failures++
			f.nextTry = now.Add(min(a.cfg.PollInterval<<min(f.failures, 16), aggregatorMaxBackoff))
		}
		a.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			a.lg.Warn("aggregate application logs", zap.String("app", id), zap.String("remoteDir", a.cfg.RemoteDir), zap.Error(err))
		}
	}
	if !a.cfg.Enabled || a.cfg.RollInterval == 0 || now.Before(a.nextRoll) {
		return
	}
	a.nextRoll = now.Add(a.cfg.RollInterval)
	for id, app := range apps {
		a.mu.Lock()
		_, done := a.finished[id]
		a.mu.Unlock()
		if !app.running || done {
			continue
		}
		res, err := a.upload(ctx, id, false)
		if err != nil {
			if ctx.Err() == nil {
				a.lg.Warn("upload rolled container logs", zap.String("app", id), zap.String("remoteDir", a.cfg.RemoteDir), zap.Error(err))
			}
			continue
		}
		if res.files > 0 {
			a.lg.Info("rolled container logs uploaded", zap.String("app", id), zap.Int("files", res.files), zap.Int64("bytes", res.bytes), zap.String("dir", res.dir))
		}
	}
}

// finish uploads a finished application's logs (when aggregation is on)
// and schedules their local deletion after the retention time.
func (a *logAggregator) finish(ctx context.Context, appID string) error {
	if a.cfg.Enabled {
		res, err := a.upload(ctx, appID, true)
		if err != nil {
			return err
		}
		a.lg.Info("application logs aggregated", zap.String("app", appID), zap.Int("containers", res.containers),
			zap.Int("files", res.files), zap.Int64("bytes", res.bytes), zap.String("dir", res.dir))
	}
	delete(a.uploaded, appID)
	for _, root := range a.cfg.LogDirs {
		dir := filepath.Join(root, appID)
		if info, err := os.Lstat(dir); err == nil && info.IsDir() {
			a.deleter.Schedule(dir)
		}
	}
	a.lg.Debug("application logs scheduled for deletion", zap.String("app", appID), zap.Duration("retain", a.cfg.Retain))
	return nil
}

// userOf returns the application's user as its containers named it, or
// the NodeManager's own user when the node no longer knows it.
func (a *logAggregator) userOf(appID string) string {
	a.mu.Lock()
	name := a.users[appID]
	a.mu.Unlock()
	if name != "" {
		return name
	}
	if u, err := user.Current(); err == nil {
		a.lg.Warn("application's user unknown on this node: aggregating under the NodeManager's user", zap.String("app", appID), zap.String("user", u.Username))
		return u.Username
	}
	return "unknown"
}

// openStore opens the remote store on first use, and again after an
// upload failed.
func (a *logAggregator) openStore(ctx context.Context) (dfs.Store, string, error) {
	if a.store != nil {
		return a.store, a.root, nil
	}
	st, root, err := dfs.Open(ctx, a.cfg.RemoteDir)
	if err != nil {
		return nil, "", fmt.Errorf("nodemanager: open yarn.nodemanager.remote-app-log-dir %s: %w", a.cfg.RemoteDir, err)
	}
	a.store, a.root = st, root
	return st, root, nil
}

func (a *logAggregator) closeStore() {
	if a.store != nil {
		_ = a.store.Close()
		a.store = nil
	}
}

// appsOnNode reports the applications with containers on the node.
func (nm *NodeManager) appsOnNode() map[string]appOnNode {
	nm.mu.Lock()
	defer nm.mu.Unlock()
	out := map[string]appOnNode{}
	for id, c := range nm.containers {
		cid, err := ids.ParseContainerID(id)
		if err != nil {
			continue
		}
		app := cid.Attempt.App.String()
		a := out[app]
		if a.user == "" {
			a.user = c.ident.GetUser()
		}
		a.running = a.running || c.state != pb.ContainerState_CONTAINER_STATE_COMPLETE
		out[app] = a
	}
	return out
}
