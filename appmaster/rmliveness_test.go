package appmaster_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/appmaster"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/driver"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/pki"
)

// TestAMExitsWhenTheRMStaysUnreachable: an AM whose RM stops answering
// carries on for spindle.am.rmUnreachableTimeout, then stops its driver
// and exits non-zero, naming the key.
func TestAMExitsWhenTheRMStaysUnreachable(t *testing.T) {
	c := testutil.StartInProcess(t, 0, 0, 0)
	rm := c.RM
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stopOnce sync.Once
	stopRM := func() { stopOnce.Do(func() { rm.Stop(context.Background()) }) }
	t.Cleanup(stopRM)
	rmAddr := rm.Addresses().Client
	client := pb.NewApplicationClientClient(testutil.Dial(t, rmAddr))
	app, err := client.GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.SubmitApplication(ctx, &pb.SubmitApplicationRequest{Context: &pb.ApplicationSubmissionContext{
		ApplicationId: app.GetApplicationId(), Name: t.Name(), Queue: "default", UnmanagedAm: true, User: "test",
	}}); err != nil {
		t.Fatal(err)
	}
	rep, err := client.GetApplicationReport(ctx, &pb.GetApplicationReportRequest{ApplicationId: app.GetApplicationId()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := appmaster.DefaultConfig()
	cfg.RMAddress, cfg.AttemptToken, cfg.Host = rmAddr, rep.GetReport().GetAmRmToken(), "127.0.0.1"
	cfg.AttemptID = strings.Replace(app.GetApplicationId(), "application_", "appattempt_", 1) + "_000001"
	cfg.NumExecutors = 0
	cfg.HeartbeatInterval = 50 * time.Millisecond
	cfg.RMUnreachableTimeout = time.Second
	// The AM's own credentials, as the RM puts them in its environment.
	caPEM, err := os.ReadFile(c.TLS.CA)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Credentials.Cluster, err = pki.FromPEM(caPEM, nil, nil); err != nil {
		t.Fatal(err)
	}
	secret, err := pki.NewAppSecret()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Credentials.AppKey, err = pki.NewAppKey(secret); err != nil {
		t.Fatal(err)
	}
	cfg.Credentials.AppSecret = secret
	driverStopped := make(chan struct{})
	cfg.RunDriver = func(ctx context.Context, _ *driver.Endpoint) error {
		<-ctx.Done()
		close(driverStopped)
		return ctx.Err()
	}
	am, err := appmaster.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	runCtx, stopRun := context.WithCancel(context.Background())
	defer stopRun()
	go func() {
		code, err := am.Run(runCtx)
		done <- result{code, err}
	}()
	testutil.WaitFor(t, 20*time.Second, func() (bool, string) {
		r, err := client.GetApplicationReport(ctx, &pb.GetApplicationReportRequest{ApplicationId: app.GetApplicationId()})
		st := r.GetReport().GetState()
		return err == nil && st == pb.ApplicationState_APPLICATION_STATE_RUNNING, "application " + st.String()
	})
	// The AM carries on while the RM answers.
	select {
	case r := <-done:
		t.Fatalf("AM exited with %d, %v while its RM answered", r.code, r.err)
	case <-time.After(2 * cfg.RMUnreachableTimeout):
	}
	stopped := time.Now()
	stopRM()
	select {
	case r := <-done:
		if r.code == 0 || r.err == nil || !strings.Contains(r.err.Error(), conf.KeyAMRMUnreachableTimeout) {
			t.Fatalf("AM ended with %d, %v; want a non-zero exit naming %s", r.code, r.err, conf.KeyAMRMUnreachableTimeout)
		}
		// The bound runs from the last answer, one heartbeat at most
		// before the stop.
		if waited := time.Since(stopped); waited < cfg.RMUnreachableTimeout-2*cfg.HeartbeatInterval {
			t.Fatalf("AM exited %v after the RM stopped, before %s (%v)", waited, conf.KeyAMRMUnreachableTimeout, cfg.RMUnreachableTimeout)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("AM still running 30 s after its RM stopped")
	}
	select {
	case <-driverStopped:
	case <-time.After(10 * time.Second):
		t.Error("the AM exited without stopping its driver")
	}
}
