package devcluster

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/resourcemanager"
)

// Files that mark a directory as a dev cluster's.
const (
	stampFile = ".spindle-dev"
	pidFile   = "dev.pid"
)

// prepareDir makes dir an empty dev cluster directory owned by this
// process. A directory an earlier dev cluster left is emptied — its
// checkpoints name offsets of a Kafka that is gone — unless that cluster
// still runs; one with other files is refused.
func prepareDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("devcluster: read directory %s: %w", dir, err)
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, stampFile)); err != nil {
			return fmt.Errorf("%w: %s is not empty and has no %s; use another --dir or remove it", ErrNotDevDir, dir, stampFile)
		}
		if pid, ok := runningDev(dir); ok {
			return fmt.Errorf("%w: %s (pid %d): stop it, or use another --dir", ErrDirInUse, dir, pid)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("devcluster: empty %s left by an earlier run: %w", dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("devcluster: create %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, stampFile), []byte("a spindle dev cluster's directory; emptied by the next spindle dev\n"), 0o644); err != nil {
		return fmt.Errorf("devcluster: mark %s: %w", dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, pidFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("devcluster: write %s: %w", filepath.Join(dir, pidFile), err)
	}
	return nil
}

// runningDev reports the dev cluster process that owns dir, if it still
// runs.
func runningDev(dir string) (int, bool) {
	raw, err := os.ReadFile(filepath.Join(dir, pidFile))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 0 {
		return 0, false
	}
	if pid == os.Getpid() {
		return pid, true // another cluster of this process
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return 0, false
	}
	// A recycled pid is some other program: only a spindle dev counts.
	if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil {
		args := strings.Split(string(cmdline), "\x00")
		found := false
		for _, a := range args {
			found = found || a == "dev"
		}
		return pid, found
	}
	return pid, true
}

// WriteClientConf writes a client conf dir (yarn-site.xml and
// spindle-site.xml) that points spindle's commands at the cluster (yarnSite,
// KEY=VALUE, from ClientSite) and keeps their staging, checkpoints and
// output inside it, as the user of tls.
func WriteClientConf(confDir, clusterDir string, yarnSite []string, tls pki.Local) error {
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		return fmt.Errorf("devcluster: conf dir %s: %w", confDir, err)
	}
	comment := "Written for the Spindle cluster in " + clusterDir + "."
	if err := conf.WriteSiteFile(filepath.Join(confDir, "yarn-site.xml"), comment, yarnSite); err != nil {
		return fmt.Errorf("devcluster: %w", err)
	}
	site := append([]string{"spindle.tmp.dir=" + filepath.Join(clusterDir, "client")}, tls.ClientConf()...)
	if err := conf.WriteSiteFile(filepath.Join(confDir, "spindle-site.xml"), comment, site); err != nil {
		return fmt.Errorf("devcluster: %w", err)
	}
	return nil
}

// ClientSite are the yarn-site.xml keys that reach the RM rm, or the RMs
// of a group.
func ClientSite(rm resourcemanager.Addresses, rms []RMInfo) []string {
	if len(rms) > 0 {
		return groupSite(rms)
	}
	return []string{"yarn.resourcemanager.address=" + rm.Client, "yarn.resourcemanager.webapp.address=" + rm.Web}
}
