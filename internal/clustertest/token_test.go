package clustertest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/token"
	"google.golang.org/protobuf/proto"
)

// TestNodeManagerRefusesBadTokens: an NM launches nothing without a valid
// token signed by the RM for that node.
func TestNodeManagerRefusesBadTokens(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2})
	am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	got := am.AllocateUntil(testutil.Ask(1, 256, 0, 1), 1, 5*time.Second)
	if len(got) != 1 {
		t.Fatalf("allocated %d containers, want 1", len(got))
	}
	good := got[0]
	rmSigner := c.ContainerTokenSigner()
	otherSigner, _ := token.NewSigner([]byte("not-the-cluster-secret-at-all!!"))
	ident := &pb.ContainerTokenIdentifier{}
	if err := proto.Unmarshal(good.GetContainerToken().GetIdentifier(), ident); err != nil {
		t.Fatal(err)
	}
	forged, _ := otherSigner.SignContainer(ident)
	bigger := proto.Clone(ident).(*pb.ContainerTokenIdentifier)
	bigger.Resource.MemoryMb *= 4
	tampered := proto.Clone(good.GetContainerToken()).(*pb.Token)
	tampered.Identifier, _ = proto.Marshal(bigger)
	expiredID := proto.Clone(ident).(*pb.ContainerTokenIdentifier)
	expiredID.ExpiryUnixMs = time.Now().Add(-time.Second).UnixMilli()
	expired, _ := rmSigner.SignContainer(expiredID)
	otherNode := c.NodeID(0)
	if otherNode == good.GetNodeId() {
		otherNode = c.NodeID(1)
	}

	tests := []struct {
		name string
		addr string
		tok  *pb.Token
	}{
		{"missing", good.GetNodeAddress(), nil},
		{"forged with another secret", good.GetNodeAddress(), forged},
		{"tampered resources", good.GetNodeAddress(), tampered},
		{"expired", good.GetNodeAddress(), expired},
		{"presented to another node", otherNode, good.GetContainerToken()},
	}
	marker := filepath.Join(testutil.SharedDir(t), "ran")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := am.StartContainer(tc.addr, tc.tok, []string{"touch", marker}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(resp.GetSucceeded()) != 0 || len(resp.GetFailed()) != 1 || resp.GetFailed()[0].GetCode() != "PermissionDenied" {
				t.Fatalf("start with a %s token: succeeded %v, failed %v; want one PermissionDenied", tc.name, resp.GetSucceeded(), resp.GetFailed())
			}
		})
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a refused start ran its command")
	}
	// The genuine token still works, once.
	am.Launch(good, []string{"touch", marker}, nil)
	waitFile(t, marker, "the container with the genuine token")
	resp, err := am.StartContainer(good.GetNodeAddress(), good.GetContainerToken(), []string{"true"}, nil)
	if err != nil || len(resp.GetFailed()) != 1 || resp.GetFailed()[0].GetCode() != "AlreadyExists" {
		t.Fatalf("second start with the same token: %v, %v; want AlreadyExists", resp, err)
	}
}
