package launcher

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestStartAsAnotherUser: a container with a User runs as that user, in
// directories it owns, and cannot read a file only the NodeManager's user
// can. The NodeManager runs as root to switch users, as in CI.
func TestStartAsAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test starts a process as user nobody, which needs root: run the tests as root, as CI does")
	}
	u, err := LookupUser("nobody")
	if err != nil {
		t.Fatal(err)
	}
	spec := newSpec(t, "container_1_0001_01_000001", "sh", "-c", `id -u; cat "$SECRET" 2>/dev/null && echo READ; touch mine && echo WROTE`)
	secret := filepath.Join(t.TempDir(), "nm-key.pem")
	if err := os.WriteFile(secret, []byte("PRIVATE KEY"), 0o600); err != nil {
		t.Fatal(err)
	}
	spec.Env = map[string]string{"SECRET": secret}
	for _, d := range []string{spec.WorkDir, spec.LogDir} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Dir(d), 0o711); err != nil {
			t.Fatal(err)
		}
		if err := u.Own(d); err != nil {
			t.Fatal(err)
		}
	}
	// The per-test temp parent is 0700; nobody must pass through it.
	if err := os.Chmod(filepath.Dir(filepath.Dir(spec.WorkDir)), 0o711); err != nil {
		t.Fatal(err)
	}
	spec.User = u
	res := waitDone(t, startProcess(t, spec))
	out, _ := os.ReadFile(filepath.Join(spec.LogDir, "stdout"))
	lines := strings.Fields(string(out))
	if res.ExitCode != 0 || len(lines) < 2 || lines[0] != "65534" || lines[len(lines)-1] != "WROTE" || strings.Contains(string(out), "READ") {
		t.Fatalf("exit %d, output %q: want uid 65534, no READ of the NodeManager's file, WROTE in its own dir", res.ExitCode, out)
	}
	fi, err := os.Stat(filepath.Join(spec.WorkDir, "mine"))
	if err != nil {
		t.Fatal(err)
	}
	if uid, _, _ := statOwner(fi); uid != u.UID {
		t.Fatalf("the container's file is owned by uid %d, want %d", uid, u.UID)
	}
}

func statOwner(fi os.FileInfo) (uid, gid uint32, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return st.Uid, st.Gid, true
}
