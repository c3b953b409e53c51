package token

import (
	"fmt"
	"strings"

	"github.com/spindlehq/spindle/api/spindlepb"
)

// ToPB is the signer's keys as the ResourceTracker carries them.
func (s *Signer) ToPB() *spindlepb.MasterKeys {
	current, keys, _ := s.Keys()
	out := &spindlepb.MasterKeys{Current: current, Tag: keysTag(current, keys)}
	for _, k := range keys {
		out.Keys = append(out.Keys, &spindlepb.MasterKey{KeyId: k.ID, Secret: k.Secret})
	}
	return out
}

// Tag names the signer's keys, for an NM to say which it holds.
func (s *Signer) Tag() string {
	current, keys, _ := s.Keys()
	return keysTag(current, keys)
}

// SetFromPB replaces the keys with those the ResourceTracker carried.
func (s *Signer) SetFromPB(m *spindlepb.MasterKeys) error {
	keys := make([]MasterKey, 0, len(m.GetKeys()))
	for _, k := range m.GetKeys() {
		keys = append(keys, MasterKey{ID: k.GetKeyId(), Secret: k.GetSecret()})
	}
	return s.SetKeys(m.GetCurrent(), keys)
}

// keysTag is "current:id,id,…"; it changes with every roll.
func keysTag(current uint32, keys []MasterKey) string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = fmt.Sprint(k.ID)
	}
	return fmt.Sprintf("%d:%s", current, strings.Join(ids, ","))
}
