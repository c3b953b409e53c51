package nodemanager

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/nodemanager/launcher"
	"go.uber.org/zap"
)

// ContainerUsers says which OS user containers run as, as YARN's
// LinuxContainerExecutor in non-secure mode.
type ContainerUsers struct {
	// LocalUser runs every container
	// (yarn.nodemanager.linux-container-executor.nonsecure-mode.local-user).
	LocalUser string
	// LimitUsers: true runs every container as LocalUser; false as the
	// application's user, who must exist on the node
	// (yarn.nodemanager.linux-container-executor.nonsecure-mode.limit-users).
	LimitUsers bool
	// MinUserID refuses users below this uid, as container-executor.cfg's
	// min.user.id (spindle.nodemanager.container-executor.min-user-id);
	// root is always refused.
	MinUserID int
	// InsecureRunAsNodeManagerUser runs containers as the NodeManager's own
	// user, which can read its key
	// (spindle.nodemanager.insecure-containers-run-as-nodemanager-user).
	InsecureRunAsNodeManagerUser bool
}

// errCannotSwitchUser refuses to start an NM that cannot run containers as
// another user.
var errCannotSwitchUser = errors.New("nodemanager: containers would run as the NodeManager's own user, and could read its certificate's key")

// checkContainerUsers resolves the local user, and refuses an NM that
// cannot switch to it unless containers may run as the NM's user.
func (nm *NodeManager) checkContainerUsers() error {
	cu := nm.cfg.ContainerUsers
	if cu.InsecureRunAsNodeManagerUser {
		nm.lg.Warn("containers run as the NodeManager's own user (spindle.nodemanager.insecure-containers-run-as-nodemanager-user=true): a job can read every file the NodeManager can, its key included",
			zap.Int("uid", os.Geteuid()))
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: this NodeManager runs as uid %d, and only root can start processes as another user: run the NodeManager as root, as YARN's container-executor is setuid root, or set spindle.nodemanager.insecure-containers-run-as-nodemanager-user=true on a single-user machine",
			errCannotSwitchUser, os.Geteuid())
	}
	u, err := nm.userAllowed(cu.LocalUser)
	if err != nil {
		return fmt.Errorf("nodemanager: yarn.nodemanager.linux-container-executor.nonsecure-mode.local-user: %w", err)
	}
	nm.localUser = u
	if err := canExecute(nm.binary, u); err != nil {
		return fmt.Errorf("nodemanager: containers run {{SPINDLE_BINARY}} %s as user %s: %w: install spindle where every user can run it, such as /usr/local/bin", nm.binary, u.Name, err)
	}
	for _, root := range append(append([]string{}, nm.cfg.LocalDirs...), nm.cfg.LogDirs...) {
		// As YARN's: every container's user must reach its own dir below.
		if err := os.MkdirAll(root, 0o755); err != nil {
			return err
		}
		if err := os.Chmod(root, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// userAllowed looks a container user up and refuses root and users below
// the minimum uid.
func (nm *NodeManager) userAllowed(name string) (*launcher.User, error) {
	u, err := launcher.LookupUser(name)
	if err != nil {
		return nil, err
	}
	if u.UID == 0 || int(u.UID) < nm.cfg.ContainerUsers.MinUserID {
		return nil, fmt.Errorf("user %s has uid %d: containers do not run as root or as a user below uid %d (spindle.nodemanager.container-executor.min-user-id)", name, u.UID, nm.cfg.ContainerUsers.MinUserID)
	}
	return u, nil
}

// containerUser is the user a container runs as; nil runs it as the NM's.
func (nm *NodeManager) containerUser(ident *pb.ContainerTokenIdentifier) (*launcher.User, error) {
	cu := nm.cfg.ContainerUsers
	switch {
	case cu.InsecureRunAsNodeManagerUser:
		return nil, nil
	case cu.LimitUsers:
		return nm.localUser, nil
	}
	u, err := nm.userAllowed(ident.GetUser())
	if err != nil {
		return nil, fmt.Errorf("container %s of user %s (limit-users is false: containers run as their application's user): %w", ident.GetContainerId(), ident.GetUser(), err)
	}
	return u, nil
}

// giveDirs hands a container's working and log dirs to its user, behind
// application dirs others may only pass through.
func giveDirs(u *launcher.User, env map[string]string, dirs ...string) error {
	if u == nil {
		return nil
	}
	for _, d := range dirs {
		if err := os.Chmod(filepath.Dir(d), 0o711); err != nil {
			return err
		}
		if err := u.Own(d); err != nil {
			return err
		}
	}
	env[launch.EnvUser], env[launch.EnvLogname] = u.Name, u.Name
	return nil
}

// canExecute reports whether user u may run the file at path: search
// permission on every directory above it and execute permission on it.
func canExecute(path string, u *launcher.User) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	for p := abs; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		need := os.FileMode(0o1) // search a directory, or execute the file
		if !allows(fi, u, need) {
			return fmt.Errorf("%s is not accessible (mode %v)", p, fi.Mode().Perm())
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// allows reports whether fi's permission bits give u the bits in need
// (given for "others"; shifted for owner and group).
func allows(fi os.FileInfo, u *launcher.User, need os.FileMode) bool {
	perm := fi.Mode().Perm()
	uid, gid, ok := fileOwner(fi)
	switch {
	case !ok:
		return perm&need != 0
	case uid == u.UID:
		return perm&(need<<6) != 0
	case gid == u.GID:
		return perm&(need<<3) != 0
	}
	return perm&need != 0
}
