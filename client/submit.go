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
		return daemon.Get("yarn.resourcemanager.address"), nil
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
	var newApp *pb.GetNewApplicationResponse
	err := rm.CallWithin(ctx, submitTimeout, func(ctx context.Context) (err error) {
		newApp, err = rm.Client.GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
		return err
	})
	if err != nil {
		return fmt.Errorf("ask the ResourceManager at %s for an application id: %w", rm.Addr, err)
	}
	appID := newApp.GetApplicationId()
	if err := defaultStreamingPaths(o, cfg.TmpDir); err != nil {
		return err
	}

	var host *hostedDriver
	if o.DeployMode == "client" {
		if host, err = listenDriver(o.Conf); err != nil {
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

	wait, set, err := o.Bool("spark.yarn.submit.waitAppCompletion")
	if err != nil {
		return err
	}
	if set && !wait && host == nil {
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
	maxAttempts, _, err := o.Int("spark.yarn.maxAppAttempts")
	if err != nil {
		return nil, err
	}
	validity, _, err := o.Duration("spark.yarn.am.attemptFailuresValidityInterval")
	if err != nil {
		return nil, err
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
	return &pb.ApplicationSubmissionContext{
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
	}, nil
}

// defaultStreamingPaths gives a Spindle job (plugin mode) a checkpoint dir
// and a sink path under tmpDir (spindle.tmp.dir) when the user set none.
func defaultStreamingPaths(o *submit.Options, tmpDir string) error {
	mode, err := driver.DriverMode(o.Conf)
	if err != nil || mode != driver.DriverModePlugin {
		return err
	}
	base := "file://" + tmpDir
	if driver.CheckpointDir(o.Conf) == "" {
		o.Conf[driver.KeyCheckpointDir] = base + "/checkpoints/" + o.Name
	}
	if o.Conf[driver.KeySinkPath] == "" {
		o.Conf[driver.KeySinkPath] = base + "/output/" + o.Name
	}
	return nil
}

// stagingRoot is spark.yarn.stagingDir, or a dir under tmpDir.
func stagingRoot(o *submit.Options, tmpDir string) string {
	if r := o.Conf["spark.yarn.stagingDir"]; r != "" {
		return r
	}
	return StagingRoot(tmpDir)
}

// StagingRoot is the staging root when spark.yarn.stagingDir is not set:
// file://<spindle.tmp.dir>/staging.
func StagingRoot(tmpDir string) string {
	return "file://" + filepath.Join(tmpDir, "staging")
}
