package clustertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestOutsidersCannotSubmitOrKill: an unauthenticated caller cannot submit
// an application (whose AM would run a command of the caller's) nor kill
// one; a user with a certificate cannot kill another user's application,
// end its supervision, or submit to a queue that does not let them; every refusal is logged.
func TestOutsidersCannotSubmitOrKill(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1, Conf: []string{
		// Only the test's user may submit to the default queue.
		"yarn.scheduler.capacity.root.acl_submit_applications=",
		"yarn.scheduler.capacity.root.default.acl_submit_applications=" + testutil.TestUser(),
	}})
	victim := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	marker := filepath.Join(testutil.SharedDir(t), "ran")
	submit := func(client pb.ApplicationClientClient) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		app, err := client.GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
		if err != nil {
			return err
		}
		_, err = client.SubmitApplication(ctx, &pb.SubmitApplicationRequest{Context: &pb.ApplicationSubmissionContext{
			ApplicationId: app.GetApplicationId(), Name: "attack", Queue: "default", User: "root",
			AmContainerSpec: &pb.ContainerLaunchContext{Command: []string{"touch", marker}},
			AmResource:      &pb.Resource{MemoryMb: 128, Vcores: 1},
		}})
		return err
	}
	kill := func(client pb.ApplicationClientClient) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := client.KillApplication(ctx, &pb.KillApplicationRequest{ApplicationId: victim.AppID})
		return err
	}
	// Ending a supervision decides whether a failed application comes back.
	stopSupervision := func(client pb.ApplicationClientClient) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := client.StopSupervision(ctx, &pb.StopSupervisionRequest{ApplicationId: victim.AppID})
		return err
	}
	for name, m := range outsiders(t, c) {
		t.Run(name, func(t *testing.T) {
			client := pb.NewApplicationClientClient(dialAs(t, c.RMAddr.Client, m))
			if err := submit(client); err == nil {
				t.Fatal("submit accepted")
			}
			if err := kill(client); err == nil {
				t.Fatal("kill accepted")
			}
			if err := stopSupervision(client); err == nil {
				t.Fatal("stopping the supervision accepted")
			}
		})
	}
	logged(t, c.RM, "a call without a certificate", "client call refused", "ApplicationClient", "remote", "no client certificate")
	logged(t, c.RM, "a handshake with another CA's certificate", "connection refused: TLS handshake failed", "does not verify against the cluster CA")

	// A user of the cluster may neither kill another's application nor
	// submit where the queue's ACL does not name them.
	bob := pb.NewApplicationClientClient(dialAs(t, c.RMAddr.Client, c.TLS.UserTLS(t, "bob")))
	if err := kill(bob); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("bob's kill of %s: %v, want PermissionDenied", victim.AppID, err)
	}
	logged(t, c.RM, "bob's refused kill", "access denied", `"user": "bob"`, "MODIFY_APP", victim.AppID)
	if err := stopSupervision(bob); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("bob's stop of the supervision of %s: %v, want PermissionDenied", victim.AppID, err)
	}
	if err := submit(bob); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("bob's submit to default: %v, want PermissionDenied", err)
	}
	logged(t, c.RM, "bob's refused submit", "access denied", `"user": "bob"`, "SUBMIT_APPLICATIONS", `"target": "default"`)

	if r := c.Report(victim.AppID); r.GetState() != pb.ApplicationState_APPLICATION_STATE_RUNNING {
		t.Fatalf("%s is %v after the refused kills, want RUNNING", victim.AppID, r.GetState())
	}
	apps, err := c.Client().GetApplications(context.Background(), &pb.GetApplicationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(apps.GetApplications()) != 1 {
		t.Fatalf("%d applications, want only %s: a refused submit got through", len(apps.GetApplications()), victim.AppID)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a refused submit's AM command ran")
	}
	// The owner still can.
	if err := kill(c.Client()); err != nil {
		t.Fatalf("the owner's kill: %v", err)
	}
	c.WaitState(victim.AppID, pb.ApplicationState_APPLICATION_STATE_KILLED, 10*time.Second)
}
