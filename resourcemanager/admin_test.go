package resourcemanager_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/spindlehq/spindle/acl"
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/resourcemanager"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestAdministrationNeedsTheAdminACL: any user of the cluster may ask an
// RM its HA state, but a transition or a refresh by a user not on
// yarn.admin.acl is refused and logged with who and what, and a caller
// without a user certificate is refused everything; an administrator's
// calls go through (a lone RM says it has no group).
func TestAdministrationNeedsTheAdminACL(t *testing.T) {
	tlsFiles := testutil.NewClusterTLS(t, filepath.Join(t.TempDir(), "tls"))
	load := func(cert string) *pki.Material {
		m, err := pki.LoadFiles(pki.Files{CA: tlsFiles.CA, Cert: cert, Key: pki.KeyFileFor(cert)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	logs, observed := observer.New(zap.WarnLevel)
	cfg := resourcemanager.DefaultConfig()
	tlsFiles.SecureRM(t, &cfg)
	cfg.ACLs = &acl.Policy{Enabled: true, Admins: acl.Parse("admin"), Root: acl.QueueACLs{Submit: acl.All()}}
	cfg.Logger = zap.New(logs)
	rm, err := resourcemanager.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := rm.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer rm.Stop(context.Background())
	adminAs := func(m *pki.Material) pb.ResourceManagerAdministrationClient {
		conn, err := grpc.NewClient(rm.Addresses().Client, pki.GRPCDialOption(m))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return pb.NewResourceManagerAdministrationClient(conn)
	}
	bob := adminAs(tlsFiles.UserTLS(t, "bob"))
	admin := adminAs(tlsFiles.UserTLS(t, "admin"))
	nm := adminAs(load(tlsFiles.NM))

	st, err := bob.GetServiceStatus(ctx, &pb.GetServiceStatusRequest{})
	if err != nil || st.GetState() != pb.HAServiceState_HA_SERVICE_STATE_ACTIVE {
		t.Fatalf("service status of a lone RM, asked by a user: %v, %v; want ACTIVE", st, err)
	}
	if _, err := nm.GetServiceStatus(ctx, &pb.GetServiceStatusRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("service status asked with a NodeManager's certificate: %v, want PermissionDenied", err)
	}
	calls := map[string]func(pb.ResourceManagerAdministrationClient) error{
		"transitionToStandby": func(c pb.ResourceManagerAdministrationClient) error {
			_, err := c.TransitionToStandby(ctx, &pb.TransitionToStandbyRequest{})
			return err
		},
		"transitionToActive": func(c pb.ResourceManagerAdministrationClient) error {
			_, err := c.TransitionToActive(ctx, &pb.TransitionToActiveRequest{RmId: "rm1"})
			return err
		},
		"refreshQueues": func(c pb.ResourceManagerAdministrationClient) error {
			_, err := c.RefreshQueues(ctx, &pb.RefreshQueuesRequest{})
			return err
		},
		"refreshNodes": func(c pb.ResourceManagerAdministrationClient) error {
			_, err := c.RefreshNodes(ctx, &pb.RefreshNodesRequest{})
			return err
		},
	}
	for name, call := range calls {
		if err := call(bob); status.Code(err) != codes.PermissionDenied {
			t.Errorf("%s by bob: %v, want PermissionDenied", name, err)
		}
		if err := call(nm); status.Code(err) != codes.PermissionDenied {
			t.Errorf("%s with a NodeManager's certificate: %v, want PermissionDenied", name, err)
		}
		if err := call(admin); status.Code(err) == codes.Unauthenticated || status.Code(err) == codes.PermissionDenied {
			t.Errorf("%s by the administrator refused: %v", name, err)
		}
	}
	if err := calls["transitionToStandby"](admin); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("transitionToStandby of a lone RM: %v, want FailedPrecondition", err)
	}
	denied := observed.FilterMessage("access denied").FilterField(zap.String("user", "bob")).FilterField(zap.String("operation", string(acl.AdministerSystem)))
	if denied.Len() != len(calls) {
		t.Errorf("%d of bob's %d refused administration calls logged as access denied", denied.Len(), len(calls))
	}
}
