package clustertest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/token"
	"google.golang.org/protobuf/proto"
)

// hunted is what a hostile job found: the files it could read and its
// environment.
type hunted struct {
	uid   string
	files map[string][]byte
	env   []string
}

// huntKeys runs the keyhunt job in a container of an unmanaged AM: it tries
// every file the NodeManager's user can read in the cluster's directory
// and the daemons' /proc entries, and prints what it read and its
// environment.
func huntKeys(t *testing.T, c *testutil.Cluster, am *testutil.AM) hunted {
	t.Helper()
	var paths []string
	filepath.WalkDir(c.Dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, p)
		}
		return nil
	})
	for _, d := range append([]*testutil.Daemon{c.RM}, c.NMs...) {
		for _, f := range []string{"environ", "cmdline", "maps", "mem"} {
			paths = append(paths, fmt.Sprintf("/proc/%d/%s", d.PID(), f))
		}
	}
	list := filepath.Join(testutil.SharedDir(t), "paths")
	if err := os.WriteFile(list, []byte(strings.Join(paths, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := am.AllocateUntil(testutil.Ask(1, 256, 0, 1), 1, 10*time.Second)
	if len(got) != 1 {
		t.Fatalf("allocated %d containers, want 1", len(got))
	}
	ct := got[0]
	am.Launch(ct, []string{testutil.KeyHuntBinary(t), "-list", list}, nil)
	am.WaitCompleted(ct.GetId(), 30*time.Second)
	nm := 0
	for i := range c.NMs {
		if c.NodeID(i) == ct.GetNodeId() {
			nm = i
		}
	}
	out := c.ContainerStdout(nm, am.AppID, ct.GetId())
	if !strings.Contains(out, "DONE tried") {
		t.Fatalf("keyhunt did not finish:\n%s", out)
	}
	h := hunted{files: map[string][]byte{}}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "UID":
			h.uid = f[1]
		case len(f) == 3 && f[0] == "READ":
			p, _ := base64.StdEncoding.DecodeString(f[1])
			raw, _ := base64.StdEncoding.DecodeString(f[2])
			h.files[string(p)] = raw
		case len(f) == 2 && f[0] == "ENV":
			kv, _ := base64.StdEncoding.DecodeString(f[1])
			h.env = append(h.env, string(kv))
		}
	}
	t.Logf("keyhunt ran as uid %s, tried %d files, read %d", h.uid, len(paths), len(h.files))
	return h
}

// clusterSecrets are the cluster's key material, as the RM keeps it (its
// state store) and as its files hold it: the test runs as the daemons'
// user and can read them all.
func clusterSecrets(t *testing.T, c *testutil.Cluster) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	raw, err := os.ReadFile(filepath.Join(c.Dir, "rm", "rm", "rmstore", "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Containers token.RollerState `json:"containerTokens"`
		Attempts   token.RollerState `json:"attemptTokens"`
		Gossip     []byte            `json:"gossip"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	for _, k := range rec.Containers.Keys {
		out[fmt.Sprintf("container token master key %d", k.ID)] = k.Secret
	}
	for _, k := range rec.Attempts.Keys {
		out[fmt.Sprintf("attempt token master key %d", k.ID)] = k.Secret
	}
	out["gossip key"] = rec.Gossip
	if len(out) < 3 {
		t.Fatalf("found only %d keys in the RM's state store", len(out))
	}
	return out
}

// leaks reports where text holds key material: a PEM private key or one of
// secrets, raw, in base64 or in hex.
func leaks(text []byte, secrets map[string][]byte) []string {
	var out []string
	if bytes.Contains(text, []byte("PRIVATE KEY")) {
		out = append(out, "a PEM private key")
	}
	for name, s := range secrets {
		for _, form := range [][]byte{s, []byte(base64.StdEncoding.EncodeToString(s)), []byte(hex.EncodeToString(s))} {
			if len(s) > 0 && bytes.Contains(text, form) {
				out = append(out, name)
				break
			}
		}
	}
	return out
}

// TestJobCannotReachTheClusterKeys: a job tries every file the
// NodeManager's user can read — the cluster's directory with the daemons'
// certificates, keys, state store and containers, and the daemons' /proc
// entries — and dumps its environment: it runs as another user (nobody)
// and finds no private key, no token master key and no gossip key.
func TestJobCannotReachTheClusterKeys(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	h := huntKeys(t, c, am)
	if h.uid == "0" || h.uid == fmt.Sprint(os.Geteuid()) {
		t.Fatalf("the job ran as uid %s, the NodeManager's user", h.uid)
	}
	secrets := clusterSecrets(t, c)
	for path, raw := range h.files {
		if l := leaks(raw, secrets); len(l) > 0 {
			t.Errorf("the job read %v from %s", l, path)
		}
	}
	if l := leaks([]byte(strings.Join(h.env, "\n")), secrets); len(l) > 0 {
		t.Errorf("the job's environment holds %v", l)
	}
	// The job did try: it read the files that are public, such as the CA
	// certificate.
	if _, ok := h.files[c.TLS.CA]; !ok {
		t.Fatalf("the job could not read even the public CA certificate %s: did it try?", c.TLS.CA)
	}
}

// TestForgedContainerTokenIsRefused: a job signs container tokens with
// every secret-sized file it could read (the cluster secret was one) and
// with keys of its own, for each key id the cluster might use: the
// NodeManager launches none of them; the token the RM signed starts the
// container.
func TestForgedContainerTokenIsRefused(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	h := huntKeys(t, c, am)
	candidates := [][]byte{[]byte("0123456789abcdef0123456789abcdef")}
	for _, raw := range h.files {
		if len(raw) >= 16 && len(raw) <= 64 {
			candidates = append(candidates, raw)
		}
	}
	got := am.AllocateUntil(testutil.Ask(1, 128, 0, 1), 1, 10*time.Second)
	if len(got) != 1 {
		t.Fatalf("allocated %d containers, want 1", len(got))
	}
	genuine := got[0]
	ident := &pb.ContainerTokenIdentifier{}
	if err := proto.Unmarshal(genuine.GetContainerToken().GetIdentifier(), ident); err != nil {
		t.Fatal(err)
	}
	// The forger asks for more than it was given.
	bigger := proto.Clone(ident).(*pb.ContainerTokenIdentifier)
	bigger.Resource.MemoryMb *= 8
	marker := filepath.Join(testutil.SharedDir(t), "forged-ran")
	forged := 0
	for _, secret := range candidates {
		for id := uint32(0); id < 4; id++ {
			signer, err := token.NewSignerWithKeys(id, []token.MasterKey{{ID: id, Secret: secret}})
			if err != nil {
				continue
			}
			tok, err := signer.SignContainer(bigger)
			if err != nil {
				t.Fatal(err)
			}
			forged++
			resp, err := am.StartContainer(genuine.GetNodeAddress(), tok, []string{"touch", marker}, nil)
			if err != nil || len(resp.GetFailed()) != 1 || resp.GetFailed()[0].GetCode() != "PermissionDenied" {
				t.Fatalf("a token forged with key id %d and a %d-byte secret: %v, %v; want PermissionDenied", id, len(secret), resp, err)
			}
		}
	}
	t.Logf("%d forged tokens refused", forged)
	logged(t, c.NMs[0], "the refused starts", "container start refused", ident.GetContainerId(), "signature does not match")
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a forged token started its container")
	}
	// The token the RM signed starts the container.
	am.Launch(genuine, []string{"touch", marker}, nil)
	waitFile(t, marker, "the genuine token's container")
}
