package launcher

import (
	"context"
	"errors"
	"os/exec"
	"syscall"
	"time"
)

// Text-busy retries: an executable written just before its start (a
// localized job binary, a launch script) can still be open for writing in
// a child that another goroutine forked meanwhile and that has not yet
// reached its exec; execve then fails with ETXTBSY until that child
// execs. The window is short, so a few brief retries close it.
const (
	textBusyRetries = 20
	textBusyBackoff = 5 * time.Millisecond
)

// startCmd starts the command newCmd makes, making a fresh one for each
// retry after ETXTBSY (an exec.Cmd cannot be started twice).
func startCmd(ctx context.Context, newCmd func() *exec.Cmd) (*exec.Cmd, error) {
	for attempt := 0; ; attempt++ {
		cmd := newCmd()
		err := cmd.Start()
		if err == nil || !errors.Is(err, syscall.ETXTBSY) || attempt == textBusyRetries {
			return cmd, err
		}
		select {
		case <-ctx.Done():
			return cmd, err
		case <-time.After(textBusyBackoff):
		}
	}
}
