package clustertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/token"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestAMCallsNeedTheAttemptToken: ApplicationMaster calls without a token,
// with a forged one or with an ended attempt's are refused.
func TestAMCallsNeedTheAttemptToken(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	client := pb.NewApplicationMasterClient(testutil.Dial(t, c.RMAddr.Client))
	forgedSigner, _ := token.NewSigner([]byte("a-secret-that-is-not-the-cluster's"))
	forged, _ := forgedSigner.SignAttempt(&pb.ApplicationAttemptTokenIdentifier{AttemptId: strings.Replace(am.AppID, "application_", "appattempt_", 1) + "_000001"})
	tests := []struct {
		name string
		tok  *pb.Token
		want codes.Code
	}{
		{"no token", nil, codes.Unauthenticated},
		{"forged token", forged, codes.Unauthenticated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if tc.tok != nil {
				ctx, _ = token.WithAttempt(ctx, tc.tok)
			}
			_, err := client.Allocate(ctx, &pb.AllocateRequest{Asks: []*pb.ResourceRequest{testutil.Ask(1, 128, 0, 1)}})
			if status.Code(err) != tc.want {
				t.Fatalf("allocate: %v, want %v", err, tc.want)
			}
		})
	}
	// The genuine token works; after the app ends, it only gets SHUTDOWN.
	resp, err := am.Allocate(nil)
	if err != nil || resp.GetAmCommand() != pb.AMCommand_AM_COMMAND_UNSPECIFIED {
		t.Fatalf("allocate with the attempt token: %v, %v", resp, err)
	}
	am.Finish()
	if resp, err := am.Allocate([]*pb.ResourceRequest{testutil.Ask(1, 128, 0, 1)}); err != nil || resp.GetAmCommand() != pb.AMCommand_AM_COMMAND_SHUTDOWN || len(resp.GetAllocatedContainers()) != 0 {
		t.Fatalf("allocate after finishing: %v, %v; want SHUTDOWN and nothing allocated", resp, err)
	}
}

// TestClientSecretGuardsSubmitAndKill: with spindle.client.secret-file set
// on the RM, submit, kill and ending a supervision without the secret are
// refused; with it they work.
func TestClientSecretGuardsSubmitAndKill(t *testing.T) {
	secretFile := filepath.Join(testutil.SharedDir(t), "client-secret")
	if err := os.WriteFile(secretFile, []byte("0123456789abcdef-client-secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1, Conf: []string{"spindle.client.secret-file=" + secretFile}})
	job := testutil.TestJobBinary(t)
	refused := c.Submit("--num-executors", "1", "--executor-memory", "128m", "--driver-memory", "128m", "--conf", "spindle.client.secret-file=", "--conf", "spindle.driver.mode=process", job)
	if err := refused.Wait(30 * time.Second); err == nil || !strings.Contains(refused.Output(), "client secret") {
		t.Fatalf("submit without the secret: %v\n%s", err, refused.Output())
	}
	sub := c.Submit("--num-executors", "1", "--executor-memory", "128m", "--driver-memory", "128m", "--conf", "spindle.client.secret-file="+secretFile,
		"--supervise", "--conf", "spindle.driver.mode=process", job, "--until-file", filepath.Join(testutil.SharedDir(t), "never"))
	appID := sub.AppID()
	c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_RUNNING, 20*time.Second)
	if out, err := runSpindle(t, "application", append([]string{"-kill", appID}, c.ConfArgs()...)...); err == nil || !strings.Contains(out, "requires the client secret") {
		t.Fatalf("kill without the secret: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Client().StopSupervision(ctx, &pb.StopSupervisionRequest{ApplicationId: appID}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("StopSupervision without the secret: %v, want Unauthenticated", err)
	}
	if r := c.Report(appID); r.GetState() != pb.ApplicationState_APPLICATION_STATE_RUNNING {
		t.Fatalf("refused kill changed the app to %v", r.GetState())
	}
	if out, err := runSpindle(t, "application", append([]string{"-kill", appID, "--conf", "spindle.client.secret-file=" + secretFile}, c.ConfArgs()...)...); err != nil {
		t.Fatalf("kill with the secret: %v\n%s", err, out)
	}
	c.WaitState(appID, pb.ApplicationState_APPLICATION_STATE_KILLED, 10*time.Second)
}
