package token

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spindlehq/spindle/api/spindlepb"
	"google.golang.org/protobuf/proto"
)

func testSigner(t *testing.T, secret string) *Signer {
	t.Helper()
	s, err := NewSigner([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyContainer(t *testing.T) {
	now := time.Now()
	s := testSigner(t, "0123456789abcdef0123456789abcdef")
	other := testSigner(t, "fedcba9876543210fedcba9876543210")
	id := &spindlepb.ContainerTokenIdentifier{
		ContainerId:  "container_1_0001_01_000002",
		NodeId:       "127.0.0.1:4545",
		Resource:     &spindlepb.Resource{MemoryMb: 1408, Vcores: 1},
		ExpiryUnixMs: now.Add(time.Minute).UnixMilli(),
	}
	good, err := s.SignContainer(id)
	if err != nil {
		t.Fatal(err)
	}
	forgedBySecret, _ := other.SignContainer(id)
	tampered := proto.Clone(good).(*spindlepb.Token)
	bigger := proto.Clone(id).(*spindlepb.ContainerTokenIdentifier)
	bigger.Resource.MemoryMb = 100000
	tampered.Identifier, _ = proto.Marshal(bigger)
	expiredID := proto.Clone(id).(*spindlepb.ContainerTokenIdentifier)
	expiredID.ExpiryUnixMs = now.Add(-time.Second).UnixMilli()
	expired, _ := s.SignContainer(expiredID)
	wrongKind, _ := s.Sign(KindAttempt, id)

	tests := []struct {
		name string
		tok  *spindlepb.Token
		node string
		want error
	}{
		{"valid", good, "127.0.0.1:4545", nil},
		{"missing", nil, "127.0.0.1:4545", ErrMissing},
		{"empty", &spindlepb.Token{}, "127.0.0.1:4545", ErrMissing},
		{"other secret", forgedBySecret, "127.0.0.1:4545", ErrForged},
		{"tampered resources", tampered, "127.0.0.1:4545", ErrForged},
		{"wrong kind", wrongKind, "127.0.0.1:4545", ErrForged},
		{"expired", expired, "127.0.0.1:4545", ErrExpired},
		{"other node", good, "127.0.0.1:9999", ErrWrongNode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.VerifyContainer(tc.tok, tc.node, now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("VerifyContainer error = %v, want %v", err, tc.want)
			}
			if tc.want == nil && got.GetResource().GetMemoryMb() != 1408 {
				t.Fatalf("identifier resource = %v, want 1408 MiB", got.GetResource())
			}
		})
	}
}

func TestVerifyAttempt(t *testing.T) {
	s := testSigner(t, "0123456789abcdef0123456789abcdef")
	tok, err := s.SignAttempt(&spindlepb.ApplicationAttemptTokenIdentifier{AttemptId: "appattempt_1_0001_000001"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.VerifyAttempt(tok)
	if err != nil || id.GetAttemptId() != "appattempt_1_0001_000001" {
		t.Fatalf("VerifyAttempt = %v, %v", id, err)
	}
	tok.Password[0] ^= 1
	if _, err := s.VerifyAttempt(tok); !errors.Is(err, ErrForged) {
		t.Fatalf("flipped bit: error = %v, want ErrForged", err)
	}
}

func TestLoadSecret(t *testing.T) {
	path := filepath.Join(t.TempDir(), "client-secret")
	if _, err := LoadSecret(path); err == nil {
		t.Fatal("LoadSecret of a missing file succeeded")
	}
	os.WriteFile(path, []byte("0123456789abcdef-secret"), 0o600)
	if got, err := LoadSecret(path); err != nil || string(got) != "0123456789abcdef-secret" {
		t.Fatalf("LoadSecret = %q, %v", got, err)
	}
	short := filepath.Join(t.TempDir(), "short")
	os.WriteFile(short, []byte("abc"), 0o600)
	if _, err := LoadSecret(short); err == nil {
		t.Fatal("a 3-byte secret was accepted")
	}
	if _, err := LoadSecret(""); err == nil {
		t.Fatal("an empty path was accepted")
	}
}
