package testutil

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/spindlehq/spindle/token"
)

// ContainerTokenSigner signs with the RM's container token master keys, as
// it keeps them in its state store: for tests that need a token only the
// RM could have signed (one already expired, say). Only the RM's user can
// read the file; the tests run as that user.
func (c *Cluster) ContainerTokenSigner() *token.Signer {
	c.tb.Helper()
	raw, err := os.ReadFile(filepath.Join(c.Dir, "rm", "rm", "rmstore", "keys.json"))
	if err != nil {
		c.tb.Fatalf("the RM's token keys: %v", err)
	}
	var rec struct {
		Containers token.RollerState `json:"containerTokens"`
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		c.tb.Fatalf("the RM's token keys: %v", err)
	}
	s, err := token.NewSignerWithKeys(rec.Containers.Current, rec.Containers.Keys)
	if err != nil {
		c.tb.Fatal(err)
	}
	return s
}
