package token

import (
	"errors"
	"testing"
	"time"

	"github.com/spindlehq/spindle/api/spindlepb"
	"google.golang.org/protobuf/proto"
)

func TestRollerRollsAndKeepsThePreviousKey(t *testing.T) {
	rm, _ := NewSignerWithKeys(0, nil)
	nm, _ := NewSignerWithKeys(0, nil)
	r := &Roller{Signer: rm, Interval: time.Hour, Activation: time.Minute}
	t0 := time.Unix(1_700_000_000, 0)
	if err := r.Start(t0, nil); err != nil {
		t.Fatal(err)
	}
	sync := func() {
		cur, keys, _ := rm.Keys()
		if err := nm.SetKeys(cur, keys); err != nil {
			t.Fatal(err)
		}
	}
	sync()
	sign := func() *spindlepb.Token {
		tok, err := rm.SignAttempt(&spindlepb.ApplicationAttemptTokenIdentifier{AttemptId: "appattempt_1_0001_000001"})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	old := sign()
	if changed, _ := r.Tick(t0.Add(30 * time.Minute)); changed {
		t.Fatal("rolled before the interval")
	}
	// The next key is made and handed out, but does not sign yet.
	if changed, _ := r.Tick(t0.Add(time.Hour)); !changed {
		t.Fatal("no next key after the interval")
	}
	sync()
	if tok := sign(); tok.GetKeyId() != old.GetKeyId() {
		t.Fatalf("the next key signs before its activation: key %d", tok.GetKeyId())
	}
	if changed, _ := r.Tick(t0.Add(time.Hour + time.Minute)); !changed {
		t.Fatal("the next key was not activated")
	}
	rolled := sign()
	if rolled.GetKeyId() == old.GetKeyId() {
		t.Fatal("still signing with the old key")
	}
	// A verifier that learnt the next key before it signed accepts both.
	for _, tok := range []*spindlepb.Token{old, rolled} {
		if _, err := nm.VerifyAttempt(tok); err != nil {
			t.Fatalf("token of key %d: %v", tok.GetKeyId(), err)
		}
	}
	// A restarted roller goes on with the same keys.
	again, _ := NewSignerWithKeys(0, nil)
	r2 := &Roller{Signer: again, Interval: time.Hour, Activation: time.Minute}
	st := r.State()
	if err := r2.Start(t0.Add(2*time.Hour), &st); err != nil {
		t.Fatal(err)
	}
	if _, err := again.VerifyAttempt(rolled); err != nil {
		t.Fatalf("restarted signer: %v", err)
	}
	// Two rolls later the first key is gone.
	for _, at := range []time.Duration{3 * time.Hour, 3*time.Hour + time.Minute, 5 * time.Hour, 5*time.Hour + time.Minute} {
		r2.Tick(t0.Add(at))
	}
	if _, err := again.VerifyAttempt(old); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("a key rolled out twice still verifies: %v", err)
	}
	// A forged key id is refused.
	forged := proto.Clone(rolled).(*spindlepb.Token)
	forged.KeyId = 999
	if _, err := nm.VerifyAttempt(forged); !errors.Is(err, ErrForged) {
		t.Fatalf("unknown key id: %v", err)
	}
}

func TestSignerWithoutKeys(t *testing.T) {
	s, _ := NewSignerWithKeys(0, nil)
	if _, err := s.SignAttempt(&spindlepb.ApplicationAttemptTokenIdentifier{}); err == nil {
		t.Fatal("signed without a key")
	}
	if err := s.SetKeys(7, []MasterKey{{ID: 1, Secret: make([]byte, KeyLen)}}); err == nil {
		t.Fatal("a current key that is not among the keys was accepted")
	}
}
