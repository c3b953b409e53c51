package shuffle

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

const testApp = "application_1700000000000_0001"

func secret(t *testing.T) []byte {
	t.Helper()
	b := make([]byte, SecretBytes)
	rand.Read(b)
	return b
}

// serve writes one map output of testApp for batch 1000, map 3, under a
// local dir and serves the dir; it returns the address and the secrets.
func serve(t *testing.T, big int) (addr, dir string, secrets *Secrets) {
	t.Helper()
	return serveWith(t, big, false)
}

// serveWith is serve over the shuffle's TLS when secure.
func serveWith(t *testing.T, big int, secure bool) (addr, dir string, secrets *Secrets) {
	t.Helper()
	dir = t.TempDir()
	w, err := NewWriter(BatchDir(filepath.Join(dir, testApp), 1000), 3, []int32{2})
	if err != nil {
		t.Fatal(err)
	}
	var pairs []Pair
	for i := range 4 {
		pairs = append(pairs, Pair{Key: strings.Repeat("k", i+1), Value: bytes.Repeat([]byte{'v'}, big)})
	}
	w.AddChunk(pairs)
	if _, err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	secrets = NewSecrets()
	srv, err := NewServer(ServerConfig{Blocks: Dirs{t.TempDir(), dir}, Secrets: secrets, RequireKey: secure})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var opts []grpc.ServerOption
	if secure {
		opts = append(opts, secrets.ServerOption(nil))
	}
	g := grpc.NewServer(opts...)
	srv.Register(g)
	go g.Serve(lis)
	t.Cleanup(g.Stop)
	return lis.Addr().String(), dir, secrets
}

func fetcher(t *testing.T, app string, secret []byte, now func() time.Time) *Fetcher {
	t.Helper()
	f, err := NewFetcher(FetcherConfig{AppID: app, Secret: secret, Now: now, Timeout: 10 * time.Second,
		DialOptions: []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

// TestServerServesBlocksToTheApplication: blocks larger than one message
// arrive whole and checked, in request order, to a fetcher holding the
// application's secret.
func TestServerServesBlocksToTheApplication(t *testing.T) {
	addr, dir, secrets := serve(t, 3*pieceBytes/2)
	s := secret(t)
	secrets.Add(testApp, s)
	ids := []BlockID{{BatchMs: 1000, Map: 3, Stage: 0, Partition: 1}, {BatchMs: 1000, Map: 3, Stage: 0, Partition: 0}}
	got, err := fetcher(t, testApp, s, nil).Fetch(context.Background(), addr, ids)
	if err != nil {
		t.Fatal(err)
	}
	data, index := MapFiles(BatchDir(filepath.Join(dir, testApp), 1000), 3)
	for i, id := range ids {
		want, err := ReadBlock(data, index, id.Stage, id.Partition)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got[i], want) {
			t.Fatalf("block %s: %d bytes, want %d", id, len(got[i]), len(want))
		}
	}
}

// TestServerRefusesOutsiders: a fetch without the application's secret,
// with another application's, for an application with no secret here, or
// made too long ago, is refused as unauthenticated and serves nothing.
func TestServerRefusesOutsiders(t *testing.T) {
	addr, _, secrets := serve(t, 10)
	s, other := secret(t), secret(t)
	secrets.Add(testApp, s)
	const otherApp = "application_1700000000000_0002"
	secrets.Add(otherApp, other)
	id := []BlockID{{BatchMs: 1000, Map: 3}}
	stale := func() time.Time { return time.Now().Add(-2 * AuthWindow) }
	for name, f := range map[string]*Fetcher{
		"wrong secret":             fetcher(t, testApp, secret(t), nil),
		"another app's secret":     fetcher(t, testApp, other, nil),
		"an app without a secret":  fetcher(t, "application_1700000000000_0003", s, nil),
		"a request made long ago":  fetcher(t, testApp, s, stale),
		"other app asking its own": fetcher(t, otherApp, other, nil),
	} {
		_, err := f.Fetch(context.Background(), addr, id)
		var fe *FetchError
		if !errors.As(err, &fe) {
			t.Fatalf("%s: %v", name, err)
		}
		want := codes.Unauthenticated
		if name == "other app asking its own" {
			want = codes.NotFound // authenticated, but the block is testApp's
		}
		if status.Code(fe.Err) != want {
			t.Errorf("%s: %v, want %v", name, fe.Err, want)
		}
	}
}

// TestServerReportsMissingAndDamagedBlocks: a block never written is
// NOT_FOUND, a damaged one DATA_LOSS, an application id that is not one
// NOT_FOUND (never a path outside the local dirs), each a FetchError that
// names the blocks not fetched.
func TestServerReportsMissingAndDamagedBlocks(t *testing.T) {
	addr, dir, secrets := serve(t, 10)
	s := secret(t)
	secrets.Add(testApp, s)
	f := fetcher(t, testApp, s, nil)
	_, err := f.Fetch(context.Background(), addr, []BlockID{{BatchMs: 1000, Map: 3}, {BatchMs: 1000, Map: 4}})
	var fe *FetchError
	if !errors.As(err, &fe) || status.Code(fe.Err) != codes.NotFound || len(fe.Blocks) != 1 || fe.Blocks[0].Map != 4 {
		t.Fatalf("missing: %v", err)
	}
	data, _ := MapFiles(BatchDir(filepath.Join(dir, testApp), 1000), 3)
	raw, _ := os.ReadFile(data)
	raw[len(raw)-1] ^= 0xff
	os.WriteFile(data, raw, 0o600)
	_, err = f.Fetch(context.Background(), addr, []BlockID{{BatchMs: 1000, Map: 3, Partition: 0}, {BatchMs: 1000, Map: 3, Partition: 1}})
	if !errors.As(err, &fe) || status.Code(fe.Err) != codes.DataLoss {
		t.Fatalf("damaged: %v", err)
	}
	const evil = "../../etc"
	secrets.Add(evil, s)
	_, err = fetcher(t, evil, s, nil).Fetch(context.Background(), addr, []BlockID{{BatchMs: 1000, Map: 3}})
	if !errors.As(err, &fe) || status.Code(fe.Err) != codes.NotFound {
		t.Fatalf("bad app id: %v", err)
	}
}

// TestRemoveApp deletes an application's map outputs and nothing else.
func TestRemoveApp(t *testing.T) {
	_, dir, _ := serve(t, 1)
	keep := filepath.Join(dir, testApp, "container_1700000000000_0001_01_000002")
	os.MkdirAll(keep, 0o750)
	if err := (Dirs{dir}).RemoveApp(testApp); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(ShuffleRoot(filepath.Join(dir, testApp))); !os.IsNotExist(err) {
		t.Fatalf("shuffle dir left: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatal(err)
	}
	if err := (Dirs{dir}).RemoveApp("../x"); err == nil {
		t.Fatal("removed outside the local dirs")
	}
}
