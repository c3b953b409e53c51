package client

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/submit"
	"go.uber.org/zap"
)

const (
	// interruptedWait is how long an interrupted spindle submit follows a
	// client-mode application after stopping its driver: the AM notices
	// on its next heartbeat and unregisters.
	interruptedWait = 30 * time.Second
	// processStopGrace is how long a driver process has between SIGTERM
	// and SIGKILL.
	processStopGrace = 10 * time.Second
)

// hostedDriver is the driver of a client-mode application, run by spindle
// submit: executors connect to its endpoint here and the AM asks it
// whether the application has finished. A Spindle job (plugin mode) runs
// in Spindle's streaming driver, as the AM runs it in cluster mode; a
// driver program (process mode) runs as a child process.
type hostedDriver struct {
	address  string
	endpoint *driver.Endpoint
	server   *driver.Server
	logger   *zap.Logger

	program  driver.Program // plugin mode
	graceful bool           // spark.streaming.stopGracefullyOnShutdown
	stopping atomic.Bool    // a graceful stop was asked for
	cmd      *exec.Cmd      // process mode

	mu      sync.Mutex
	cancel  context.CancelFunc
	done    chan struct{}
	stopped bool
}

// listenDriver serves a driver endpoint on spark.driver.bindAddress (default
// spark.driver.host) and spark.driver.port; executors reach it at
// spark.driver.host, by default this host's name when it resolves.
func listenDriver(settings conf.AppConf, key *pki.AppKey, lg *zap.Logger) (*hostedDriver, error) {
	host := settings.String(conf.KeyDriverHost)
	if host == "" {
		host = "127.0.0.1"
		if h, err := os.Hostname(); err == nil {
			if _, err := net.LookupHost(h); err == nil {
				host = h
			}
		}
	}
	bind := settings.String(conf.KeyDriverBindAddress)
	if bind == "" {
		bind = host
	}
	ep := driver.NewEndpoint()
	if lg == nil {
		lg = zap.NewNop()
	}
	srv, err := driver.Listen(net.JoinHostPort(bind, strconv.FormatInt(settings.Int(conf.KeyDriverPort), 10)), ep, key, lg)
	if err != nil {
		return nil, fmt.Errorf("client mode (spark.driver.bindAddress, spark.driver.port): %w", err)
	}
	_, port, _ := net.SplitHostPort(srv.Addr().String())
	return &hostedDriver{address: net.JoinHostPort(host, port), endpoint: ep, server: srv, logger: zap.NewNop()}, nil
}

// prepare checks the driver's settings and readies it: the job binary,
// whose staged SHA-256 is jobSHA, runs as a plugin of the streaming driver
// or, in process mode, as the driver program.
func (d *hostedDriver) prepare(o *submit.Options, jobSHA string, cfg SubmitConfig) error {
	if cfg.Logger != nil {
		d.logger = cfg.Logger
	}
	app, err := filepath.Abs(o.Application)
	if err != nil {
		return err
	}
	if o.Settings.String(conf.KeyDriverMode) == conf.DriverModeProcess {
		d.cmd = exec.Command(app, o.AppArgs...)
		d.cmd.Env = append(os.Environ(), launch.EnvRole+"="+launch.RoleDriver, launch.EnvDriverAddress+"="+d.address)
		d.cmd.Stdout, d.cmd.Stderr = cfg.Out, cfg.AppLog
		return nil
	}
	d.graceful = o.Settings.Bool(conf.KeyStopGracefully)
	d.program, err = driver.NewStreaming(driver.StreamingConfig{
		Conf: o.Conf, Settings: o.Settings, JobPath: app, JobSHA256: jobSHA, Args: o.AppArgs,
		AppLog: cfg.AppLog, Stopping: d.stopping.Load, Logger: d.logger,
	})
	return err
}

// start runs the driver until it ends or stop is called; its end, with
// its error, is what the AM reports as the application's end.
func (d *hostedDriver) start(ctx context.Context) {
	d.mu.Lock()
	defer d.mu.Unlock()
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	d.cancel, d.done = cancel, make(chan struct{})
	go func() {
		defer close(d.done)
		err := d.run(runCtx)
		if err != nil {
			d.logger.Error("driver failed", zap.Error(err))
			d.endpoint.Finish(false, "driver failed: "+err.Error())
			return
		}
		d.endpoint.Finish(true, "")
	}()
}

func (d *hostedDriver) run(ctx context.Context) error {
	if d.program != nil {
		err := d.program(ctx, d.endpoint)
		if err != nil && ctx.Err() != nil {
			return fmt.Errorf("driver stopped: spindle submit was interrupted (%w)", err)
		}
		return err
	}
	if err := d.cmd.Start(); err != nil {
		return fmt.Errorf("start the driver %s: %w", d.cmd.Path, err)
	}
	waited := make(chan error, 1)
	go func() { waited <- d.cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			return fmt.Errorf("driver %s exited: %w", d.cmd.Path, err)
		}
		return nil
	case <-ctx.Done():
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-waited:
	case <-time.After(processStopGrace):
		d.cmd.Process.Kill()
		<-waited
	}
	return fmt.Errorf("driver %s stopped: spindle submit was interrupted", d.cmd.Path)
}

// stopDriver ends the driver and waits for it: gracefully, finishing the
// batch in flight, when spark.streaming.stopGracefullyOnShutdown is set;
// otherwise at once. The endpoint keeps serving, so that the AM learns of
// the end.
func (d *hostedDriver) stopDriver() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done == nil || d.stopped {
		return
	}
	d.stopped = true
	if d.graceful {
		d.logger.Info("interrupted: stopping gracefully (spark.streaming.stopGracefullyOnShutdown)")
		d.stopping.Store(true)
	} else {
		d.cancel()
	}
	<-d.done
	d.cancel()
}

// stop ends the driver and its endpoint.
func (d *hostedDriver) stop() {
	d.stopDriver()
	d.server.Stop()
}
