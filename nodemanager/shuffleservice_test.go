package nodemanager_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/nodemanager"
	"github.com/spindlehq/spindle/shuffle"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
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
	envFile := filepath.Join(t.TempDir(), "env")
	resp, err := am.StartContext(got[0].GetNodeAddress(), got[0].GetContainerToken(), &pb.ContainerLaunchContext{
		Command:     []string{"/bin/sh", "-c", `printf '%s\n%s\n' "$LOCAL_DIRS" "$SPINDLE_SHUFFLE_SERVICE_ADDRESS" > ` + envFile},
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

	// An executor of the application wrote a map output, and is gone.
	w, err := shuffle.NewWriter(shuffle.BatchDir(appDir, 1000), 0, []int32{1})
	if err != nil {
		t.Fatal(err)
	}
	w.AddChunk([]shuffle.Pair{{Key: "k", Value: []byte("v")}})
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	fetch := func(app string, secret []byte) error {
		f, err := shuffle.NewFetcher(shuffle.FetcherConfig{AppID: app, Secret: secret, Timeout: 10 * time.Second,
			DialOptions: []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}})
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
	if err := fetch(am.AppID, secret); err != nil {
		t.Fatalf("the application's fetch: %v", err)
	}
	for name, err := range map[string]error{
		"another secret":      fetch(am.AppID, []byte("not the secret, but 32 bytes....")),
		"another application": fetch("application_1_0099", secret),
	} {
		if status.Code(errors.Unwrap(err)) != codes.Unauthenticated {
			t.Errorf("a fetch with %s: %v, want it refused as unauthenticated", name, err)
		}
	}
	am.Finish()
	testutil.WaitFor(t, 30*time.Second, func() (bool, string) {
		_, err := os.Stat(shuffle.ShuffleRoot(appDir))
		return os.IsNotExist(err), "the finished application's map outputs are still on the node"
	})
	if err := fetch(am.AppID, secret); status.Code(errors.Unwrap(err)) != codes.Unauthenticated {
		t.Errorf("a fetch after the application ended: %v, want it refused", err)
	}
}
