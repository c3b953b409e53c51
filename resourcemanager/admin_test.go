package resourcemanager_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/resourcemanager"
	"github.com/spindlehq/spindle/token"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestAdministrationNeedsTheClientSecret: anyone may ask an RM its HA
// state, but a transition or a refresh without the client secret is
// refused; with it, a lone RM says it has no group.
func TestAdministrationNeedsTheClientSecret(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "client-secret")
	secret := []byte("0123456789abcdef0123456789abcdef")
	if err := os.WriteFile(secretFile, secret, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := resourcemanager.DefaultConfig()
	cfg.SecretFile = filepath.Join(dir, "cluster-secret")
	cfg.ClientSecretFile = secretFile
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
	admin := pb.NewResourceManagerAdministrationClient(testutil.Dial(t, rm.Addresses().Client))

	st, err := admin.GetServiceStatus(ctx, &pb.GetServiceStatusRequest{})
	if err != nil || st.GetState() != pb.HAServiceState_HA_SERVICE_STATE_ACTIVE {
		t.Fatalf("service status of a lone RM: %v, %v; want ACTIVE", st, err)
	}
	calls := map[string]func(context.Context) error{
		"transitionToStandby": func(ctx context.Context) error {
			_, err := admin.TransitionToStandby(ctx, &pb.TransitionToStandbyRequest{})
			return err
		},
		"transitionToActive": func(ctx context.Context) error {
			_, err := admin.TransitionToActive(ctx, &pb.TransitionToActiveRequest{RmId: "rm1"})
			return err
		},
		"refreshQueues": func(ctx context.Context) error {
			_, err := admin.RefreshQueues(ctx, &pb.RefreshQueuesRequest{})
			return err
		},
	}
	for name, call := range calls {
		if err := call(ctx); status.Code(err) != codes.Unauthenticated && status.Code(err) != codes.PermissionDenied {
			t.Errorf("%s without the client secret: %v, want it refused", name, err)
		}
		err := call(token.WithClientSecret(ctx, secret))
		if status.Code(err) == codes.Unauthenticated || status.Code(err) == codes.PermissionDenied {
			t.Errorf("%s with the client secret refused: %v", name, err)
		}
	}
	if err := calls["transitionToStandby"](token.WithClientSecret(ctx, secret)); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("transitionToStandby of a lone RM: %v, want FailedPrecondition", err)
	}
}
