package nodemanager

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/nodemanager/containermonitor"
	"github.com/spindlehq/spindle/nodemanager/launcher"
	"github.com/spindlehq/spindle/nodemanager/localizer"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Diagnostics of containers the NM ended, in YARN's words.
const (
	diagKilledByAM     = "Container killed by the ApplicationMaster."
	diagKilledByRM     = "Container killed by the ResourceManager."
	completedRetention = 10 * time.Minute
	defaultOverheadKey = conf.KeyExecutorMemoryOverhead
)

// container is the NM's record of one container.
type container struct {
	id    string
	ident *pb.ContainerTokenIdentifier
	// startToken is the token the container was started with, which stops
	// it even after its master key is rolled out.
	startToken *pb.Token
	proc       *launcher.Process
	workDir    string
	logDir     string
	state      pb.ContainerState
	// exitStatus and diagnostics are final once state is COMPLETE.
	exitStatus  int32
	diagnostics string
	// killStatus, when set, replaces the process's own exit code: the NM
	// (for memory), the AM or the RM ended it.
	killStatus  int32
	killDiag    string
	completedAt time.Time
	// reported: the RM has acknowledged the completed status.
	reported bool
}

func (c *container) status() *pb.ContainerStatus {
	st := &pb.ContainerStatus{
		ContainerId: c.id,
		State:       c.state,
		ExitStatus:  c.exitStatus,
		Diagnostics: c.diagnostics,
		Resource:    c.ident.GetResource(),
	}
	if c.proc != nil {
		st.Pid = int32(c.proc.PID())
	}
	return st
}

// startContainer verifies req's token and launches its container.
func (nm *NodeManager) startContainer(ctx context.Context, req *pb.StartContainerRequest) (string, error) {
	ident, err := nm.signer.VerifyContainer(req.GetContainerToken(), nm.nodeID, time.Now())
	if err != nil {
		id := claimedContainer(req.GetContainerToken())
		nm.lg.Warn("container start refused", zap.String("container", id), zap.String("remote", remoteOf(ctx)), zap.Error(err))
		return id, status.Errorf(codes.PermissionDenied, "start container %s: %v", id, err)
	}
	id := ident.GetContainerId()
	cid, err := ids.ParseContainerID(id)
	if err != nil {
		return id, status.Errorf(codes.InvalidArgument, "start container: %v", err)
	}
	lc := req.GetLaunchContext()
	if len(lc.GetCommand()) == 0 {
		return id, status.Errorf(codes.InvalidArgument, "start container %s: the launch context has no command", id)
	}
	appID := cid.Attempt.App.String()
	c := &container{
		id:         id,
		ident:      ident,
		startToken: req.GetContainerToken(),
		workDir:    filepath.Join(pick(nm.cfg.LocalDirs, id), appID, id),
		logDir:     filepath.Join(pick(nm.cfg.LogDirs, id), appID, id),
		state:      pb.ContainerState_CONTAINER_STATE_NEW,
	}

	nm.mu.Lock()
	if _, dup := nm.containers[id]; dup {
		nm.mu.Unlock()
		return id, status.Errorf(codes.AlreadyExists, "start container %s: already started on this node; a container token starts its container once", id)
	}
	if used := nm.usedLocked(); used.GetMemoryMb()+ident.GetResource().GetMemoryMb() > nm.total.GetMemoryMb() || used.GetVcores()+ident.GetResource().GetVcores() > nm.total.GetVcores() {
		nm.mu.Unlock()
		return id, status.Errorf(codes.ResourceExhausted, "start container %s: %d MiB/%d vcores would exceed the node's %d MiB/%d vcores (%d MiB/%d vcores in use)", id,
			ident.GetResource().GetMemoryMb(), ident.GetResource().GetVcores(), nm.total.GetMemoryMb(), nm.total.GetVcores(), used.GetMemoryMb(), used.GetVcores())
	}
	nm.containers[id] = c
	nm.rememberUserLocked(appID, ident.GetUser())
	nm.mu.Unlock()
	nm.recordAppACL(appID, ident.GetViewAcl())

	memMB := ident.GetResource().GetMemoryMb() - ident.GetMemoryOverheadMb()
	host, port, _ := net.SplitHostPort(nm.nodeID)
	env := map[string]string{}
	for k, v := range lc.GetEnvironment() {
		env[k] = v
	}
	env[launch.EnvContainerID] = id
	env[launch.EnvApplicationID] = appID
	env[launch.EnvNMHost] = host
	env[launch.EnvNMPort] = port
	env[launch.EnvNMAddress] = nm.nodeID
	env[launch.EnvNMHTTPAddress] = nm.Addresses().Web
	env[launch.EnvGoMemLimit] = strconv.FormatInt(memMB, 10) + "MiB"
	env[launch.EnvContainerMemoryMB] = strconv.FormatInt(ident.GetResource().GetMemoryMb(), 10)
	env[launch.EnvLogDir] = c.logDir

	launchStart := time.Now()
	command := make([]string, len(lc.GetCommand()))
	for i, arg := range lc.GetCommand() {
		command[i] = strings.ReplaceAll(arg, launch.BinaryVar, nm.binary)
	}
	var proc *launcher.Process
	err = os.MkdirAll(c.workDir, 0o750)
	if err == nil && len(lc.GetLocalResources()) > 0 {
		err = nm.local.Localize(ctx, localizer.Request{ContainerID: id, User: ident.GetUser(), WorkDir: c.workDir, Resources: lc.GetLocalResources()})
	}
	var user *launcher.User
	if err == nil {
		user, err = nm.containerUser(ident)
	}
	if err == nil {
		var out containerOutputs
		if out, err = nm.openContainerOutputs(c.logDir); err == nil {
			if err = giveDirs(user, env, c.workDir, c.logDir); err != nil {
				out.stdout.Close()
				out.stderr.Close()
			}
		}
		if err == nil {
			proc, err = launcher.Start(ctx, launcher.Spec{ContainerID: id, WorkDir: c.workDir, LogDir: c.logDir, Command: command, Env: env, Stdout: out.stdout, Stderr: out.stderr, User: user}, nm.lg)
		}
	}
	if err != nil {
		nm.mu.Lock()
		c.state, c.exitStatus, c.diagnostics, c.completedAt = pb.ContainerState_CONTAINER_STATE_COMPLETE, launch.ExitInvalid, "Container launch failed: "+err.Error(), time.Now()
		nm.mu.Unlock()
		nm.heartbeatSoon()
		nm.metrics.failed.Inc()
		nm.deleter.Schedule(c.workDir)
		nm.lg.Warn("container launch failed", zap.String("container", id), zap.Error(err))
		return id, status.Errorf(codes.FailedPrecondition, "start container %s: %v", id, err)
	}
	nm.metrics.launchSeconds.Observe(time.Since(launchStart).Seconds())
	nm.metrics.launched.Inc()
	nm.mu.Lock()
	c.proc = proc
	c.state = pb.ContainerState_CONTAINER_STATE_RUNNING
	nm.mu.Unlock()
	if nm.cfg.PmemCheck {
		key := lc.GetOverheadKey()
		if key == "" {
			key = defaultOverheadKey
		}
		nm.monitor.Add(containermonitor.Container{ID: id, PID: proc.PID(), LimitBytes: ident.GetResource().GetMemoryMb() << 20, OverheadKey: key})
	}
	nm.lg.Info("container started", zap.String("container", id), zap.String("app", appID), zap.Int("pid", proc.PID()),
		zap.Int64("memoryMB", ident.GetResource().GetMemoryMb()), zap.Int32("vcores", ident.GetResource().GetVcores()))
	nm.goRun(func() { nm.waitContainer(c) })
	return id, nil
}

// waitContainer records a container's end.
func (nm *NodeManager) waitContainer(c *container) {
	<-c.proc.Done()
	res := c.proc.Result()
	nm.monitor.Remove(c.id)
	nm.mu.Lock()
	c.state = pb.ContainerState_CONTAINER_STATE_COMPLETE
	c.completedAt = time.Now()
	c.exitStatus = int32(res.ExitCode)
	switch {
	case c.killStatus != 0:
		c.exitStatus, c.diagnostics = c.killStatus, c.killDiag
	case res.ExitCode != 0:
		c.diagnostics = fmt.Sprintf("Exception from container-launch. Container id: %s Exit code: %d", c.id, res.ExitCode)
		if res.Signal != "" {
			c.diagnostics += " (killed by " + res.Signal + ")"
		}
		// As YARN: the end of stderr usually says why.
		if tail := fileTail(filepath.Join(c.logDir, "stderr"), stderrTailBytes); tail != "" {
			c.diagnostics += fmt.Sprintf("\nLast %d bytes of stderr :\n%s", stderrTailBytes, tail)
		}
	}
	exit, diag := c.exitStatus, c.diagnostics
	// The RM and the AM know of the stops they asked for; anything else
	// (the process exited, the memory monitor killed it) they learn from
	// this NM, at once.
	unexpected := c.killStatus != launch.ExitKilledByAppMaster && c.killStatus != launch.ExitKilledByResourceManager
	nm.mu.Unlock()
	if exit != 0 {
		nm.metrics.failed.Inc()
	}
	nm.deleter.Schedule(c.workDir)
	nm.lg.Info("container completed", zap.String("container", c.id), zap.Int32("exitStatus", exit), zap.String("diagnostics", firstLine(diag)))
	if unexpected {
		nm.heartbeatSoon()
	}
}

// memoryExceeded kills a container the monitor found above its allocation.
func (nm *NodeManager) memoryExceeded(v containermonitor.Violation) {
	nm.mu.Lock()
	c, ok := nm.containers[v.ContainerID]
	if !ok || c.proc == nil || c.state != pb.ContainerState_CONTAINER_STATE_RUNNING {
		nm.mu.Unlock()
		return
	}
	c.killStatus, c.killDiag = int32(v.ExitStatus), v.Diagnostic
	nm.mu.Unlock()
	nm.metrics.memoryKills.Inc()
	if err := c.proc.Kill(); err != nil && !errors.Is(err, launcher.ErrProcessFinished) {
		nm.lg.Error("kill container over its memory limit", zap.String("container", c.id), zap.Error(err))
	}
}

// stopContainer ends a running container: SIGTERM, then SIGKILL after grace.
func (nm *NodeManager) stopContainer(id string, grace time.Duration, exitStatus int32, diag string) bool {
	nm.mu.Lock()
	c, ok := nm.containers[id]
	if !ok || c.proc == nil || c.state != pb.ContainerState_CONTAINER_STATE_RUNNING {
		nm.mu.Unlock()
		return false
	}
	if c.killStatus == 0 {
		c.killStatus, c.killDiag = exitStatus, diag
	}
	nm.mu.Unlock()
	nm.goRun(func() { c.proc.Stop(context.Background(), grace) })
	return true
}

// stopAll stops every running container and waits for them, bounded by ctx.
func (nm *NodeManager) stopAll(ctx context.Context, grace time.Duration, exitStatus int32, diag string) {
	nm.mu.Lock()
	var running []*container
	for _, c := range nm.containers {
		if c.proc != nil && c.state == pb.ContainerState_CONTAINER_STATE_RUNNING {
			running = append(running, c)
		}
	}
	nm.mu.Unlock()
	for _, c := range running {
		nm.stopContainer(c.id, grace, exitStatus, diag)
	}
	for _, c := range running {
		select {
		case <-c.proc.Done():
		case <-ctx.Done():
			return
		}
	}
}

// usedLocked sums the resources of containers that are not complete.
func (nm *NodeManager) usedLocked() *pb.Resource {
	used := &pb.Resource{}
	for _, c := range nm.containers {
		if c.state != pb.ContainerState_CONTAINER_STATE_COMPLETE {
			used.MemoryMb += c.ident.GetResource().GetMemoryMb()
			used.Vcores += c.ident.GetResource().GetVcores()
		}
	}
	return used
}

// pick spreads containers over dirs by id, as YARN spreads over local-dirs.
func pick(dirs []string, id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return dirs[int(h.Sum32()%uint32(len(dirs)))]
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

// stderrTailBytes is how much of a failed container's stderr goes into its
// diagnostics, as YARN's.
const stderrTailBytes = 4096

// fileTail returns up to n bytes of the end of path ("" if unreadable).
func fileTail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(info.Size()-n, 0)
	buf := make([]byte, info.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return ""
	}
	return string(buf)
}
