package kafkasource

import (
	"strings"
	"testing"
)

// The example exchange of RFC 7677, section 3.
func TestSCRAMSHA256RFC7677(t *testing.T) {
	c := newSCRAMSHA256().(*scramClient)
	c.nonce = func() string { return "rOprNGfwEbeRWgbNEkqO" }
	if err := c.Begin("user", "pencil", ""); err != nil {
		t.Fatal(err)
	}
	first, err := c.Step("")
	if err != nil || first != "n,,n=user,r=rOprNGfwEbeRWgbNEkqO" {
		t.Fatalf("client-first = %q, %v", first, err)
	}
	final, err := c.Step("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
	want := "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
	if err != nil || final != want {
		t.Fatalf("client-final = %q, %v; want %q", final, err, want)
	}
	if c.Done() {
		t.Fatal("done before the server's final message")
	}
	if _, err := c.Step("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="); err != nil || !c.Done() {
		t.Fatalf("server-final: %v, done=%v", err, c.Done())
	}
}

func TestSCRAMRejectsBadServerMessages(t *testing.T) {
	for _, tc := range []struct {
		name        string
		serverFirst string
		serverFinal string
		mention     string
	}{
		{"foreign nonce", "r=other,s=c2FsdA==,i=4096", "", "nonce"},
		{"bad salt", "r=Nx,s=!!,i=4096", "", "field 's'"},
		{"too few iterations", "r=Nx,s=c2FsdA==,i=16", "", "iterations"},
		{"huge iterations", "r=Nx,s=c2FsdA==,i=999999999", "", "999999999 iterations"},
		{"server error", "e=unknown-user", "", "unknown-user"},
		{"wrong signature", "r=Nx,s=c2FsdA==,i=4096", "v=AAAA", "server validation failed"},
		{"final error", "r=Nx,s=c2FsdA==,i=4096", "e=invalid-proof", "invalid-proof"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newSCRAMSHA512().(*scramClient)
			c.nonce = func() string { return "N" }
			if err := c.Begin("u,=", "p", "admin"); err != nil {
				t.Fatal(err)
			}
			first, _ := c.Step("")
			if first != "n,a=admin,n=u=2C=3D,r=N" {
				t.Fatalf("client-first = %q, want escaped names", first)
			}
			_, err := c.Step(tc.serverFirst)
			if err == nil && tc.serverFinal != "" {
				_, err = c.Step(tc.serverFinal)
			}
			if err == nil || !strings.Contains(err.Error(), tc.mention) || !strings.HasPrefix(err.Error(), "scram: ") {
				t.Fatalf("error = %v, want one from SCRAM mentioning %q", err, tc.mention)
			}
		})
	}
}

func FuzzSCRAMServerMessages(f *testing.F) {
	f.Add("r=Nabc,s=c2FsdA==,i=4096", "v=AAAA")
	f.Add("e=other-error", "")
	f.Add("r=N,s=,i=", "v=")
	f.Fuzz(func(t *testing.T, serverFirst, serverFinal string) {
		c := newSCRAMSHA256().(*scramClient)
		c.nonce = func() string { return "N" }
		if err := c.Begin("user", "pencil", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Step(""); err != nil {
			t.Fatal(err)
		}
		final, err := c.Step(serverFirst)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "scram: ") {
				t.Fatalf("error %q does not say it is from SCRAM", err)
			}
			return
		}
		if !strings.HasPrefix(final, "c=biws,r=N") || !strings.Contains(final, ",p=") {
			t.Fatalf("client-final %q is malformed", final)
		}
		// A random server signature must never be accepted.
		if _, err := c.Step(serverFinal); err == nil {
			t.Fatalf("server-final %q accepted without the right signature", serverFinal)
		}
	})
}
