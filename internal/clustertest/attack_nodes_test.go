package clustertest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/pki"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestFakeNodeManagerAndSpoofedUnregister: nobody but a NodeManager with a
// certificate for the node's host may register a node (a 1 TiB, 1000-vcore
// fake that would attract every container) or unregister a real one.
func TestFakeNodeManagerAndSpoofedUnregister(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	real := c.NodeID(0)
	callers := outsiders(t, c)
	callers["a user's certificate"] = c.TLS.UserTLS(t, "mallory")
	// An NM certificate, but for another host than the node it speaks for.
	kp, err := c.TLS.Authority.Issue(pki.CertRequest{Role: pki.RoleNodeManager, Name: "worker9", DNSNames: []string{"worker9.example.com"}, IPs: []net.IP{net.ParseIP("10.9.9.9")}})
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := os.ReadFile(c.TLS.CA)
	otherHost, err := pki.FromPEM(ca, kp.CertPEM, kp.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	callers["an NM certificate for another host"] = otherHost

	const fake = "127.0.0.1:1"
	for name, m := range callers {
		t.Run(name, func(t *testing.T) {
			tracker := pb.NewResourceTrackerClient(dialAs(t, c.RMAddr.Tracker, m))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := tracker.RegisterNodeManager(ctx, &pb.RegisterNodeManagerRequest{
				NodeId: fake, HttpAddress: "127.0.0.1:2", Resource: &pb.Resource{MemoryMb: 1 << 20, Vcores: 1000},
			})
			if err == nil {
				t.Fatal("the fake node registered")
			}
			if _, err := tracker.UnRegisterNodeManager(ctx, &pb.UnRegisterNodeManagerRequest{NodeId: real}); err == nil {
				t.Fatalf("unregister of %s accepted", real)
			}
			if _, err := tracker.NodeHeartbeat(ctx, &pb.NodeHeartbeatRequest{NodeId: real}); err == nil {
				t.Fatalf("a heartbeat for %s accepted", real)
			}
			if st := c.NodeState(real); st != pb.NodeState_NODE_STATE_RUNNING {
				t.Fatalf("%s is %v after the spoofed unregister, want RUNNING", real, st)
			}
			if st := c.NodeState(fake); st != pb.NodeState_NODE_STATE_UNSPECIFIED {
				t.Fatalf("the fake node is known to the RM as %v", st)
			}
		})
	}
	// The wrong host's certificate is told why.
	tracker := pb.NewResourceTrackerClient(dialAs(t, c.RMAddr.Tracker, otherHost))
	_, err = tracker.UnRegisterNodeManager(context.Background(), &pb.UnRegisterNodeManagerRequest{NodeId: real})
	if status.Code(err) != codes.PermissionDenied {
		t.Fatalf("unregister with another host's NM certificate: %v, want PermissionDenied", err)
	}
	logged(t, c.RM, "the spoofed unregister", "ResourceTracker call refused", "unregister", real, "worker9")
	logged(t, c.RM, "a user's certificate on the ResourceTracker", "ResourceTracker call refused", "mallory")
	if got := len(c.Nodes()); got != 1 {
		t.Fatalf("the RM knows %d nodes, want 1", got)
	}
}

// TestDaemonsRefuseToRunOpen: without TLS files a daemon does not start
// unless told to run in plain text, and then says so at every start; a
// NodeManager that cannot run containers as another user does not start
// unless told containers may run as its own.
func TestDaemonsRefuseToRunOpen(t *testing.T) {
	bin := testutil.SpindleBinary(t)
	dir := testutil.SharedDir(t)
	out, err := exec.Command(bin, "resourcemanager", "--conf", "spindle.tmp.dir="+dir).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no TLS configured") || !strings.Contains(string(out), "spindle.tls.insecure-plaintext=true") {
		t.Fatalf("a resourcemanager without TLS: %v\n%s", err, out)
	}
	// An NM that is not root.
	nobody := exec.Command(bin, "nodemanager", "--conf", "spindle.tmp.dir="+dir, "--conf", "spindle.tls.insecure-plaintext=true",
		"--conf", "yarn.resourcemanager.resource-tracker.address=127.0.0.1:1", "--conf", "spindle.log.dir="+dir)
	nobody.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err = nobody.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "spindle.nodemanager.insecure-containers-run-as-nodemanager-user=true") {
		t.Fatalf("a nodemanager running as nobody: %v\n%s", err, out)
	}
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1, Plaintext: true})
	for _, d := range []*testutil.Daemon{c.RM, c.NMs[0]} {
		logged(t, d, "the plain-text warning", "\twarn\t", "running WITHOUT TLS")
	}
}
