package resourcemanager

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/resourcemanager/ha"
	"go.uber.org/zap"
)

// raftAppStore keeps applications in the group's replicated state, in the
// same records as the file state store.
type raftAppStore struct{ node *ha.Node }

func (s *raftAppStore) save(ctx context.Context, appID string, raw []byte) error {
	return s.node.Put(ctx, ha.TableApps, appID, raw)
}

func (s *raftAppStore) load(ctx context.Context) ([]*rmApp, error) {
	var apps []*rmApp
	for id, raw := range s.node.List(ha.TableApps) {
		app, err := fromRecord(raw)
		if err != nil {
			return nil, fmt.Errorf("resourcemanager: replicated state of %s: %w", id, err)
		}
		apps = append(apps, app)
	}
	return apps, nil
}

func (s *raftAppStore) close() error { return nil }

func (s *raftAppStore) readKeys(context.Context) ([]byte, error) {
	raw, _ := s.node.Get(ha.TableSecrets, ha.SecretKeys)
	return raw, nil
}

func (s *raftAppStore) writeKeys(ctx context.Context, raw []byte) error {
	return s.node.Put(ctx, ha.TableSecrets, ha.SecretKeys, raw)
}

// nodeRecord is a NodeManager as the group remembers it, so that a new
// active RM knows the cluster's nodes before they register again and
// declares LOST those that never do.
type nodeRecord struct {
	HTTPAddress string `json:"httpAddress,omitempty"`
	MemoryMB    int64  `json:"memoryMb"`
	VCores      int32  `json:"vcores"`
}

// recordNodeLocked replicates a node's registration.
func (rm *ResourceManager) recordNodeLocked(n *rmNode) {
	if rm.ha == nil || rm.ha.node == nil {
		return
	}
	raw, _ := json.Marshal(nodeRecord{HTTPAddress: n.httpAddress, MemoryMB: n.total.GetMemoryMb(), VCores: n.total.GetVcores()})
	rm.replicateLocked(ha.Command{Op: ha.OpPut, Table: ha.TableNodes, Key: n.id, Value: raw})
}

// forgetNodeLocked replicates a node's leaving for good.
func (rm *ResourceManager) forgetNodeLocked(id string) {
	if rm.ha == nil || rm.ha.node == nil {
		return
	}
	rm.replicateLocked(ha.Command{Op: ha.OpDelete, Table: ha.TableNodes, Key: id})
}

func (rm *ResourceManager) replicateLocked(cmd ha.Command) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := rm.ha.node.Apply(ctx, cmd); err != nil {
		rm.lg.Warn("replicate node state", zap.String("node", cmd.Key), zap.Error(err))
		rm.writeFailedLocked(err)
	}
}

// loadNodesLocked makes the group's known nodes NEW until they register
// again with this RM.
func (rm *ResourceManager) loadNodesLocked(now time.Time) {
	for id, raw := range rm.ha.node.List(ha.TableNodes) {
		var r nodeRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			rm.lg.Warn("replicated node record", zap.String("node", id), zap.Error(err))
			continue
		}
		if _, ok := rm.nodes[id]; ok {
			continue
		}
		rm.nodes[id] = &rmNode{id: id, httpAddress: r.HTTPAddress, state: pb.NodeState_NODE_STATE_NEW,
			total: &pb.Resource{MemoryMb: r.MemoryMB, Vcores: r.VCores}, lastHeartbeat: now, apps: map[string]bool{}, held: map[string]*rmContainer{}}
	}
}

// expireUnreturnedLocked declares LOST the nodes a new active RM knew of
// that did not register again within the node expiry.
func (rm *ResourceManager) expireUnreturnedLocked(now time.Time) {
	for _, n := range rm.nodes {
		if n.state == pb.NodeState_NODE_STATE_NEW && now.Sub(n.lastHeartbeat) > rm.cfg.NodeExpiry {
			n.state = pb.NodeState_NODE_STATE_LOST
			rm.metrics.nodesLost.Inc()
			rm.lg.Warn("node lost", zap.String("node", n.id), zap.String("reason", "did not register again with the new active resourcemanager"))
		}
	}
}

// forgetLocked undoes an application that could not be kept.
func (rm *ResourceManager) forgetLocked(app *rmApp) {
	delete(rm.apps, app.id)
	for _, t := range app.attempts {
		delete(rm.attempts, t.id)
		rm.sched.RemoveApplication(t.id)
	}
}
