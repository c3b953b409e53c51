package membership

import (
	"crypto/rand"
	"fmt"

	"github.com/hashicorp/memberlist"
)

// Gossip is encrypted with memberlist's AES-GCM keyring. The key is the
// cluster's, made by the ResourceManager (and kept in its state store) and
// handed to each NodeManager when it registers over the authenticated
// ResourceTracker, so no configuration file holds it. A member that does
// not hold it can neither read the gossip nor be heard: it cannot declare
// a node dead or join.

// keyLen selects AES-256-GCM.
const keyLen = 32

// PlaceholderKey is a random key a member gossips with until it learns the
// cluster's (InstallKey): it talks to nobody meanwhile.
func PlaceholderKey() ([]byte, error) {
	k := make([]byte, keyLen)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("membership: gossip key: %w", err)
	}
	return k, nil
}

// encrypt makes mc encrypt and authenticate all gossip with key.
func encrypt(mc *memberlist.Config, key []byte) error {
	ring, err := memberlist.NewKeyring(nil, key)
	if err != nil {
		return fmt.Errorf("membership: gossip key: %w", err)
	}
	mc.Keyring = ring
	mc.GossipVerifyIncoming, mc.GossipVerifyOutgoing = true, true
	return nil
}

// InstallKey makes key the one the member gossips with, dropping the
// others; for a member that started with a placeholder (or an older key).
func (m *Member) InstallKey(key []byte) error {
	ring := m.ring
	if ring == nil {
		return fmt.Errorf("membership: gossip is not encrypted: start the member with a SecretKey")
	}
	if err := ring.AddKey(key); err != nil {
		return fmt.Errorf("membership: install gossip key: %w", err)
	}
	if err := ring.UseKey(key); err != nil {
		return fmt.Errorf("membership: install gossip key: %w", err)
	}
	for _, k := range ring.GetKeys() {
		if string(k) != string(key) {
			ring.RemoveKey(k)
		}
	}
	return nil
}
