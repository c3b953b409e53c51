package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/spindlehq/spindle/nodemanager"
	"github.com/spindlehq/spindle/resourcemanager"
	"go.uber.org/zap"
)

// supervisorConfig shapes the daemons a supervisor runs.
type supervisorConfig struct {
	// binary is the spindle binary.
	binary string
	// dir holds each daemon's state, logs and ready file, and the
	// cluster secret.
	dir string
	// nodeManagers is how many NMs to run, each with nmMemory and nmVCores.
	nodeManagers int
	nmMemory     string
	nmVCores     int
	// env is added to the daemons' environment (and so to their
	// containers').
	env []string
	// startTimeout bounds each daemon's start; stopTimeout its stop after
	// SIGTERM.
	startTimeout, stopTimeout time.Duration
	// logger receives the supervisor's log.
	logger *zap.Logger
}

// supervisor runs the RM and the NMs as `spindle` processes and brings
// them back after a kill on the same addresses, as systemd with
// Restart=always would.
type supervisor struct {
	cfg supervisorConfig
	lg  *zap.Logger

	mu     sync.Mutex
	rm     *process
	rmAddr resourcemanager.Addresses
	nms    []*process
	nmAddr []nodemanager.Addresses
	// crashes are daemons that exited without being killed or stopped.
	crashes []string
}

// clusterConf is set on every daemon: the shared secret, gossip on
// loopback, and heartbeats five times a second (the RM's answer tells NMs
// the interval), so that containers start and end promptly.
func (s *supervisor) clusterConf() []string {
	return []string{
		"spindle.cluster.secret-file=" + filepath.Join(s.cfg.dir, "cluster-secret"),
		"spindle.memberlist.bind-address=127.0.0.1:0",
		"yarn.resourcemanager.nodemanagers.heartbeat-interval-ms=200",
	}
}

// startSupervisor starts the RM, then the NMs, and returns once each has
// written its addresses. On error, whatever was started is stopped.
func startSupervisor(ctx context.Context, cfg supervisorConfig) (*supervisor, error) {
	s := &supervisor{cfg: cfg, lg: cfg.logger}
	if err := s.startRM(ctx, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	for i := 0; i < cfg.nodeManagers; i++ {
		s.nms = append(s.nms, nil)
		s.nmAddr = append(s.nmAddr, nodemanager.Addresses{})
		if err := s.startNM(ctx, i, "127.0.0.1:0", "127.0.0.1:0"); err != nil {
			s.stop(context.Background())
			return nil, err
		}
	}
	return s, nil
}

// startDaemon runs `spindle <role>` with the cluster's and its own conf
// and waits for its ready file.
func (s *supervisor) startDaemon(ctx context.Context, role, name, dir string, ready any, conf ...string) (*process, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("chaos: directory of %s: %w", name, err)
	}
	readyFile := filepath.Join(dir, "ready.json")
	if err := os.Remove(readyFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("chaos: remove the old ready file of %s: %w", name, err)
	}
	args := []string{role, "--ready-file", readyFile}
	for _, kv := range append(s.clusterConf(), conf...) {
		args = append(args, "--conf", kv)
	}
	p, err := startProcess(name, s.cfg.binary, args, s.cfg.env, filepath.Join(dir, name+".out"))
	if err != nil {
		return nil, err
	}
	if err := p.waitReady(ctx, readyFile, s.cfg.startTimeout, ready); err != nil {
		p.stop(s.cfg.stopTimeout)
		return nil, err
	}
	return p, nil
}

// startRM starts the RM on the given addresses; its state store is under
// its spindle.tmp.dir, which a restart keeps.
func (s *supervisor) startRM(ctx context.Context, client, tracker, web string) error {
	dir := filepath.Join(s.cfg.dir, "rm")
	var a resourcemanager.Addresses
	p, err := s.startDaemon(ctx, "resourcemanager", "resourcemanager", dir, &a,
		"spindle.tmp.dir="+dir,
		"yarn.resourcemanager.hostname=127.0.0.1",
		"yarn.resourcemanager.address="+client,
		"yarn.resourcemanager.resource-tracker.address="+tracker,
		"yarn.resourcemanager.webapp.address="+web,
		// Kills of the AM must never use up the application's attempts;
		// the application's own limit is set at submission.
		"yarn.resourcemanager.am.max-attempts=1000")
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.rm, s.rmAddr = p, a
	s.mu.Unlock()
	s.lg.Info("resourcemanager started", zap.Int("pid", p.PID()), zap.String("client", a.Client))
	return nil
}

// startNM starts NM i on the given ContainerManagement and web addresses.
func (s *supervisor) startNM(ctx context.Context, i int, addr, web string) error {
	dir := filepath.Join(s.cfg.dir, "nm"+strconv.Itoa(i))
	s.mu.Lock()
	tracker := s.rmAddr.Tracker
	s.mu.Unlock()
	var a nodemanager.Addresses
	p, err := s.startDaemon(ctx, "nodemanager", "nodemanager-"+strconv.Itoa(i), dir, &a,
		"spindle.tmp.dir="+dir,
		"yarn.resourcemanager.resource-tracker.address="+tracker,
		"yarn.nodemanager.hostname=127.0.0.1",
		"yarn.nodemanager.address="+addr,
		"yarn.nodemanager.webapp.address="+web,
		"spark.shuffle.service.port=0",
		"yarn.nodemanager.resource.memory-mb="+s.cfg.nmMemory,
		"yarn.nodemanager.resource.cpu-vcores="+strconv.Itoa(s.cfg.nmVCores))
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.nms[i], s.nmAddr[i] = p, a
	s.mu.Unlock()
	s.lg.Info("nodemanager started", zap.Int("index", i), zap.Int("pid", p.PID()), zap.String("node", a.NodeID))
	return nil
}

// rmAddresses are the RM's addresses, the same across restarts.
func (s *supervisor) rmAddresses() resourcemanager.Addresses {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rmAddr
}

// nmAddresses are each NM's addresses, the same across restarts.
func (s *supervisor) nmAddresses() []nodemanager.Addresses {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]nodemanager.Addresses(nil), s.nmAddr...)
}

// killRM SIGKILLs the RM and returns its pid.
func (s *supervisor) killRM() int {
	s.mu.Lock()
	p := s.rm
	s.mu.Unlock()
	p.kill()
	s.lg.Info("resourcemanager killed", zap.Int("pid", p.PID()))
	return p.PID()
}

// restartRM starts the RM again on its addresses.
func (s *supervisor) restartRM(ctx context.Context) error {
	a := s.rmAddresses()
	return s.startRM(ctx, a.Client, a.Tracker, a.Web)
}

// killNM SIGKILLs NM i and returns its pid.
func (s *supervisor) killNM(i int) int {
	s.mu.Lock()
	p := s.nms[i]
	s.mu.Unlock()
	p.kill()
	s.lg.Info("nodemanager killed", zap.Int("index", i), zap.Int("pid", p.PID()))
	return p.PID()
}

// restartNM starts NM i again on its node id (its ContainerManagement
// address) and web address.
func (s *supervisor) restartNM(ctx context.Context, i int) error {
	a := s.nmAddresses()[i]
	return s.startNM(ctx, i, a.NodeID, a.Web)
}

// checkCrashes records daemons that exited without being killed and
// returns their names (each once).
func (s *supervisor) checkCrashes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range append([]*process{s.rm}, s.nms...) {
		if p != nil && p.crashed() && p.killed.CompareAndSwap(false, true) {
			s.crashes = append(s.crashes, fmt.Sprintf("%s (pid %d): %v", p.name, p.PID(), p.err))
		}
	}
	return append([]string(nil), s.crashes...)
}

// stop stops the NMs (which stop their containers) in parallel, then the
// RM. A daemon still running stopTimeout after SIGTERM, or once ctx ends,
// is killed with its process group.
func (s *supervisor) stop(ctx context.Context) error {
	s.mu.Lock()
	nms, rm := append([]*process(nil), s.nms...), s.rm
	s.mu.Unlock()
	var mu sync.Mutex
	var errs []error
	stop := func(p *process) {
		if p == nil {
			return
		}
		done := make(chan bool, 1)
		go func() { done <- p.stop(s.cfg.stopTimeout) }()
		select {
		case clean := <-done:
			if !clean {
				mu.Lock()
				errs = append(errs, fmt.Errorf("chaos: %s (pid %d) did not stop within %v of SIGTERM; killed", p.name, p.PID(), s.cfg.stopTimeout))
				mu.Unlock()
			}
		case <-ctx.Done():
			p.kill()
			<-done
		}
	}
	var wg sync.WaitGroup
	for _, p := range nms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stop(p)
		}()
	}
	wg.Wait()
	stop(rm)
	return errors.Join(errs...)
}
