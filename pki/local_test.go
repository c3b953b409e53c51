package pki

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCreateLocal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tls")
	l, err := CreateLocal(dir, "alice", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cert string
		role Role
	}{{l.RM, RoleResourceManager}, {l.NM, RoleNodeManager}, {l.Client, RoleClient}} {
		m, err := LoadFiles(Files{CA: l.CA, Cert: tc.cert, Key: KeyFileFor(tc.cert)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		id, err := m.Identity()
		if err != nil || id.Role != tc.role {
			t.Fatalf("%s: %+v, %v; want role %s", tc.cert, id, err, tc.role)
		}
		if tc.role != RoleClient && !id.HasHost("127.0.0.1") {
			t.Fatalf("%s is not valid for 127.0.0.1: %v", tc.cert, id.Hosts)
		}
	}
	if _, err := LoadAuthority(l.AppCA, KeyFileFor(l.AppCA)); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() == CAKeyFile {
			t.Fatal("the local CA's key was written to disk")
		}
	}
	if _, err := CreateLocal(dir, "alice", 0); err == nil {
		t.Fatal("a second local CA over the first was created")
	}
}

func TestWritePairNumbersTakenNames(t *testing.T) {
	dir := t.TempDir()
	var got []string
	for i := 0; i < 3; i++ {
		c, k, err := WritePair(dir, NMFile, []byte("cert"), []byte("key"), true)
		if err != nil {
			t.Fatal(err)
		}
		if k != KeyFileFor(c) {
			t.Fatalf("key %s beside certificate %s", k, c)
		}
		got = append(got, filepath.Base(c))
	}
	if got[0] != "spindle-nm.pem" || got[1] != "spindle-nm-1.pem" || got[2] != "spindle-nm-2.pem" {
		t.Fatalf("names %v", got)
	}
	if _, _, err := WritePair(dir, NMFile, nil, nil, false); err == nil {
		t.Fatal("a taken name was overwritten")
	}
}
