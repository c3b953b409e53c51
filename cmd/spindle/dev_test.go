package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/devcluster"
	"github.com/spindlehq/spindle/nodemanager"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/resourcemanager"
)

// runDevCLI runs `spindle dev args…` in this process.
func runDevCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	app := newApp()
	var out bytes.Buffer
	app.Writer, app.ErrWriter = &out, &out
	err := app.Run(append([]string{"spindle", "dev"}, args...))
	return out.String(), err
}

func TestDevRefusesBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"extra"}, "takes no arguments"},
		{[]string{"--rate", "0"}, "rate 0"},
		{[]string{"--demo", "--day", "0s"}, "day of 0s"},
		{[]string{"--duration", "-1s"}, "--duration -1s"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Chdir(t.TempDir())
			_, err := runDevCLI(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
			if _, err := os.Stat("spindle-dev"); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("spindle-dev created before the flags were checked: %v", err)
			}
		})
	}
}

func TestDevDemoNeedsTheSource(t *testing.T) {
	t.Run("outside a checkout", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		_, err := runDevCLI(t, "--demo")
		if !errors.Is(err, devcluster.ErrNoSource) {
			t.Fatalf("error %v, want ErrNoSource", err)
		}
		for _, want := range []string{dir, "--source", "go.mod of github.com/spindlehq/spindle"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not say %q: %v", want, err)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "spindle-dev")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("a cluster was started without a job to run: %v", err)
		}
	})
	t.Run("--source that is not one", func(t *testing.T) {
		t.Chdir(t.TempDir())
		_, err := runDevCLI(t, "--demo", "--source", t.TempDir())
		if !errors.Is(err, devcluster.ErrNoSource) || !strings.Contains(err.Error(), "not a checkout") {
			t.Fatalf("error %v, want ErrNoSource saying not a checkout", err)
		}
	})
}

func TestPrintDevInfo(t *testing.T) {
	var b bytes.Buffer
	printDevInfo(&b, devcluster.Info{
		Dir: "/w/spindle-dev", RMPID: 11,
		RM:             resourcemanager.Addresses{Client: "127.0.0.1:8032", Web: "127.0.0.1:8088"},
		NodeManagers:   []devcluster.NodeManagerInfo{{PID: 12, Addresses: nodemanager.Addresses{NodeID: "127.0.0.1:4001", Web: "127.0.0.1:4002"}}},
		Kafka:          []string{"127.0.0.1:9092"},
		Topics:         map[string]int32{"transactions": 4},
		CheckpointRoot: "file:///w/spindle-dev/checkpoints",
		ConfDir:        "/w/spindle-dev/conf",
		TLS:            pki.Local{Dir: "/w/spindle-dev/tls", CA: "/w/spindle-dev/tls/spindle-ca.pem", Client: "/w/spindle-dev/tls/spindle-client-alice.pem", User: "alice"},
	})
	for _, want := range []string{
		"ResourceManager   pid 11      rpc 127.0.0.1:8032   REST https://127.0.0.1:8088/ws/v1/cluster/apps",
		"NodeManager 0     pid 12      node 127.0.0.1:4001   REST https://127.0.0.1:4002/ws/v1/node/containers",
		"Kafka             127.0.0.1:9092 (in this process; topics transactions (4 partitions)",
		"Checkpoints       file:///w/spindle-dev/checkpoints",
		"export SPINDLE_CONF_DIR=/w/spindle-dev/conf",
		"(you are user alice); curl the endpoints with: curl --cacert /w/spindle-dev/tls/spindle-ca.pem --cert /w/spindle-dev/tls/spindle-client-alice.pem --key /w/spindle-dev/tls/spindle-client-alice-key.pem https://",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("info lacks %q:\n%s", want, b.String())
		}
	}
}
