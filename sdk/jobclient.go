package sdk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"google.golang.org/grpc"
)

// hostModule names go-plugin's log on the host side.
const hostModule = "plugin"

// JobClient is a running job binary as the host sees it. It is safe for
// concurrent use: an executor may process several partitions at once.
type JobClient struct {
	name string
	rpc  jobCalls
	// stop ends the plugin and its conn; exited reports whether the
	// plugin is gone.
	stop     func()
	exited   func() bool
	stopOnce sync.Once
	// flush passes on the last unterminated lines of the plugin's
	// streams once it has stopped.
	flush func()
	// pid is the plugin's process id; 0 for a job in this process.
	pid int
	// stages are the job's keyed stages, known once it is configured.
	stages []StageSpec
}

// startResult carries the outcome of starting a plugin.
type startResult struct {
	rpc *grpcClient
	err error
}

// NewClient checks the job binary against cfg.SHA256 (unless
// cfg.ChecksumVerified), starts it as a plugin over gRPC with mutual TLS,
// with memory shared for its records where the system allows, and
// returns once it answers. A binary whose checksum differs is not run and
// the error wraps ErrChecksumMismatch. The caller calls Configure next,
// and Kill when done.
func NewClient(ctx context.Context, cfg ClientConfig) (*JobClient, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	sum, _ := decodeSHA256(cfg.SHA256) // checked by Validate
	path := cfg.binaryPath()
	cmd := cfg.Cmd
	if cmd == nil {
		cmd = exec.Command(cfg.Path)
		cmd.SysProcAttr = pluginProcAttr()
		if len(cfg.Env) > 0 {
			cmd.Env = append(os.Environ(), cfg.Env...)
		}
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("sdk: job binary: %w", err)
	}
	lg := cfg.Logger.With(zap.String("job", path))

	// The process's stderr carries the job's log and go-plugin's own log
	// inside the binary. go-plugin redirects the job's os.Stdout and
	// os.Stderr to streams of its own (SyncStdout, SyncStderr), which
	// carry whatever else the job prints.
	appLog := &lineSink{w: cfg.AppLog}
	bridgeLog := lg.WithOptions(zap.WithCaller(false))
	sdkLines := &logBridge{lg: bridgeLog}
	stderr := newLineWriter(func(line []byte) {
		if isSDKLine(line) {
			sdkLines.logLine(line)
			return
		}
		appLog.writeLine(line)
	})
	syncOut, syncErr := newLineWriter(appLog.writeLine), newLineWriter(appLog.writeLine)
	hostLines := newLineWriter((&logBridge{lg: bridgeLog, drop: hostModule + "." + filepath.Base(path)}).logLine)
	flush := func() {
		for _, w := range []*lineWriter{stderr, syncOut, syncErr, hostLines} {
			w.Flush()
		}
	}

	hostLevel := hclog.Info
	if lg.Core().Enabled(zapcore.DebugLevel) {
		hostLevel = hclog.Debug
	}
	var secure *plugin.SecureConfig
	if !cfg.ChecksumVerified {
		secure = &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	}
	tlsCfg, inherited, err := handOver(cmd, !cfg.ConnectionOnly, lg)
	if err != nil {
		return nil, err
	}
	lanes := inherited.lanes
	pc := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		Plugins:          pluginMap(nil, nil),
		Cmd:              cmd,
		SecureConfig:     secure,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		TLSConfig:        tlsCfg,
		StartTimeout:     cfg.StartTimeout,
		Stderr:           stderr,
		SyncStdout:       syncOut,
		SyncStderr:       syncErr,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:       hostModule,
			Level:      hostLevel,
			Output:     hostLines,
			JSONFormat: true,
		}),
		GRPCDialOptions: []grpc.DialOption{
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessageBytes), grpc.MaxCallSendMsgSize(MaxMessageBytes)),
			grpc.WithInitialWindowSize(windowBytes), grpc.WithInitialConnWindowSize(windowBytes),
			grpc.WithReadBufferSize(transportBufferBytes), grpc.WithWriteBufferSize(transportBufferBytes),
		},
	})

	started := make(chan startResult, 1)
	go func() {
		rpc, err := dispense(pc)
		// The plugin has its copy of the TLS material, or has failed.
		inherited.closeTLSPipe()
		started <- startResult{rpc: rpc, err: err}
	}()
	var res startResult
	select {
	case res = <-started:
	case <-ctx.Done():
		// go-plugin cannot abandon a start half way; let it finish, then
		// stop the plugin.
		go func() {
			<-started
			pc.Kill()
			lanes.close()
			flush()
		}()
		return nil, fmt.Errorf("sdk: start job %s: %w", path, ctx.Err())
	}
	if res.err != nil {
		pc.Kill()
		lanes.close()
		flush()
		if errors.Is(res.err, plugin.ErrChecksumsDoNotMatch) {
			return nil, fmt.Errorf("%w: %s has SHA-256 %s, expected %x; not running it", ErrChecksumMismatch, path, fileSHA256(path), sum)
		}
		return nil, fmt.Errorf("sdk: start job %s (anything it wrote is in the app log): %w", path, res.err)
	}
	pid := 0
	if rc := pc.ReattachConfig(); rc != nil {
		pid = rc.Pid
	}
	lg.Info("job plugin started", zap.Int("pid", pid))
	res.rpc.lanes = lanes
	return &JobClient{
		name:   path,
		rpc:    res.rpc,
		stop:   func() { pc.Kill(); lanes.close() },
		exited: pc.Exited,
		flush:  flush,
		pid:    pid,
	}, nil
}

// dispense starts the plugin and returns the job's client.
func dispense(pc *plugin.Client) (*grpcClient, error) {
	proto, err := pc.Client()
	if err != nil {
		return nil, err
	}
	raw, err := proto.Dispense(PluginName)
	if err != nil {
		return nil, fmt.Errorf("dispense %q: %w", PluginName, err)
	}
	rpc, ok := raw.(*grpcClient)
	if !ok {
		return nil, fmt.Errorf("%w: dispensed %T", ErrProtocol, raw)
	}
	return rpc, nil
}

// fileSHA256 describes the file's actual checksum for an error message.
func fileSHA256(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("unknown (%v)", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Sprintf("unknown (%v)", err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Configure configures the job with the application's configuration and
// the job's arguments; it must succeed before any other call. It returns
// the optional interfaces the job implements. A failure of the job's
// Configure is a *StageError.
func (c *JobClient) Configure(ctx context.Context, conf map[string]string, args []string) (Capabilities, error) {
	caps, stages, err := c.rpc.configure(ctx, conf, args)
	if err != nil {
		return Capabilities{}, fmt.Errorf("sdk: job %s: configure: %w", c.name, err)
	}
	caps.Keyed = len(stages) > 0
	c.stages = stages
	return caps, nil
}

// ProcessPartition runs the job's stages over one partition of one batch.
// A failure of the job's code is a *StageError naming the stage; the
// plugin keeps serving after it, and the partition may be retried.
func (c *JobClient) ProcessPartition(ctx context.Context, p Partition) (Result, error) {
	res, err := c.rpc.processPartition(ctx, &p)
	if err != nil {
		return Result{}, fmt.Errorf("sdk: job %s: partition %s/%d of batch %s: %w", c.name, p.Topic, p.Partition, p.BatchTime.Format(time.RFC3339Nano), err)
	}
	return res, nil
}

// Reduce reduces each key's values, left to right, with the job's Reduce,
// and returns one value per key in the order given. The job must be an
// Aggregator (ErrUnsupported otherwise).
func (c *JobClient) Reduce(ctx context.Context, groups []KeyValues) ([]KeyValue, error) {
	out, err := c.rpc.reduce(ctx, groups)
	if err != nil {
		return nil, fmt.Errorf("sdk: job %s: reduce %d keys: %w", c.name, len(groups), err)
	}
	return out, nil
}

// UpdateState computes the new state of each key for the batch at
// batchTime and returns one StateOutput per key in the order given. The
// job must be a StateUpdater (ErrUnsupported otherwise).
func (c *JobClient) UpdateState(ctx context.Context, batchTime time.Time, keys []StateInput) ([]StateOutput, error) {
	out, err := c.rpc.updateState(ctx, batchTime, keys)
	if err != nil {
		return nil, fmt.Errorf("sdk: job %s: update state of %d keys for batch %s: %w", c.name, len(keys), batchTime.Format(time.RFC3339Nano), err)
	}
	return out, nil
}

// Kill stops the job: gracefully first, then, after two seconds, by
// killing the process. Calls in flight fail. Safe to call more than once.
func (c *JobClient) Kill() {
	c.stopOnce.Do(func() {
		c.stop()
		c.flush()
	})
}

// Pid is the job's process id, for measuring its CPU time and memory; 0
// when the job runs in this process.
func (c *JobClient) Pid() int { return c.pid }

// Exited reports whether the job's process has exited, by itself or
// through Kill. A call that fails because the process crashed may return
// shortly before Exited turns true.
func (c *JobClient) Exited() bool {
	return c.exited()
}
