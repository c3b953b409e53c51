package resourcemanager

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/token"
	"go.uber.org/zap"
)

// keysFile, in the state store, keeps the token master keys and the gossip
// key across restarts. Nothing else holds them: the RM keeps them in
// memory, NMs get the container token keys and the gossip key over the
// authenticated ResourceTracker, and no file a container can read has
// them.
const keysFile = "keys.json"

// gossipKeyLen selects AES-256-GCM for memberlist.
const gossipKeyLen = 32

// keysRecordVersion is the format of keysFile.
const keysRecordVersion = 1

// keysRecord is keysFile's content.
type keysRecord struct {
	Version    int               `json:"version"`
	Containers token.RollerState `json:"containerTokens"`
	Attempts   token.RollerState `json:"attemptTokens"`
	Gossip     []byte            `json:"gossip,omitempty"`
}

// activationDelay is how long a next container token key is handed out
// before it signs, as YARN's: 1.5 × the node expiry, by which every live
// NM has heartbeated.
func (c Config) activationDelay() time.Duration { return c.NodeExpiry * 3 / 2 }

// newKeys makes the RM's signers and their rollers, holding no key yet.
func (rm *ResourceManager) newKeys() {
	rm.signer, _ = token.NewSignerWithKeys(0, nil)
	rm.attemptSigner, _ = token.NewSignerWithKeys(0, nil)
	rm.containerKeys = &token.Roller{Signer: rm.signer, Interval: rm.cfg.ContainerKeyRolling, Activation: rm.cfg.activationDelay()}
	// Attempt tokens are checked by the RM alone: a new key signs at once.
	rm.attemptKeys = &token.Roller{Signer: rm.attemptSigner, Interval: rm.cfg.AttemptKeyRolling}
}

// loadKeys takes the keys of an earlier run (or of the group's earlier
// actives) from the state store, or makes new ones, and keeps them there.
func (rm *ResourceManager) loadKeys(ctx context.Context) error {
	var rec keysRecord
	if rm.state != nil {
		raw, err := rm.state.readKeys(ctx)
		switch {
		case err != nil:
			return fmt.Errorf("resourcemanager: read the token keys from the state store: %w", err)
		case raw != nil:
			if err := json.Unmarshal(raw, &rec); err != nil || rec.Version != keysRecordVersion {
				return fmt.Errorf("resourcemanager: token keys in the state store (%s) do not read (version %d, %v): restore the file, or remove it to start with new keys, which ends every running application's tokens", keysFile, rec.Version, err)
			}
		}
	}
	now := time.Now()
	if err := rm.containerKeys.Start(now, &rec.Containers); err != nil {
		return err
	}
	if err := rm.attemptKeys.Start(now, &rec.Attempts); err != nil {
		return err
	}
	rm.gossipKey = rec.Gossip
	if rm.plaintext() {
		rm.gossipKey = nil
	} else if len(rm.gossipKey) != gossipKeyLen {
		rm.gossipKey = make([]byte, gossipKeyLen)
		if _, err := rand.Read(rm.gossipKey); err != nil {
			return fmt.Errorf("resourcemanager: gossip key: %w", err)
		}
	}
	return rm.saveKeys(ctx)
}

// saveKeys writes the keys to the state store, when there is one.
func (rm *ResourceManager) saveKeys(ctx context.Context) error {
	if rm.state == nil {
		return nil
	}
	raw, err := json.Marshal(keysRecord{Version: keysRecordVersion, Containers: rm.containerKeys.State(), Attempts: rm.attemptKeys.State(), Gossip: rm.gossipKey})
	if err != nil {
		return err
	}
	if err := rm.state.writeKeys(ctx, raw); err != nil {
		return fmt.Errorf("resourcemanager: keep the token keys in the state store: %w", err)
	}
	return nil
}

// rollKeys rolls the token master keys on their schedule.
func (rm *ResourceManager) rollKeys(ctx context.Context) {
	tick := time.NewTicker(min(rm.cfg.activationDelay()/4, time.Second))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if rm.haState() != "ACTIVE" {
			continue // a standby takes the group's keys when it becomes active
		}
		changed := false
		for _, r := range []*token.Roller{rm.containerKeys, rm.attemptKeys} {
			c, err := r.Tick(time.Now())
			if err != nil {
				rm.lg.Error("roll token master keys", zap.Error(err))
			}
			changed = changed || c
		}
		if !changed {
			continue
		}
		current, _, _ := rm.signer.Keys()
		rm.lg.Info("token master keys rolled", zap.String("containerKeys", rm.signer.Tag()), zap.Uint32("signingContainerKey", current))
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		if err := rm.saveKeys(sctx); err != nil {
			rm.lg.Error("keep rolled token keys", zap.Error(err))
		}
		cancel()
	}
}

// protectStateDir makes a file:// state store readable by the RM's user
// only: it holds the token keys, attempt tokens and applications' secrets.
func protectStateDir(uri string) error {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return nil
	}
	if err := os.MkdirAll(u.Path, 0o700); err != nil {
		return err
	}
	return os.Chmod(u.Path, 0o700)
}

// renewAttemptTokenLocked signs t's token again when the attempt token
// master key it was signed with no longer signs, and returns the new token
// for the AM; nil when the token is current.
func (rm *ResourceManager) renewAttemptTokenLocked(t *rmAttempt) *pb.Token {
	current, _, _ := rm.attemptSigner.Keys()
	if t.token.GetKeyId() == current {
		return nil
	}
	id, err := rm.attemptSigner.VerifyAttempt(t.token)
	if err == nil {
		var tok *pb.Token
		if tok, err = rm.attemptSigner.SignAttempt(id); err == nil {
			t.token = tok
			rm.persistLocked(t.app)
			rm.lg.Info("attempt token renewed with the current master key", zap.String("attempt", t.id), zap.Uint32("key", current))
			return tok
		}
	}
	rm.lg.Error("renew attempt token", zap.String("attempt", t.id), zap.Error(err))
	return nil
}
