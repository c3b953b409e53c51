package resourcemanager

import (
	"github.com/prometheus/client_golang/prometheus"
	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// mib is bytes per MiB: memory series are in bytes, Prometheus's base unit.
const mib = 1 << 20

// metrics are the RM's Prometheus metrics, in a registry of its own so that
// several RMs can live in one test process.
type metrics struct {
	registry            *prometheus.Registry
	containersAllocated prometheus.Counter
	containersFailed    prometheus.Counter
	nodesLost           prometheus.Counter
	appsSubmitted       prometheus.Counter
	attemptsFailed      prometheus.Counter
	haTransitions       prometheus.Counter
	appsRelaunched      prometheus.Counter
}

func newMetrics(rm *ResourceManager) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		containersAllocated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "spindle_rm_containers_allocated_total", Help: "Containers allocated by the scheduler."}),
		containersFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "spindle_rm_containers_failed_total", Help: "Containers that completed with a non-zero exit status."}),
		nodesLost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "spindle_rm_nodes_lost_total", Help: "Times a NodeManager was declared LOST."}),
		appsSubmitted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "spindle_rm_applications_submitted_total", Help: "Applications submitted."}),
		attemptsFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "spindle_rm_application_attempts_failed_total", Help: "Application attempts that failed (AM container exited or lost before unregistering)."}),
		haTransitions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "spindle_rm_ha_transitions_to_active_total", Help: "Times this ResourceManager took over as the active one of its HA group."}),
		appsRelaunched: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "spindle_rm_applications_relaunched_total", Help: "Times a supervised application (spark.driver.supervise) failed its last attempt and was set to relaunch."}),
	}
	m.registry.MustRegister(m.containersAllocated, m.containersFailed, m.nodesLost, m.appsSubmitted, m.attemptsFailed, m.haTransitions, m.appsRelaunched)
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "spindle_rm_ha_active", Help: "1 when this ResourceManager is active, 0 when standby."},
		func() float64 {
			if rm.haState() == "ACTIVE" {
				return 1
			}
			return 0
		}))
	gauge := func(name, help string, f func(*pb.ClusterMetrics) float64) {
		m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help},
			func() float64 { return f(rm.clusterMetrics()) }))
	}
	gauge("spindle_rm_nodes_active", "NodeManagers in state RUNNING.", func(c *pb.ClusterMetrics) float64 { return float64(c.GetActiveNodes()) })
	gauge("spindle_rm_nodes_lost", "NodeManagers in state LOST.", func(c *pb.ClusterMetrics) float64 { return float64(c.GetLostNodes()) })
	gauge("spindle_rm_containers_running", "Containers allocated and not completed.", func(c *pb.ClusterMetrics) float64 { return float64(c.GetContainersAllocated()) })
	gauge("spindle_rm_memory_capacity_bytes", "Memory of all RUNNING nodes.", func(c *pb.ClusterMetrics) float64 { return float64(c.GetTotal().GetMemoryMb()) * mib })
	gauge("spindle_rm_memory_allocated_bytes", "Memory allocated to containers.", func(c *pb.ClusterMetrics) float64 { return float64(c.GetAllocated().GetMemoryMb()) * mib })
	gauge("spindle_rm_vcores_capacity", "Vcores of all RUNNING nodes.", func(c *pb.ClusterMetrics) float64 { return float64(c.GetTotal().GetVcores()) })
	gauge("spindle_rm_vcores_allocated", "Vcores allocated to containers.", func(c *pb.ClusterMetrics) float64 { return float64(c.GetAllocated().GetVcores()) })
	gauge("spindle_rm_applications_running", "Applications in state RUNNING.", func(c *pb.ClusterMetrics) float64 { return float64(c.GetAppsRunning()) })
	return m
}
