package shuffle

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spindlehq/spindle/pki"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// keyFetcher fetches app's blocks signed with secret over a connection
// that holds key (plain text when key is nil).
func keyFetcher(t *testing.T, app string, secret []byte, key *pki.AppKey) *Fetcher {
	t.Helper()
	f, err := NewFetcher(FetcherConfig{AppID: app, Secret: secret, Timeout: 10 * time.Second,
		DialOptions: []grpc.DialOption{pki.KeyDialOption(key)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

func shuffleKey(t *testing.T, secret []byte) *pki.AppKey {
	t.Helper()
	k, err := pki.NewShuffleKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestServerOverTLSServesOnlyHoldersOfTheApplicationsKey: over the
// shuffle's TLS, a fetcher that holds the attempt's key gets its blocks; a
// plain-text caller, a caller whose key no application here has, another
// application's executor, and a caller that signs with the application's
// secret but connects with another application's key are all refused.
func TestServerOverTLSServesOnlyHoldersOfTheApplicationsKey(t *testing.T) {
	addr, _, secrets := serveWith(t, 10, true)
	s, other := secret(t), secret(t)
	secrets.Add(testApp, s)
	const otherApp = "application_1700000000000_0002"
	secrets.Add(otherApp, other)
	id := []BlockID{{BatchMs: 1000, Map: 3}}
	if _, err := keyFetcher(t, testApp, s, shuffleKey(t, s)).Fetch(context.Background(), addr, id); err != nil {
		t.Fatalf("the application's own fetch: %v", err)
	}
	for name, f := range map[string]*Fetcher{
		"plain text":                          keyFetcher(t, testApp, s, nil),
		"an unknown key":                      keyFetcher(t, testApp, s, shuffleKey(t, secret(t))),
		"another application's executor":      keyFetcher(t, testApp, other, shuffleKey(t, other)),
		"the secret over another application": keyFetcher(t, testApp, s, shuffleKey(t, other)),
	} {
		blocks, err := f.Fetch(context.Background(), addr, id)
		var fe *FetchError
		if err == nil || !errors.As(err, &fe) || blocks != nil {
			t.Errorf("%s: %d blocks, %v: want refused", name, len(blocks), err)
			continue
		}
		want := codes.Unavailable // refused in the TLS handshake
		if name == "another application's executor" || name == "the secret over another application" {
			want = codes.Unauthenticated
		}
		if status.Code(fe.Err) != want {
			t.Errorf("%s: %v, want %v", name, fe.Err, want)
		}
	}
}
