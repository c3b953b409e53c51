package launcher

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"go.uber.org/zap"
)

// outputWaitDelay bounds how long a finished process's output is drained
// when something outside its process group still holds the pipe open.
const outputWaitDelay = 5 * time.Second

// Start creates the spec's directories and starts its command in a new
// process group with WorkDir as cwd. ctx bounds only the start: the
// process outlives it. Start owns Spec.Stdout and Spec.Stderr and closes
// them, also when it fails. A nil logger logs nothing.
func Start(ctx context.Context, spec Spec, logger *zap.Logger) (*Process, error) {
	if logger == nil {
		logger = zap.NewNop()
	}
	out := outputs{stdout: spec.Stdout, stderr: spec.Stderr}
	started := false
	defer func() {
		if !started {
			_ = out.close()
		}
	}()

	if err := spec.Validate(); err != nil {
		return nil, err
	}
	cmdName := spec.Command[0]
	fail := func(what string, err error) error {
		return fmt.Errorf("start container %s command %q: %s: %w", spec.ContainerID, cmdName, what, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fail("context", err)
	}
	for _, dir := range []string{spec.WorkDir, spec.LogDir} {
		if err := ensureDir(dir); err != nil {
			return nil, fail("create directory", err)
		}
	}
	env := buildEnv(os.Environ(), spec)
	path, err := lookPath(cmdName, env)
	if err != nil {
		return nil, fail("resolve", err)
	}
	if err := out.openDefaults(spec.LogDir); err != nil {
		return nil, fail("output", err)
	}

	newCmd := func() *exec.Cmd {
		cmd := &exec.Cmd{
			Path:        path,
			Args:        append([]string(nil), spec.Command...),
			Dir:         spec.WorkDir,
			Env:         env,
			Stdout:      out.stdout,
			Stderr:      out.stderr,
			SysProcAttr: sysProcAttr(),
			WaitDelay:   outputWaitDelay,
		}
		if spec.User != nil {
			cmd.SysProcAttr.Credential = spec.User.credential()
		}
		return cmd
	}
	if err := ctx.Err(); err != nil {
		return nil, fail("context", err)
	}
	startedAt := time.Now()
	cmd, err := startCmd(ctx, newCmd)
	if err != nil {
		return nil, fail("exec", err)
	}
	started = true

	p := &Process{
		id:        spec.ContainerID,
		pid:       cmd.Process.Pid,
		startedAt: startedAt,
		cmd:       cmd,
		out:       out,
		logger:    logger,
		done:      make(chan struct{}),
	}
	logger.Info("container process started",
		zap.String("container", spec.ContainerID),
		zap.Int("pid", p.pid),
		zap.String("command", path),
		zap.String("work_dir", spec.WorkDir))
	go p.wait()
	return p, nil
}
