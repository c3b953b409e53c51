package testutil

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// Submission is a `spindle submit` process.
type Submission struct {
	tb   testing.TB
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
	err  error
}

type lockedWriter struct{ s *Submission }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.out.Write(p)
}

// Submit runs `spindle submit --master spindle://<rm> args…` against c.
func (c *Cluster) Submit(args ...string) *Submission {
	c.tb.Helper()
	full := []string{"--master", c.Master(), "--conf", "spark.yarn.stagingDir=file://" + c.Dir + "/staging"}
	for _, kv := range c.TLS.ClientConf() {
		full = append(full, "--conf", kv)
	}
	return c.SubmitWith(nil, append(full, args...)...)
}

// SubmitWith runs `spindle submit args…` as given, with env (KEY=VALUE)
// added to its environment: a test that points it at c through a conf dir
// (SPINDLE_CONF_DIR) uses it.
func (c *Cluster) SubmitWith(env []string, args ...string) *Submission {
	c.tb.Helper()
	s := &Submission{tb: c.tb, cmd: exec.Command(SpindleBinary(c.tb), append([]string{"submit"}, args...)...), done: make(chan struct{})}
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout, s.cmd.Stderr = lockedWriter{s}, lockedWriter{s}
	if err := s.cmd.Start(); err != nil {
		c.tb.Fatalf("spindle submit: %v", err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.done)
	}()
	c.tb.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
		if c.tb.Failed() {
			c.tb.Logf("--- spindle submit output ---\n%s", s.Output())
		}
	})
	return s
}

// Output is what the submit process printed so far.
func (s *Submission) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

var submittedRE = regexp.MustCompile(`Submitted application (application_\d+_\d+)`)

// AppID waits for the application id the submit process prints.
func (s *Submission) AppID() string {
	s.tb.Helper()
	var id string
	WaitFor(s.tb, 30*time.Second, func() (bool, string) {
		if m := submittedRE.FindStringSubmatch(s.Output()); m != nil {
			id = m[1]
			return true, ""
		}
		select {
		case <-s.done:
			s.tb.Fatalf("spindle submit exited (%v) before printing an application id:\n%s", s.err, s.Output())
		default:
		}
		return false, "no application id printed yet"
	})
	return id
}

// Wait waits for the submit process to exit and returns its error.
func (s *Submission) Wait(timeout time.Duration) error {
	s.tb.Helper()
	select {
	case <-s.done:
		return s.err
	case <-time.After(timeout):
		s.tb.Fatalf("spindle submit still running after %v:\n%s", timeout, s.Output())
		return nil
	}
}

// Report returns the RM's report of appID.
func (c *Cluster) Report(appID string) *pb.ApplicationReport {
	c.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rep, err := c.Client().GetApplicationReport(ctx, &pb.GetApplicationReportRequest{ApplicationId: appID})
	if err != nil {
		c.tb.Fatalf("report of %s: %v", appID, err)
	}
	return rep.GetReport()
}

// Attempts returns the RM's attempt reports of appID.
func (c *Cluster) Attempts(appID string) []*pb.ApplicationAttemptReport {
	c.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := c.Client().GetApplicationAttempts(ctx, &pb.GetApplicationAttemptsRequest{ApplicationId: appID})
	if err != nil {
		c.tb.Fatalf("attempts of %s: %v", appID, err)
	}
	return resp.GetAttempts()
}

// WaitState waits until appID is in state.
func (c *Cluster) WaitState(appID string, state pb.ApplicationState, timeout time.Duration) *pb.ApplicationReport {
	c.tb.Helper()
	var r *pb.ApplicationReport
	WaitFor(c.tb, timeout, func() (bool, string) {
		r = c.Report(appID)
		return r.GetState() == state, fmt.Sprintf("%s is %v (%s), want %v", appID, r.GetState(), r.GetDiagnostics(), state)
	})
	return r
}
