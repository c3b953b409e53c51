package ha

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spindlehq/spindle/resourcemanager/failover"
)

// identityFile in the Raft directory names the group and the RM that own
// the data, so that data copied from another cluster or another RM is
// refused before Raft reads it.
const identityFile = "cluster-id.json"

type identity struct {
	ClusterID string `json:"clusterId"`
	RMID      string `json:"rmId"`
}

// ErrForeignData is Raft data of another cluster or another RM.
var ErrForeignData = errors.New("ha: the Raft data belongs elsewhere")

func checkIdentity(cfg Config) error {
	path := filepath.Join(cfg.Dir, identityFile)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(filepath.Join(cfg.Dir, "raft.db")); serr == nil {
			return fmt.Errorf("%w: %s holds Raft data without %s: it is not this cluster's; move it away or point %s elsewhere", ErrForeignData, cfg.Dir, identityFile, KeyRaftDir)
		}
		raw, _ = json.Marshal(identity{ClusterID: cfg.ClusterID, RMID: cfg.SelfID})
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			return fmt.Errorf("ha: write %s: %w", path, err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("ha: read %s: %w", path, err)
	}
	id, err := decodeIdentity(raw)
	if err != nil {
		return fmt.Errorf("%w: %s is damaged (%v): move the directory away or point %s elsewhere", ErrForeignData, path, err, KeyRaftDir)
	}
	if id.ClusterID != cfg.ClusterID {
		return fmt.Errorf("%w: the Raft data in %s (%s) is of cluster %q, not %q (%s): point %s at this cluster's data, or move it away to start afresh", ErrForeignData, cfg.Dir, KeyRaftDir, id.ClusterID, cfg.ClusterID, KeyClusterID, KeyRaftDir)
	}
	if id.RMID != cfg.SelfID {
		return fmt.Errorf("%w: the Raft data in %s (%s) is ResourceManager %s's, not %s's (%s)", ErrForeignData, cfg.Dir, KeyRaftDir, id.RMID, cfg.SelfID, failover.KeyHAID)
	}
	return nil
}

// decodeIdentity reads an identity file; both names must be present.
func decodeIdentity(raw []byte) (identity, error) {
	var id identity
	if err := json.Unmarshal(raw, &id); err != nil {
		return id, err
	}
	if id.ClusterID == "" || id.RMID == "" {
		return id, fmt.Errorf("clusterId %q, rmId %q: both must be set", id.ClusterID, id.RMID)
	}
	return id, nil
}
