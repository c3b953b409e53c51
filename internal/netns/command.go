package netns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// ErrNoPermission is wrapped when the harness cannot create namespaces or
// links: it needs root and iproute2.
var ErrNoPermission = errors.New("netns: network namespaces need root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and iproute2's ip, nft and iptables (Debian: apt-get install iproute2 nftables iptables)")

// commandTimeout bounds one ip, nft or iptables call.
const commandTimeout = 20 * time.Second

// run runs a tool and returns its error with its stderr.
func run(name string, args ...string) error {
	_, err := output(name, args...)
	return err
}

// output runs a tool and returns its stdout.
func output(name string, args ...string) (string, error) {
	return outputStdin("", name, args...)
}

// outputStdin runs a tool with stdin and returns its stdout.
func outputStdin(stdin, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("%s: %w: %w", name, err, ErrNoPermission)
		}
		if strings.Contains(msg, "Operation not permitted") || strings.Contains(msg, "Permission denied") {
			return "", fmt.Errorf("%s %s: %s: %w", name, strings.Join(args, " "), msg, ErrNoPermission)
		}
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, msg)
	}
	return stdout.String(), nil
}
