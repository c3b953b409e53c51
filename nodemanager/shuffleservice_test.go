package nodemanager_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/nodemanager"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/shuffle"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestShuffleServiceServesAnApplicationUntilItEnds: the NodeManager's
// spark_shuffle service learns an application's secret from its
// container's service data and tells the container where it serves; it
// serves the application's map outputs to holders of that secret after
// the container is gone, refuses anyone else, and removes the outputs
// once the application ends.
func TestShuffleServiceServesAnApplicationUntilItEnds(t *testing.T) {
	c := testutil.StartInProcessWith(t, 1, 2048, 4, func(cfg *nodemanager.Config) { cfg.ShuffleService = true })
	nm := c.NMs[0]
	addr := nm.Addresses().Shuffle
	if addr == "" {
		t.Fatal("the NodeManager advertises no shuffle service")
	}
	am := testutil.NewUnmanagedAM(t, c.RM.Addresses().Client, "default")
	got := am.AllocateUntil(testutil.Ask(1, 256, 0, 1), 1, 20*time.Second)
	if len(got) != 1 {
		t.Fatalf("allocated %d containers", len(got))
	}
	secret := []byte("a shuffle secret of 32 bytes....")
	envFile := filepath.Join(testutil.SharedDir(t), "env")
	resp, err := am.StartContext(got[0].GetNodeAddress(), got[0].GetContainerToken(), &pb.ContainerLaunchContext{
		// The container, as its own user, can make a batch dir where its
		// executors write their map outputs.
		Command:     []string{"/bin/sh", "-c", `mkdir "$LOCAL_DIRS/shuffle/1" && printf '%s\n%s\n' "$LOCAL_DIRS" "$SPINDLE_SHUFFLE_SERVICE_ADDRESS" > ` + envFile},
		ServiceData: map[string][]byte{shuffle.ServiceName: secret},
	})
	if err != nil || len(resp.GetFailed()) > 0 {
		t.Fatalf("start: %v %v", err, resp.GetFailed())
	}
	am.WaitCompleted(got[0].GetId(), 20*time.Second)
	env, _ := os.ReadFile(envFile)
	appDir := filepath.Join(nm.Config().LocalDirs[0], am.AppID)
	if string(env) != appDir+"\n"+addr+"\n" {
		t.Fatalf("the container's %s and %s: %q, want %q and %q", launch.EnvLocalDirs, launch.EnvShuffleServiceAddress, env, appDir, addr)
	}

	if fi, err := os.Stat(shuffle.BatchDir(appDir, 1)); err != nil || fi.Sys().(*syscall.Stat_t).Uid == 0 {
		t.Fatalf("the container's batch dir: %v, want it made by the container's user, not root", err)
	}

	// An executor of the application wrote a map output, and is gone.
	w, err := shuffle.NewWriter(shuffle.BatchDir(appDir, 1000), 0, []int32{1})
	if err != nil {
		t.Fatal(err)
	}
	w.AddChunk([]shuffle.Pair{{Key: "k", Value: []byte("v")}})
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	// A fetcher connects holding the shuffle key of the secret it signs
	// with, as executors do; fetchOver connects with dial instead.
	fetchOver := func(app string, secret []byte, dial grpc.DialOption) error {
		f, err := shuffle.NewFetcher(shuffle.FetcherConfig{AppID: app, Secret: secret, Timeout: 10 * time.Second,
			DialOptions: []grpc.DialOption{dial}})
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		blocks, err := f.Fetch(context.Background(), addr, []shuffle.BlockID{{BatchMs: 1000}})
		if err == nil && len(blocks[0]) == 0 {
			return errors.New("an empty block")
		}
		return err
	}
	fetch := func(app string, secret []byte) error {
		key, err := pki.NewShuffleKey(secret)
		if err != nil {
			t.Fatal(err)
		}
		return fetchOver(app, secret, pki.KeyDialOption(key))
	}
	if err := fetch(am.AppID, secret); err != nil {
		t.Fatalf("the application's fetch: %v", err)
	}
	if err := fetch("application_1_0099", secret); status.Code(errors.Unwrap(err)) != codes.Unauthenticated {
		t.Errorf("a fetch for another application: %v, want it refused as unauthenticated", err)
	}
	// Outsiders without the application's shuffle key do not get past
	// the TLS handshake, even with its secret to sign with: a plain-text
	// caller, the cluster's user and a NodeManager with their certificates.
	if err := fetch(am.AppID, []byte("not the secret, but 32 bytes....")); status.Code(errors.Unwrap(err)) != codes.Unavailable {
		t.Errorf("a fetch with another secret: %v, want it refused in the handshake", err)
	}
	for name, dial := range map[string]grpc.DialOption{
		"plain text":                  pki.KeyDialOption(nil),
		"the user's certificate":      pki.GRPCDialOption(c.TLS.ClientTLS),
		"a NodeManager's certificate": pki.GRPCDialOption(nm.Config().TLS),
	} {
		if err := fetchOver(am.AppID, secret, dial); status.Code(errors.Unwrap(err)) != codes.Unavailable {
			t.Errorf("a fetch over %s: %v, want it refused in the handshake", name, err)
		}
	}
	am.Finish()
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		_, err := os.Stat(shuffle.ShuffleRoot(appDir))
		return os.IsNotExist(err), "the finished application's map outputs are still on the node"
	})
	if err := fetch(am.AppID, secret); status.Code(errors.Unwrap(err)) != codes.Unavailable {
		t.Errorf("a fetch after the application ended: %v, want it refused in the handshake (its key is forgotten)", err)
	}
}
