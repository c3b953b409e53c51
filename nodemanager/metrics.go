package nodemanager

import (
	"github.com/prometheus/client_golang/prometheus"
	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// metrics are the NM's Prometheus metrics, in a registry of its own.
type metrics struct {
	registry      *prometheus.Registry
	launched      prometheus.Counter
	failed        prometheus.Counter
	memoryKills   prometheus.Counter
	launchSeconds prometheus.Histogram
}

func newMetrics(nm *NodeManager) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		launched: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "spindle_nm_containers_launched_total", Help: "Containers launched."}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "spindle_nm_containers_failed_total", Help: "Containers that failed to launch or exited non-zero."}),
		memoryKills: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "spindle_nm_containers_killed_memory_total", Help: "Containers killed for exceeding their physical memory allocation."}),
		launchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "spindle_nm_container_launch_seconds", Help: "Time from a start request to the container's process running.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
	}
	m.registry.MustRegister(m.launched, m.failed, m.memoryKills, m.launchSeconds)
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "spindle_nm_containers_running", Help: "Containers running on this node."},
		func() float64 {
			nm.mu.Lock()
			defer nm.mu.Unlock()
			n := 0
			for _, c := range nm.containers {
				if c.state == pb.ContainerState_CONTAINER_STATE_RUNNING {
					n++
				}
			}
			return float64(n)
		}))
	return m
}
