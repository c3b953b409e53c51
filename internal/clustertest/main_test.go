package clustertest

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spindlehq/spindle/internal/testutil"
)

// helperEnv makes the test binary act as a container's program instead of
// running tests: NMs launch it as a real process.
const helperEnv = "SPINDLE_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		runHelper(mode)
		return
	}
	code := m.Run()
	testutil.RemoveBinary()
	os.Exit(code)
}

// runHelper: "hog:N" allocates and touches N MiB then idles; "env" prints
// the container environment then idles; "ignoreterm" ignores SIGTERM, so
// that only its NM's SIGKILL stops it, then idles.
func runHelper(mode string) {
	switch {
	case strings.HasPrefix(mode, "hog:"):
		mib, _ := strconv.Atoi(strings.TrimPrefix(mode, "hog:"))
		buf := make([]byte, mib<<20)
		for i := 0; i < len(buf); i += 4096 {
			buf[i] = 1
		}
		fmt.Println("ready")
		time.Sleep(time.Hour)
		fmt.Println(buf[len(buf)/2])
	case mode == "env":
		for _, k := range []string{"CONTAINER_ID", "APPLICATION_ID", "GOMEMLIMIT", "NM_ADDRESS"} {
			fmt.Printf("%s=%s\n", k, os.Getenv(k))
		}
		time.Sleep(time.Hour)
	case mode == "ignoreterm":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ready")
		time.Sleep(time.Hour)
	default:
		fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
		os.Exit(2)
	}
}

// helperCommand is the argv that runs this test binary as a helper: a copy
// of it where containers, which run as another user, may run it.
func helperCommand(t *testing.T) []string {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	helper := filepath.Join(testutil.SharedDir(t), "helper")
	if err := os.WriteFile(helper, raw, 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{helper, "-test.run=^$"}
}

// runSpindle runs the spindle binary with a command and args and returns its
// combined output.
func runSpindle(t *testing.T, command string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(testutil.SpindleBinary(t), append([]string{command}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
