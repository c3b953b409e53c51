package executor

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/pki"
	"github.com/spindlehq/spindle/shuffle"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestExecutorsMapOutputServerServesOnlyItsApplication: an executor's own
// server of its map outputs speaks the shuffle's TLS; it serves a fetcher
// of its attempt (as its StagesConfig's fetcher is), and refuses a
// plain-text caller, another application's executor, and a caller that
// signs with the secret but cannot prove it holds the attempt's key.
func TestExecutorsMapOutputServerServesOnlyItsApplication(t *testing.T) {
	const app = "application_1700000000000_0001"
	newSecret := func() []byte {
		b := make([]byte, shuffle.SecretBytes)
		rand.Read(b)
		return b
	}
	secret, other := newSecret(), newSecret()
	dir := filepath.Join(t.TempDir(), app)
	env := map[string]string{launch.EnvShuffleSecret: base64.StdEncoding.EncodeToString(secret), launch.EnvApplicationID: app,
		launch.EnvLocalDirs: dir, launch.EnvNMHost: "127.0.0.1"}
	settings, err := conf.AppConfFrom(map[string]string{conf.KeyCheckpointDir: "file://" + t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	cfg, stop, err := StartStages(context.Background(), StagesSetup{Getenv: func(k string) string { return env[k] }, Settings: settings, NetworkTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	w, err := shuffle.NewWriter(shuffle.BatchDir(dir, 1000), 0, []int32{1})
	if err != nil {
		t.Fatal(err)
	}
	w.AddChunk([]shuffle.Pair{{Key: "k", Value: []byte("v")}})
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	addr := cfg.Addresses[len(cfg.Addresses)-1]
	ids := []shuffle.BlockID{{BatchMs: 1000}}
	if _, err := cfg.Fetcher.Fetch(context.Background(), addr, ids); err != nil {
		t.Fatalf("the attempt's own fetch: %v", err)
	}
	key := func(s []byte) grpc.DialOption {
		k, err := pki.NewShuffleKey(s)
		if err != nil {
			t.Fatal(err)
		}
		return pki.KeyDialOption(k)
	}
	for _, c := range []struct {
		name   string
		app    string
		secret []byte
		dial   grpc.DialOption
		want   codes.Code
	}{
		{"plain text", app, secret, pki.KeyDialOption(nil), codes.Unavailable},
		{"another application's executor", "application_1700000000000_0002", other, key(other), codes.Unavailable},
		{"the secret without the key", app, secret, key(other), codes.Unavailable},
	} {
		f, err := shuffle.NewFetcher(shuffle.FetcherConfig{AppID: c.app, Secret: c.secret, Timeout: 5 * time.Second, DialOptions: []grpc.DialOption{c.dial}})
		if err != nil {
			t.Fatal(err)
		}
		blocks, err := f.Fetch(context.Background(), addr, ids)
		f.Close()
		if status.Code(errors.Unwrap(err)) != c.want || blocks != nil {
			t.Errorf("%s: %d blocks, %v: want refused with %v", c.name, len(blocks), err, c.want)
		}
	}
}
