package devcluster

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/pki"
)

func TestPrepareDir(t *testing.T) {
	t.Run("new", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "dev")
		if err := prepareDir(dir); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(filepath.Join(dir, pidFile))
		if strings.TrimSpace(string(raw)) != strconv.Itoa(os.Getpid()) {
			t.Fatalf("pid file %q, want this process", raw)
		}
	})
	t.Run("left by an earlier run is emptied", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, stampFile), "")
		writeFile(t, filepath.Join(dir, pidFile), "999999999\n")
		writeFile(t, filepath.Join(dir, "checkpoints", "old", "commits", "1"), "x")
		if err := prepareDir(dir); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "checkpoints")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("old checkpoint still there: %v", err)
		}
	})
	t.Run("not a dev dir", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "precious.txt"), "keep me")
		if err := prepareDir(dir); !errors.Is(err, ErrNotDevDir) {
			t.Fatalf("prepareDir: %v, want ErrNotDevDir", err)
		}
		if _, err := os.Stat(filepath.Join(dir, "precious.txt")); err != nil {
			t.Fatal("a file not ours was removed")
		}
	})
	t.Run("another dev cluster runs in it", func(t *testing.T) {
		dir := t.TempDir()
		// A process whose command line has "dev" in it stands for a
		// running spindle dev.
		cmd := exec.Command("sh", "-c", "sleep 30", "dev")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		writeFile(t, filepath.Join(dir, stampFile), "")
		writeFile(t, filepath.Join(dir, pidFile), strconv.Itoa(cmd.Process.Pid)+"\n")
		if err := prepareDir(dir); !errors.Is(err, ErrDirInUse) || !strings.Contains(err.Error(), strconv.Itoa(cmd.Process.Pid)) {
			t.Fatalf("prepareDir: %v, want ErrDirInUse naming pid %d", err, cmd.Process.Pid)
		}
	})
}

func TestWriteClientConf(t *testing.T) {
	dir := t.TempDir()
	in := Info{Dir: dir, ConfDir: filepath.Join(dir, "conf")}
	in.RM.Client, in.RM.Web = "127.0.0.1:8032", "127.0.0.1:8088"
	var err error
	if in.TLS, err = CreateTLS(dir); err != nil {
		t.Fatal(err)
	}
	if err := WriteClientConf(in.ConfDir, in.Dir, ClientSite(in.RM, nil), in.TLS); err != nil {
		t.Fatal(err)
	}
	// spindle's commands load it as their conf dir.
	c, err := conf.Load(conf.LoadOptions{Dir: in.ConfDir})
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"yarn.resourcemanager.address":        "127.0.0.1:8032",
		"yarn.resourcemanager.webapp.address": "127.0.0.1:8088",
		"spindle.tmp.dir":                     filepath.Join(dir, "client"),
		"spindle.tls.ca-file":                 in.TLS.CA,
		"spindle.tls.cert-file":               in.TLS.Client,
		"spindle.tls.key-file":                pki.KeyFileFor(in.TLS.Client),
	} {
		if got := c.Get(key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
}
