package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/staging"
	"github.com/spindlehq/spindle/submit"
	"go.uber.org/zap"
)

// submitTimeout bounds the calls that create and submit an application.
const submitTimeout = 30 * time.Second

// ErrAppNotSucceeded is returned when the application a client waited for
// ended without succeeding, so that the command exits non-zero.
var ErrAppNotSucceeded = errors.New("client: application did not succeed")

// SubmitConfig is one `spindle submit` of an application.
type SubmitConfig struct {
	// Options are spark-submit's resolved command line.
	Options *submit.Options
	// TmpDir is spindle.tmp.dir, under which the staging dir, checkpoint
	// and sink default.
	TmpDir string
	// Out receives the report lines, as spark-submit prints them.
	Out io.Writer
	// Logger receives a client-mode driver's log; nil logs nothing.
	Logger *zap.Logger
	// AppLog receives a client-mode job's own log lines.
	AppLog io.Writer
}

// Validate reports the first invalid field.
func (c SubmitConfig) Validate() error {
	switch {
	case c.Options == nil:
		return errors.New("client: no submit options")
	case c.Out == nil:
		return errors.New("client: no writer for the report lines")
	case c.Options.DeployMode == "client" && c.AppLog == nil:
		return errors.New("client: client mode needs a writer for the job's log")
	}
	return nil
}

// MasterAddress is the RM address --master names: yarn is the RM of the
// conf dir (yarn.resourcemanager.address), spindle://host:port one named.
func MasterAddress(master string, daemon *conf.Config) (string, error) {
	switch {
	case master == "yarn":
		return RMAddress(daemon)
	case strings.HasPrefix(master, "spindle://"):
		return strings.TrimPrefix(master, "spindle://"), nil
	}
	return "", fmt.Errorf("--master %q: use yarn (the RM in the conf dir) or spindle://host:port", master)
}

// Submit stages the job, submits it and, unless
// spark.yarn.submit.waitAppCompletion=false in cluster mode, reports each
// state change until the application ends; it fails unless the
// application succeeded. In client mode the driver runs in this process
// until the application ends; cancelling ctx stops it and ends the
// application.
func Submit(ctx context.Context, rm *RM, cfg SubmitConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	o := cfg.Options
	// Everything that can be checked here is, before the ResourceManager
	// is asked for anything, so that no attempt is spent on a mistake.
	if err := checkStreaming(o, cfg.TmpDir); err != nil {
		return err
	}
	supervise, err := supervisePolicy(o)
	if err != nil {
		return err
	}
	var newApp *pb.GetNewApplicationResponse
	err = rm.CallWithin(ctx, submitTimeout, func(ctx context.Context) (err error) {
		newApp, err = rm.Client.GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
		return err
	})
	if err != nil {
		return fmt.Errorf("ask the ResourceManager at %s for an application id: %w", rm.Addr, err)
	}
	appID := newApp.GetApplicationId()
	// The containers must fit the scheduler's maximum allocation, which
	// the RM gives with the id; the RM refuses them too.
	for _, ask := range resourceAsks(o) {
		if err := ask.CheckMaximum(newApp.GetMaximumCapability()); err != nil {
			return fmt.Errorf("submit %s: %w", appID, err)
		}
	}

	sec, err := newAppSecurity(rm, o.Conf)
	if err != nil {
		return err
	}
	var host *hostedDriver
	if o.DeployMode == "client" {
		if host, err = listenDriver(o.Settings, sec.key, cfg.Logger); err != nil {
			return err
		}
		defer host.stop()
	}
	stageCfg := staging.Config{Root: stagingRoot(o, cfg.TmpDir), AppID: appID}
	srcs, err := staging.ParseSources(append([]string{o.Application}, o.Files...), false)
	if err != nil {
		return fmt.Errorf("stage %s: %w", appID, err)
	}
	srcs[0].Executable = true // the job binary, wherever it comes from
	archives, err := staging.ParseSources(o.Archives, true)
	if err != nil {
		return fmt.Errorf("stage %s: %w", appID, err)
	}
	srcs = append(srcs, archives...)
	resources, err := staging.StageSources(ctx, stageCfg, srcs)
	if err != nil {
		return fmt.Errorf("stage %s: %w", appID, err)
	}
	spec := launch.Spec{
		Conf:        o.Conf,
		Settings:    o.Settings,
		Application: resources[0].GetName(),
		Args:        o.AppArgs,
		Resources:   launch.FromPB(resources),
	}
	if host != nil {
		// The driver's settings are checked before the application exists.
		if err := host.prepare(o, resources[0].GetSha256(), cfg); err != nil {
			staging.Remove(ctx, stageCfg)
			return err
		}
		spec.DriverAddress = host.address
	}
	sub, err := submissionContext(ctx, o, appID, resources, stageCfg, spec)
	if err != nil {
		staging.Remove(ctx, stageCfg)
		return err
	}
	sec.apply(sub)
	sub.Supervise = supervise
	err = rm.CallWithin(ctx, submitTimeout, func(ctx context.Context) error {
		_, err := rm.Client.SubmitApplication(ctx, &pb.SubmitApplicationRequest{Context: sub})
		return err
	})
	if err != nil {
		return fmt.Errorf("submit %s: %w", appID, err)
	}
	fmt.Fprintf(cfg.Out, "Submitted application %s\n", appID)
	if host != nil {
		host.start(ctx)
	}

	if !o.Settings.Bool(conf.KeyWaitAppCompletion) && host == nil {
		return nil
	}
	return waitApp(ctx, rm, cfg, appID, stageCfg, host)
}

// submissionContext stages the AM's launch spec and describes the
// application for the RM.
func submissionContext(ctx context.Context, o *submit.Options, appID string, resources []*pb.LocalResource, stageCfg staging.Config, spec launch.Spec) (*pb.ApplicationSubmissionContext, error) {
	specRes, err := stageSpec(ctx, stageCfg, spec)
	if err != nil {
		return nil, err
	}
	userName := "unknown"
	if u, err := user.Current(); err == nil {
		userName = u.Username
	}
	asks := resourceAsks(o)
	am, executors := asks[0], asks[1]
	return &pb.ApplicationSubmissionContext{
		ApplicationId:   appID,
		Name:            o.Name,
		Queue:           o.Queue,
		ApplicationType: o.Settings.String(conf.KeyApplicationType),
		Priority:        int32(o.Settings.Int(conf.KeyPriority)),
		User:            userName,
		AmContainerSpec: &pb.ContainerLaunchContext{
			Command:        []string{launch.BinaryVar, "appmaster"},
			LocalResources: append(resources, specRes),
			OverheadKey:    am.OverheadKey,
			Environment: map[string]string{
				launch.EnvSpecURI:    specRes.GetUri(),
				launch.EnvSpecSHA256: specRes.GetSha256(),
				launch.EnvSpecSize:   fmt.Sprint(specRes.GetSize()),
			},
		},
		AmResource:                        &pb.Resource{MemoryMb: am.MemoryMB, Vcores: am.VCores},
		AmMemoryOverheadMb:                am.OverheadMB,
		ExecutorResource:                  &pb.Resource{MemoryMb: executors.MemoryMB, Vcores: executors.VCores},
		ExecutorMemoryOverheadMb:          executors.OverheadMB,
		MaxAppAttempts:                    int32(o.Settings.Int(conf.KeyMaxAppAttempts)),
		AttemptFailuresValidityIntervalMs: o.Settings.Duration(conf.KeyAttemptFailuresValidity).Milliseconds(),
		Tags:                              o.Settings.List(conf.KeyTags),
	}, nil
}

// supervisePolicy is how the RM relaunches the application
// (spark.driver.supervise), nil when it does not. Supervision relaunches
// a driver that runs in the cluster, so client mode refuses it.
func supervisePolicy(o *submit.Options) (*pb.SupervisePolicy, error) {
	if !o.Settings.Bool(conf.KeySupervise) {
		return nil, nil
	}
	if o.DeployMode == conf.DeployModeClient {
		return nil, errors.New("--supervise (spark.driver.supervise) relaunches a driver that runs in the cluster; in client mode the driver runs in spindle submit: use --deploy-mode cluster, or run spindle submit under a supervisor such as systemd")
	}
	backoff, maxBackoff := o.Settings.Duration(conf.KeySuperviseBackoff), o.Settings.Duration(conf.KeySuperviseMaxBackoff)
	if maxBackoff < backoff {
		return nil, fmt.Errorf("%s = %v is below %s = %v: the longest wait must be at least the first", conf.KeySuperviseMaxBackoff, maxBackoff, conf.KeySuperviseBackoff, backoff)
	}
	return &pb.SupervisePolicy{InitialBackoffMs: backoff.Milliseconds(), MaxBackoffMs: maxBackoff.Milliseconds()}, nil
}

// resourceAsks are the containers the application asks for: the AM's
// (in cluster mode the driver's; in client mode one that only allocates,
// Spark's spark.yarn.am.memory and spark.yarn.am.cores) and each
// executor's.
func resourceAsks(o *submit.Options) []launch.ResourceAsk {
	am := launch.ResourceAsk{Role: "driver", MemoryMB: o.DriverMemoryMB, OverheadMB: o.DriverMemoryOverheadMB, VCores: int32(o.DriverCores),
		MemoryKey: conf.KeyDriverMemory, OverheadKey: conf.KeyDriverMemoryOverhead, CoresKey: conf.KeyDriverCores}
	if o.DeployMode == conf.DeployModeClient {
		am = launch.ResourceAsk{Role: "ApplicationMaster", MemoryMB: o.Settings.MB(conf.KeyAMMemory), OverheadMB: o.Settings.MB(conf.KeyAMMemoryOverhead),
			VCores: int32(o.Settings.Int(conf.KeyAMCores)), MemoryKey: conf.KeyAMMemory, OverheadKey: conf.KeyAMMemoryOverhead, CoresKey: conf.KeyAMCores}
	}
	executors := launch.ResourceAsk{Role: "executor", MemoryMB: o.ExecutorMemoryMB, OverheadMB: o.ExecutorMemoryOverheadMB, VCores: int32(o.ExecutorCores),
		MemoryKey: conf.KeyExecutorMemory, OverheadKey: conf.KeyExecutorMemoryOverhead, CoresKey: conf.KeyExecutorCores}
	return []launch.ResourceAsk{am, executors}
}

// checkStreaming gives a Spindle job (plugin mode) a checkpoint dir and a
// sink path under tmpDir (spindle.tmp.dir) when the user set none, and
// checks its streaming settings as its driver will.
func checkStreaming(o *submit.Options, tmpDir string) error {
	if o.Settings.String(conf.KeyDriverMode) != conf.DriverModePlugin {
		return nil
	}
	base := "file://" + tmpDir
	for key, dir := range map[string]string{conf.KeyCheckpointDir: "/checkpoints/", conf.KeySinkPath: "/output/"} {
		if !o.Settings.IsSet(key) {
			if err := o.SetDefault(key, base+dir+o.Name); err != nil {
				return err
			}
		}
	}
	return driver.CheckStreaming(o.Settings)
}

// stagingRoot is spark.yarn.stagingDir, or a dir under tmpDir.
func stagingRoot(o *submit.Options, tmpDir string) string {
	if r := o.Settings.String(conf.KeyStagingDir); r != "" {
		return r
	}
	return StagingRoot(tmpDir)
}

// StagingRoot is the staging root when spark.yarn.stagingDir is not set:
// file://<spindle.tmp.dir>/staging.
func StagingRoot(tmpDir string) string {
	return "file://" + filepath.Join(tmpDir, "staging")
}
