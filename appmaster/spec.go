package appmaster

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver"
)

// SpecFile is the launch spec's name in the AM's working dir.
const SpecFile = "__spindle_conf__.json"

// LaunchSpec is what `spindle submit` hands the AM, as Spark ships
// __spark_conf__: the effective configuration, the job and its arguments,
// and the staged files that executors get too.
type LaunchSpec struct {
	// Conf holds every effective spark.* and spindle.* key.
	Conf map[string]string `json:"conf"`
	// Application is the job binary's file name in the working dir.
	Application string `json:"application"`
	// Args are the job's arguments.
	Args []string `json:"args,omitempty"`
	// DriverAddress is set in client mode: the submitting process's Task endpoint.
	DriverAddress string `json:"driverAddress,omitempty"`
	// Resources are the staged job binary and --files.
	Resources []Resource `json:"resources"`
}

// Resource is a staged file with its SHA-256.
type Resource struct {
	Name       string `json:"name"`
	URI        string `json:"uri"`
	SHA256     string `json:"sha256"`
	Size       int64  `json:"size"`
	Executable bool   `json:"executable,omitempty"`
}

// JobResource finds the job binary among the staged resources.
func JobResource(spec LaunchSpec) (Resource, error) {
	for _, r := range spec.Resources {
		if r.Name == spec.Application {
			return r, nil
		}
	}
	return Resource{}, fmt.Errorf("appmaster: the job binary %s is not among the staged files", spec.Application)
}

// ToPB converts resources for a launch context.
func ToPB(rs []Resource) []*pb.LocalResource {
	out := make([]*pb.LocalResource, len(rs))
	for i, r := range rs {
		out[i] = &pb.LocalResource{Name: r.Name, Uri: r.URI, Sha256: r.SHA256, Size: r.Size, Executable: r.Executable}
	}
	return out
}

// FromPB converts staged resources into a spec's.
func FromPB(rs []*pb.LocalResource) []Resource {
	out := make([]Resource, len(rs))
	for i, r := range rs {
		out[i] = Resource{Name: r.GetName(), URI: r.GetUri(), SHA256: r.GetSha256(), Size: r.GetSize(), Executable: r.GetExecutable()}
	}
	return out
}

// ReadSpec reads the launch spec from dir.
func ReadSpec(dir string) (LaunchSpec, error) {
	var s LaunchSpec
	raw, err := os.ReadFile(filepath.Join(dir, SpecFile))
	if err != nil {
		return s, fmt.Errorf("appmaster: read launch spec: %w", err)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("appmaster: launch spec %s: %w", SpecFile, err)
	}
	return s, nil
}

// ConfigFromSpec turns a launch spec into an AM Config; the attempt's own
// values (RM address, token, id, host) are the caller's.
func ConfigFromSpec(spec LaunchSpec) (Config, error) {
	cfg := DefaultConfig()
	r := specReader{conf: spec.Conf}
	cfg.NumExecutors = int(r.int("spark.executor.instances", 2))
	cfg.ExecutorMemoryMB = r.sizeMB("spark.executor.memory", 1024)
	cfg.ExecutorCores = int32(r.int("spark.executor.cores", 1))
	cfg.ExecutorOverheadMB = r.sizeMB("spark.yarn.executor.memoryOverhead", 0)
	if _, ok := spec.Conf["spark.executor.memoryOverhead"]; ok {
		cfg.ExecutorOverheadMB = r.sizeMB("spark.executor.memoryOverhead", 0)
	}
	cfg.MaxExecutorFailures = int(r.int("spark.yarn.max.executor.failures", int64(DefaultMaxExecutorFailures(cfg.NumExecutors))))
	cfg.ExecutorFailuresValidity = r.duration("spark.yarn.executor.failuresValidityInterval", 0, time.Millisecond)
	cfg.ContainerLaunchTimeout = r.duration("spark.yarn.containerLaunchTimeout", 120*time.Second, time.Second)
	cfg.HeartbeatInterval = r.duration("spark.yarn.scheduler.heartbeat.interval-ms", time.Second, time.Millisecond)
	cfg.InitialAllocationInterval = r.duration("spark.yarn.scheduler.initial-allocation.interval", 100*time.Millisecond, time.Millisecond)
	cfg.ExecutorCommand = []string{"{{SPINDLE_BINARY}}", "executor"}
	// Spark's spark.executorEnv.NAME and spark.yarn.appMasterEnv.NAME.
	cfg.ExecutorEnv, cfg.DriverEnv = map[string]string{}, map[string]string{}
	for k, v := range spec.Conf {
		if name, ok := strings.CutPrefix(k, "spark.executorEnv."); ok && name != "" {
			cfg.ExecutorEnv[name] = v
		}
		if name, ok := strings.CutPrefix(k, "spark.yarn.appMasterEnv."); ok && name != "" {
			cfg.DriverEnv[name] = v
		}
	}
	cfg.LocalResources = ToPB(spec.Resources)
	cfg.DriverAddress = spec.DriverAddress
	mode, err := driver.DriverMode(spec.Conf)
	if err != nil {
		return cfg, err
	}
	if spec.DriverAddress == "" && mode == driver.DriverModeProcess {
		cfg.DriverCommand = append([]string{"./" + spec.Application}, spec.Args...)
	}
	return cfg, r.err
}

// specReader reads typed keys, keeping the first error.
type specReader struct {
	conf map[string]string
	err  error
}

func (r *specReader) fail(key, v string, err error) {
	if r.err == nil {
		r.err = fmt.Errorf("appmaster: %s = %q: %w", key, v, err)
	}
}

func (r *specReader) int(key string, def int64) int64 {
	v, ok := r.conf[key]
	if !ok || v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		r.fail(key, v, err)
	}
	return n
}

func (r *specReader) sizeMB(key string, def int64) int64 {
	v, ok := r.conf[key]
	if !ok || v == "" {
		return def
	}
	b, err := conf.ParseSize(v, "m")
	if err != nil {
		r.fail(key, v, err)
	}
	return b >> 20
}

func (r *specReader) duration(key string, def, unit time.Duration) time.Duration {
	v, ok := r.conf[key]
	if !ok || v == "" {
		return def
	}
	d, err := conf.ParseDuration(v, unit)
	if err != nil {
		r.fail(key, v, err)
	}
	return d
}

// Environment that carries the launch spec's own staged copy, so that the AM
// can localize it into executors too.
const (
	EnvSpecURI    = "SPINDLE_SPEC_URI"
	EnvSpecSHA256 = "SPINDLE_SPEC_SHA256"
	EnvSpecSize   = "SPINDLE_SPEC_SIZE"
)

// SpecResourceFromEnv returns the launch spec as a resource, if the
// submitter named it.
func SpecResourceFromEnv() []*pb.LocalResource {
	uri := os.Getenv(EnvSpecURI)
	if uri == "" {
		return nil
	}
	size, _ := strconv.ParseInt(os.Getenv(EnvSpecSize), 10, 64)
	return []*pb.LocalResource{{Name: SpecFile, Uri: uri, Sha256: os.Getenv(EnvSpecSHA256), Size: size}}
}
