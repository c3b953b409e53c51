package launcher

import (
	"fmt"
	"os"
	"syscall"
)

// signalExitBase is added to a terminating signal's number to form the
// exit code, as shells and YARN report it (143 for SIGTERM, 137 for
// SIGKILL).
const signalExitBase = 128

// Result is how a container's main process ended.
type Result struct {
	// ExitCode is the process's exit status, 128+N when it was killed by
	// signal N, or -1 when unknown.
	ExitCode int
	// Signal names the signal that killed the process ("SIGKILL"), or is
	// empty when the process exited on its own.
	Signal string
	// Err reports a failure to wait for the process or to collect or close
	// its output; it is nil for any exit code, zero or not.
	Err error
}

// resultFromState converts a finished process's state. state may be nil
// when waiting failed.
func resultFromState(state *os.ProcessState, err error) Result {
	if state == nil {
		return Result{ExitCode: -1, Err: err}
	}
	res := Result{ExitCode: state.ExitCode(), Err: err}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		res.ExitCode = signalExitBase + int(ws.Signal())
		res.Signal = signalName(ws.Signal())
	}
	return res
}

var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP:  "SIGHUP",
	syscall.SIGINT:  "SIGINT",
	syscall.SIGQUIT: "SIGQUIT",
	syscall.SIGILL:  "SIGILL",
	syscall.SIGTRAP: "SIGTRAP",
	syscall.SIGABRT: "SIGABRT",
	syscall.SIGBUS:  "SIGBUS",
	syscall.SIGFPE:  "SIGFPE",
	syscall.SIGKILL: "SIGKILL",
	syscall.SIGUSR1: "SIGUSR1",
	syscall.SIGSEGV: "SIGSEGV",
	syscall.SIGUSR2: "SIGUSR2",
	syscall.SIGPIPE: "SIGPIPE",
	syscall.SIGALRM: "SIGALRM",
	syscall.SIGTERM: "SIGTERM",
	syscall.SIGXCPU: "SIGXCPU",
	syscall.SIGXFSZ: "SIGXFSZ",
	syscall.SIGSYS:  "SIGSYS",
}

// signalName returns the conventional name of sig, "SIG<n>" for others.
func signalName(sig syscall.Signal) string {
	if name, ok := signalNames[sig]; ok {
		return name
	}
	return fmt.Sprintf("SIG%d", int(sig))
}
