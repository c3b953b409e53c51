package resourcemanager

import (
	"net/http"
)

// capacityQueueJSON is one leaf queue of YARN's capacity scheduler in
// /ws/v1/cluster/scheduler (capacitySchedulerLeafQueueInfo). Capacities
// are percentages: capacity and maxCapacity of the parent (root, here the
// cluster), usedCapacity of the queue's own capacity, and the absolute
// ones of the cluster.
type capacityQueueJSON struct {
	Type                   string       `json:"type"`
	QueueName              string       `json:"queueName"`
	QueuePath              string       `json:"queuePath"`
	State                  string       `json:"state"`
	Capacity               float64      `json:"capacity"`
	UsedCapacity           float64      `json:"usedCapacity"`
	MaxCapacity            float64      `json:"maxCapacity"`
	AbsoluteCapacity       float64      `json:"absoluteCapacity"`
	AbsoluteMaxCapacity    float64      `json:"absoluteMaxCapacity"`
	AbsoluteUsedCapacity   float64      `json:"absoluteUsedCapacity"`
	NumApplications        int          `json:"numApplications"`
	NumActiveApplications  int          `json:"numActiveApplications"`
	NumPendingApplications int          `json:"numPendingApplications"`
	NumContainers          int64        `json:"numContainers"`
	PendingContainers      int64        `json:"pendingContainers"`
	ResourcesUsed          resourceJSON `json:"resourcesUsed"`
}

func (rm *ResourceManager) registerSchedulerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /ws/v1/cluster/scheduler", rm.query(rm.handleScheduler))
}

// handleScheduler serves the capacity scheduler's queues in YARN's shape:
// root with its leaf queues.
func (rm *ResourceManager) handleScheduler(w http.ResponseWriter, r *http.Request) {
	total, used := rm.sched.ClusterResource()
	containers := rm.queueContainers()
	queues := []capacityQueueJSON{}
	for _, q := range rm.queueInfos() {
		qj := capacityQueueJSON{
			Type:                   "capacitySchedulerLeafQueueInfo",
			QueueName:              q.GetQueueName(),
			QueuePath:              "root." + q.GetQueueName(),
			State:                  "RUNNING",
			Capacity:               q.GetCapacity(),
			MaxCapacity:            q.GetMaximumCapacity(),
			AbsoluteCapacity:       q.GetCapacity(),
			AbsoluteMaxCapacity:    q.GetMaximumCapacity(),
			UsedCapacity:           q.GetCurrentCapacity(),
			NumApplications:        len(q.GetApplicationIds()),
			NumActiveApplications:  len(q.GetApplicationIds()),
			NumContainers:          containers[q.GetQueueName()],
			PendingContainers:      q.GetPendingContainers(),
			ResourcesUsed:          resourceInfo(q.GetUsed()),
			NumPendingApplications: 0,
		}
		if total.MemoryMB > 0 {
			qj.AbsoluteUsedCapacity = round2(float64(q.GetUsed().GetMemoryMb()) / float64(total.MemoryMB) * 100)
		}
		queues = append(queues, qj)
	}
	var rootUsed float64
	if total.MemoryMB > 0 {
		rootUsed = round2(float64(used.MemoryMB) / float64(total.MemoryMB) * 100)
	}
	writeJSON(w, http.StatusOK, map[string]any{"scheduler": map[string]any{"schedulerInfo": map[string]any{
		"type":         "capacityScheduler",
		"queueName":    "root",
		"capacity":     100.0,
		"maxCapacity":  100.0,
		"usedCapacity": rootUsed,
		"queues":       map[string]any{"queue": queues},
	}}})
}

// queueContainers counts the running containers of each queue.
func (rm *ResourceManager) queueContainers() map[string]int64 {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	out := map[string]int64{}
	for _, app := range rm.apps {
		t := app.current()
		if t == nil || t.finished() {
			continue
		}
		for _, c := range t.containers {
			if c.state != containerCompleted {
				out[app.ctx.GetQueue()]++
			}
		}
	}
	return out
}
