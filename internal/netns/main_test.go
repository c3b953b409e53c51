package netns

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// helperEnv makes the test binary act as a helper process; its value
// names what to do.
const helperEnv = "NETNS_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	os.Exit(m.Run())
}

func runHelper(mode string) int {
	switch mode {
	case "echo-client":
		// Dial NETNS_TEST_ADDR, send a line, expect it back.
		c, err := net.DialTimeout("tcp", os.Getenv("NETNS_TEST_ADDR"), 2*time.Second)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer c.Close()
		if err := roundTrip(c); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case "forker":
		// A process with a child, as an NM with its containers.
		child := exec.Command("sleep", "600")
		if err := child.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		time.Sleep(time.Hour)
		return 0
	case "unprivileged":
		_, err := Create(Config{Names: []string{"a"}})
		fmt.Print(err)
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown helper", mode)
	return 2
}

// helper prepares the test binary as helper mode in host h.
func helper(h *Host, mode string, env ...string) *exec.Cmd {
	cmd := h.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), helperEnv+"="+mode), env...)
	return cmd
}
