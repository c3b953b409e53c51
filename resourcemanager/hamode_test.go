package resourcemanager_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/resourcemanager"
	"github.com/spindlehq/spindle/resourcemanager/failover"
	"github.com/spindlehq/spindle/resourcemanager/ha"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestStandbyAnswersFromItsFirstCall: an RM of a group whose other RMs
// are down stays standby; calls that reach it while it starts, as AMs and
// NMs failing over send them, are answered with the standby error from
// the first one, never with a crash.
func TestStandbyAnswersFromItsFirstCall(t *testing.T) {
	dir := t.TempDir()
	hc := ha.DefaultConfig()
	for i := range 3 {
		hc.Peers = append(hc.Peers, ha.Peer{ID: fmt.Sprintf("rm%d", i+1), Raft: testutil.FreeAddr(t), Client: testutil.FreeAddr(t), Tracker: testutil.FreeAddr(t), Web: testutil.FreeAddr(t)})
	}
	hc.SelfID, hc.Dir = "rm1", filepath.Join(dir, "raft")
	self := hc.Self()
	tls := testutil.NewClusterTLS(t, filepath.Join(dir, "tls"))
	cfg := resourcemanager.DefaultConfig()
	tls.SecureRM(t, &cfg)
	cfg.ClientAddress, cfg.TrackerAddress, cfg.WebAddress = self.Client, self.Tracker, self.Web
	cfg.HA = &hc
	rm, err := resourcemanager.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(self.Client, pki.GRPCDialOption(tls.ClientTLS))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := pb.NewApplicationClientClient(conn)

	// Calls from before the RM listens until after it started.
	started := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var standby, other int
	var lastOther error
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				_, err := client.GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
				cancel()
				mu.Lock()
				if _, ok := failover.Standby(err); ok {
					standby++
				} else if status.Code(err) != codes.Unavailable { // Unavailable alone: not listening yet
					other++
					lastOther = err
				}
				mu.Unlock()
				select {
				case <-started:
					return
				default:
				}
			}
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := rm.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer rm.Stop(context.Background())
	close(started)
	wg.Wait()
	if other > 0 {
		t.Errorf("%d calls to a standby answered otherwise than with the standby error, last: %v", other, lastOther)
	}
	// The client may still back off from its refused connections.
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		_, err := client.GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
		_, ok := failover.Standby(err)
		return ok, fmt.Sprintf("a call to the started standby: %v, want the standby error", err)
	})
	t.Logf("%d calls answered with the standby error while the RM started", standby)
}
