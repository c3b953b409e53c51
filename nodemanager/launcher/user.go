package launcher

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// User is the OS user a container runs as, as YARN's LinuxContainerExecutor
// runs containers as the application's user or a fixed local user: the
// NodeManager's own files (its certificate and key) stay out of reach.
type User struct {
	// Name is the user's login name, the container's $USER.
	Name string
	// UID and GID are the user's ids; Groups its supplementary groups.
	UID, GID uint32
	Groups   []uint32
}

// LookupUser finds a local user by name.
func LookupUser(name string) (*User, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("launcher: container user %q: %w", name, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("launcher: container user %q has uid %q: %w", name, u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("launcher: container user %q has gid %q: %w", name, u.Gid, err)
	}
	out := &User{Name: name, UID: uint32(uid), GID: uint32(gid)}
	if ids, err := u.GroupIds(); err == nil {
		for _, g := range ids {
			if n, err := strconv.ParseUint(g, 10, 32); err == nil {
				out.Groups = append(out.Groups, uint32(n))
			}
		}
	}
	return out, nil
}

// credential is what the process is started with.
func (u *User) credential() *syscall.Credential {
	return &syscall.Credential{Uid: u.UID, Gid: u.GID, Groups: u.Groups}
}

// Own gives u the directory dir, and makes it accessible to u alone. What
// is already in it stays the NodeManager's: localized files are read-only
// links into the NodeManager's cache, shared with other containers, which a
// container must not be able to change.
func (u *User) Own(dir string) error {
	if err := os.Lchown(dir, int(u.UID), int(u.GID)); err != nil {
		return fmt.Errorf("launcher: give %s to user %s: %w", dir, u.Name, err)
	}
	return os.Chmod(dir, 0o700)
}
