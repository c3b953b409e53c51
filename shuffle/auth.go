package shuffle

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/pki"
)

// AuthWindow is how far a fetch request's time may be from the server's
// clock.
const AuthWindow = 5 * time.Minute

// maxSecretsPerApp bounds the secrets kept for one application: each
// attempt of an application may bring its own.
const maxSecretsPerApp = 4

// SecretBytes is the size of an application's shuffle secret.
const SecretBytes = 32

// ServiceName is the auxiliary service's name in
// yarn.nodemanager.aux-services and the key of its service data in a
// container's launch context, as Spark's YarnShuffleService.
const ServiceName = "spark_shuffle"

// authContext separates these MACs from any other use of the secret.
const authContext = "spindle shuffle fetch v1\n"

// Sign returns the HMAC-SHA256 that authenticates req under secret: over
// the application, the request's time and its blocks.
func Sign(secret []byte, req *pb.FetchBlocksRequest) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(authContext))
	mac.Write([]byte(req.GetAppId()))
	var b []byte
	b = binary.BigEndian.AppendUint32(b, uint32(len(req.GetAppId())))
	b = binary.BigEndian.AppendUint64(b, uint64(req.GetIssuedUnixMs()))
	for _, id := range req.GetBlocks() {
		b = binary.BigEndian.AppendUint64(b, uint64(id.GetBatchMs()))
		b = binary.BigEndian.AppendUint32(b, uint32(id.GetMapIndex()))
		b = binary.BigEndian.AppendUint32(b, uint32(id.GetStage()))
		b = binary.BigEndian.AppendUint32(b, uint32(id.GetPartition()))
	}
	mac.Write(b)
	return mac.Sum(nil)
}

// Secrets are the shuffle secrets of the applications a service serves,
// as the NodeManager learns them from the service data of their
// containers' launch contexts, and the TLS keys derived from them.
type Secrets struct {
	mu    sync.Mutex
	byApp map[string][]secretKey
}

// secretKey is one attempt's secret and the TLS key derived from it.
type secretKey struct {
	secret []byte
	key    *pki.AppKey
}

// NewSecrets returns an empty set.
func NewSecrets() *Secrets { return &Secrets{byApp: map[string][]secretKey{}} }

// Add records a secret of appID; the oldest of more than a few is
// forgotten.
func (s *Secrets) Add(appID string, secret []byte) error {
	if len(secret) < SecretBytes {
		return fmt.Errorf("shuffle: a secret of %d bytes for %s; want %d", len(secret), appID, SecretBytes)
	}
	s.mu.Lock()
	for _, old := range s.byApp[appID] {
		if hmac.Equal(old.secret, secret) {
			s.mu.Unlock()
			return nil
		}
	}
	s.mu.Unlock()
	key, err := pki.NewShuffleKey(secret)
	if err != nil {
		return fmt.Errorf("shuffle: key of %s: %w", appID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := append([]secretKey{{secret: append([]byte(nil), secret...), key: key}}, s.byApp[appID]...)
	s.byApp[appID] = list[:min(len(list), maxSecretsPerApp)]
	return nil
}

// Remove forgets appID's secrets.
func (s *Secrets) Remove(appID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byApp, appID)
}

// Key returns the key a fetcher names in its TLS handshake, nil when no
// application served here has it.
func (s *Secrets) Key(serverName string) *pki.AppKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, list := range s.byApp {
		for _, e := range list {
			if e.key.ServerName() == serverName {
				return e.key
			}
		}
	}
	return nil
}

// HeldBy checks that a caller's TLS handshake proved it holds a key of
// appID; errors wrap ErrUnauthenticated.
func (s *Secrets) HeldBy(ctx context.Context, appID string) error {
	s.mu.Lock()
	list := s.byApp[appID]
	s.mu.Unlock()
	for _, e := range list {
		if e.key.HeldBy(ctx) {
			return nil
		}
	}
	return fmt.Errorf("%w: the connection is not %s's (its TLS key is another application's or none)", ErrUnauthenticated, appID)
}

// Verify checks that req is signed with a secret of its application and
// made within AuthWindow of now; errors wrap ErrUnauthenticated.
func (s *Secrets) Verify(req *pb.FetchBlocksRequest, now time.Time) error {
	issued := time.UnixMilli(req.GetIssuedUnixMs())
	if d := now.Sub(issued); d > AuthWindow || d < -AuthWindow {
		return fmt.Errorf("%w: the request was made at %s, more than %v from this server's clock", ErrUnauthenticated, issued.UTC().Format(time.RFC3339), AuthWindow)
	}
	s.mu.Lock()
	list := s.byApp[req.GetAppId()]
	s.mu.Unlock()
	for _, e := range list {
		if hmac.Equal(Sign(e.secret, req), req.GetAuth()) {
			return nil
		}
	}
	if len(list) == 0 {
		return fmt.Errorf("%w: no executor of %s has started on this node", ErrUnauthenticated, req.GetAppId())
	}
	return fmt.Errorf("%w: %s", ErrUnauthenticated, req.GetAppId())
}
