package rabbitmqtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// ServerPath is Debian's RabbitMQ start script, run directly so that the
// broker runs as the caller with the caller's directories.
const ServerPath = "/usr/lib/rabbitmq/bin/rabbitmq-server"

// ErrNotInstalled is returned when rabbitmq-server is not installed.
var ErrNotInstalled = errors.New("rabbitmqtest: rabbitmq-server is not installed: apt-get install -y rabbitmq-server (.ci/run installs it)")

// Broker is one running RabbitMQ node.
type Broker struct {
	// URL reaches the broker as its default user, guest, from this host.
	URL string
	// Addr is the broker's AMQP address.
	Addr string
	// Dir holds its data, logs and home.
	Dir string

	cmd      *exec.Cmd
	epmdPort int
	exited   chan struct{}
	stopOnce sync.Once
}

// seq makes node names unique within a process.
var seq atomic.Int64

// Installed reports whether rabbitmq-server is installed.
func Installed() bool {
	_, err := os.Stat(ServerPath)
	return err == nil
}

// StartBroker starts a broker with its files under dir and returns once it
// accepts AMQP connections, within timeout.
func StartBroker(ctx context.Context, dir string, timeout time.Duration) (*Broker, error) {
	if !Installed() {
		return nil, ErrNotInstalled
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{"mnesia", "log", "home"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	plugins := filepath.Join(dir, "enabled_plugins")
	if err := os.WriteFile(plugins, []byte("[].\n"), 0o644); err != nil {
		return nil, err
	}
	out, err := os.Create(filepath.Join(dir, "log", "server.out"))
	if err != nil {
		return nil, err
	}
	defer out.Close()
	node := fmt.Sprintf("spindle-test-%d-%d@localhost", os.Getpid(), seq.Add(1))
	cmd := exec.Command(ServerPath)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(os.Environ(),
		"HOME="+filepath.Join(dir, "home"),
		"RABBITMQ_NODENAME="+node,
		"RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
		fmt.Sprintf("RABBITMQ_NODE_PORT=%d", ports[0]),
		fmt.Sprintf("RABBITMQ_DIST_PORT=%d", ports[1]),
		fmt.Sprintf("ERL_EPMD_PORT=%d", ports[2]),
		"RABBITMQ_MNESIA_BASE="+filepath.Join(dir, "mnesia"),
		"RABBITMQ_LOG_BASE="+filepath.Join(dir, "log"),
		"RABBITMQ_ENABLED_PLUGINS_FILE="+plugins,
		"RABBITMQ_CONFIG_FILE="+filepath.Join(dir, "rabbitmq"),
		"RABBITMQ_PID_FILE="+filepath.Join(dir, "rabbitmq.pid"),
	)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("rabbitmqtest: start %s: %w", ServerPath, err)
	}
	b := &Broker{Addr: fmt.Sprintf("127.0.0.1:%d", ports[0]), Dir: dir, cmd: cmd, epmdPort: ports[2], exited: make(chan struct{})}
	b.URL = "amqp://guest:guest@" + b.Addr + "/"
	go func() {
		cmd.Wait()
		close(b.exited)
	}()
	deadline := time.Now().Add(timeout)
	for {
		conn, err := amqp.Dial(b.URL)
		if err == nil {
			conn.Close()
			return b, nil
		}
		select {
		case <-b.exited:
			b.Stop()
			return nil, fmt.Errorf("rabbitmqtest: the broker exited while starting; see %s", out.Name())
		case <-ctx.Done():
			b.Stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.Stop()
			return nil, fmt.Errorf("rabbitmqtest: the broker did not accept connections within %v (last: %v); see %s", timeout, err, out.Name())
		}
	}
}

// Stop stops the broker (SIGTERM, SIGKILL after 20 s) and its epmd.
func (b *Broker) Stop() {
	b.stopOnce.Do(func() {
		syscall.Kill(-b.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-b.exited:
		case <-time.After(20 * time.Second):
			syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
			<-b.exited
		}
		kill := exec.Command("epmd", "-kill")
		kill.Env = append(os.Environ(), fmt.Sprintf("ERL_EPMD_PORT=%d", b.epmdPort))
		kill.Run()
	})
}

// freePorts returns n ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("rabbitmqtest: free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
