package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/launch"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/appmaster"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/staging"
	"github.com/spindlehq/spindle/submit"
	"google.golang.org/grpc"
)

// submit stages the job, submits it and, unless
// spark.yarn.submit.waitAppCompletion=false, reports each state change
// until the application ends.
func (sc *submitClient) submit(parent context.Context) error {
	o := sc.opts
	ctx, cancel := sc.ctx(parent, 30*time.Second)
	newApp, err := sc.rm.GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
	cancel()
	if err != nil {
		return fmt.Errorf("ask the ResourceManager at %s for an application id: %w", sc.rmAddr, err)
	}
	appID := newApp.GetApplicationId()

	var driverAddr string
	var driver *clientDriver
	if o.DeployMode == "client" {
		if driver, err = startClientDriver(o); err != nil {
			return err
		}
		defer driver.stop()
		driverAddr = driver.address
	}

	if err := sc.defaultStreamingPaths(); err != nil {
		return err
	}
	stageCfg := staging.Config{Root: sc.stagingRoot(), AppID: appID}
	resources, err := staging.Stage(parent, stageCfg, append([]string{o.Application}, o.Files...))
	if err != nil {
		return fmt.Errorf("stage %s: %w", appID, err)
	}
	spec := launch.Spec{
		Conf:          o.Conf,
		Application:   filepath.Base(o.Application),
		Args:          o.AppArgs,
		DriverAddress: driverAddr,
		Resources:     launch.FromPB(resources),
	}
	specRes, err := sc.stageSpec(parent, stageCfg, spec)
	if err != nil {
		return err
	}

	maxAttempts, _, err := o.Int("spark.yarn.maxAppAttempts")
	if err != nil {
		return err
	}
	validity, _, err := o.Duration("spark.yarn.am.attemptFailuresValidityInterval")
	if err != nil {
		return err
	}
	userName := "unknown"
	if u, err := user.Current(); err == nil {
		userName = u.Username
	}
	amMemory, amCores := o.DriverMemoryMB, int32(o.DriverCores)
	if o.DeployMode == "client" {
		// The AM only allocates: Spark's spark.yarn.am.memory/cores.
		amMemory, amCores = 512, 1
	}
	sub := &pb.ApplicationSubmissionContext{
		ApplicationId:   appID,
		Name:            o.Name,
		Queue:           o.Queue,
		ApplicationType: "SPINDLE",
		User:            userName,
		AmContainerSpec: &pb.ContainerLaunchContext{
			Command:        []string{launch.BinaryVar, "appmaster"},
			LocalResources: append(resources, specRes),
			OverheadKey:    "spark.driver.memoryOverhead",
			Environment: map[string]string{
				launch.EnvSpecURI:    specRes.GetUri(),
				launch.EnvSpecSHA256: specRes.GetSha256(),
				launch.EnvSpecSize:   fmt.Sprint(specRes.GetSize()),
			},
		},
		AmResource:                        &pb.Resource{MemoryMb: amMemory, Vcores: amCores},
		AmMemoryOverheadMb:                o.DriverMemoryOverheadMB,
		MaxAppAttempts:                    int32(maxAttempts),
		AttemptFailuresValidityIntervalMs: validity.Milliseconds(),
		Tags:                              conf.SplitList(o.Conf["spark.yarn.tags"]),
	}
	ctx, cancel = sc.ctx(parent, 30*time.Second)
	_, err = sc.rm.SubmitApplication(ctx, &pb.SubmitApplicationRequest{Context: sub})
	cancel()
	if err != nil {
		return fmt.Errorf("submit %s: %w", appID, err)
	}
	fmt.Fprintf(sc.out, "Submitted application %s\n", appID)

	wait, set, err := o.Bool("spark.yarn.submit.waitAppCompletion")
	if err != nil {
		return err
	}
	if set && !wait && o.DeployMode == "cluster" {
		return nil
	}
	return sc.wait(parent, appID, stageCfg)
}

// defaultStreamingPaths gives a Spindle job (plugin mode) a checkpoint dir
// and a sink path under spindle.tmp.dir when the user set none.
func (sc *submitClient) defaultStreamingPaths() error {
	mode, err := appmaster.DriverMode(sc.opts.Conf)
	if err != nil || mode != appmaster.DriverModePlugin {
		return err
	}
	base := "file://" + sc.daemon.Get("spindle.tmp.dir")
	if appmaster.CheckpointDir(sc.opts.Conf) == "" {
		sc.opts.Conf[appmaster.KeyCheckpointDir] = base + "/checkpoints/" + sc.opts.Name
	}
	if sc.opts.Conf[appmaster.KeySinkPath] == "" {
		sc.opts.Conf[appmaster.KeySinkPath] = base + "/output/" + sc.opts.Name
	}
	return nil
}

// stagingRoot is spark.yarn.stagingDir, or a dir under spindle.tmp.dir.
func (sc *submitClient) stagingRoot() string {
	if r := sc.opts.Conf["spark.yarn.stagingDir"]; r != "" {
		return r
	}
	return "file://" + filepath.Join(sc.daemon.Get("spindle.tmp.dir"), "staging")
}

// stageSpec writes the AM's launch spec and stages it beside the job.
func (sc *submitClient) stageSpec(ctx context.Context, cfg staging.Config, spec launch.Spec) (*pb.LocalResource, error) {
	dir, err := os.MkdirTemp("", "spindle-submit-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	raw, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, launch.SpecFile)
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		return nil, err
	}
	res, err := staging.Stage(ctx, cfg, []string{path})
	if err != nil {
		return nil, fmt.Errorf("stage the launch spec of %s: %w", cfg.AppID, err)
	}
	return res[0], nil
}

// wait prints one line per state change until the application ends and
// removes its staging dir; it fails unless the application SUCCEEDED.
func (sc *submitClient) wait(parent context.Context, appID string, stageCfg staging.Config) error {
	interval, set, err := sc.opts.Duration("spark.yarn.report.interval")
	if err != nil {
		return err
	}
	if !set || interval <= 0 {
		interval = time.Second
	}
	var last string
	for {
		ctx, cancel := sc.ctx(parent, 10*time.Second)
		rep, err := sc.rm.GetApplicationReport(ctx, &pb.GetApplicationReportRequest{ApplicationId: appID})
		cancel()
		if err == nil {
			r := rep.GetReport()
			line := fmt.Sprintf("Application report for %s (state: %s)", appID, appState(r.GetState()))
			if line != last {
				fmt.Fprintln(sc.out, line)
				last = line
			}
			switch r.GetState() {
			case pb.ApplicationState_APPLICATION_STATE_FINISHED, pb.ApplicationState_APPLICATION_STATE_FAILED, pb.ApplicationState_APPLICATION_STATE_KILLED:
				staging.Remove(parent, stageCfg)
				fmt.Fprintf(sc.out, "Application %s ended: state %s, final status %s\n", appID, appState(r.GetState()), finalStatus(r.GetFinalStatus()))
				if d := r.GetDiagnostics(); d != "" {
					fmt.Fprintf(sc.out, "\t diagnostics: %s\n", strings.ReplaceAll(d, "\n", "\n\t "))
				}
				if r.GetFinalStatus() != pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED {
					return fmt.Errorf("%s: %w (final status %s)", appID, errAppNotSucceeded, finalStatus(r.GetFinalStatus()))
				}
				return nil
			}
		}
		select {
		case <-parent.Done():
			return parent.Err()
		case <-time.After(interval):
		}
	}
}

// clientDriver is the driver of a client-mode application: the job runs on
// the submitting machine and executors connect to its endpoint here.
type clientDriver struct {
	address  string
	server   *grpc.Server
	endpoint *driver.Endpoint
	cmd      *exec.Cmd
	done     chan struct{}
}

// startClientDriver serves the driver endpoint on spark.driver.host
// (default: this host) and runs the job as the driver.
func startClientDriver(o *submit.Options) (*clientDriver, error) {
	host := o.Conf["spark.driver.host"]
	if host == "" {
		host = "127.0.0.1"
		if h, err := os.Hostname(); err == nil {
			if _, err := net.LookupHost(h); err == nil {
				host = h
			}
		}
	}
	bind := o.Conf["spark.driver.bindAddress"]
	if bind == "" {
		bind = host
	}
	lis, err := net.Listen("tcp", net.JoinHostPort(bind, o.Conf["spark.driver.port"]))
	if err != nil {
		return nil, fmt.Errorf("client mode: listen for executors on %s (spark.driver.bindAddress, spark.driver.port): %w", bind, err)
	}
	_, port, _ := net.SplitHostPort(lis.Addr().String())
	d := &clientDriver{
		address:  net.JoinHostPort(host, port),
		server:   grpc.NewServer(),
		endpoint: driver.NewEndpoint(),
		done:     make(chan struct{}),
	}
	pb.RegisterTaskServer(d.server, d.endpoint)
	go d.server.Serve(lis)
	app, err := filepath.Abs(o.Application)
	if err != nil {
		return nil, err
	}
	d.cmd = exec.Command(app, o.AppArgs...)
	d.cmd.Env = append(os.Environ(), launch.EnvRole+"="+launch.RoleDriver, launch.EnvDriverAddress+"="+d.address)
	d.cmd.Stdout, d.cmd.Stderr = os.Stdout, os.Stderr
	if err := d.cmd.Start(); err != nil {
		d.server.Stop()
		return nil, fmt.Errorf("client mode: start the driver %s: %w", app, err)
	}
	go func() {
		err := d.cmd.Wait()
		if err != nil {
			d.endpoint.Finish(false, fmt.Sprintf("driver %s exited: %v", app, err))
		} else {
			d.endpoint.Finish(true, "")
		}
		close(d.done)
	}()
	return d, nil
}

// stop ends the driver process (if still running) and its endpoint.
func (d *clientDriver) stop() {
	select {
	case <-d.done:
	default:
		d.cmd.Process.Signal(os.Interrupt)
		select {
		case <-d.done:
		case <-time.After(10 * time.Second):
			d.cmd.Process.Kill()
			<-d.done
		}
	}
	d.server.Stop()
}
