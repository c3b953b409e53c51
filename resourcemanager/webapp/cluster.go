package webapp

import (
	"net/url"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// Cluster is what the pages read; the ResourceManager implements it.
type Cluster interface {
	// ClusterTimestamp is the RM's start time in ms.
	ClusterTimestamp() int64
	// ClusterMetrics totals nodes, resources and applications.
	ClusterMetrics() *pb.ClusterMetrics
	// FilterApplications returns the applications that pass YARN's
	// filters in q (those of /ws/v1/cluster/apps), oldest first.
	FilterApplications(q url.Values) ([]*pb.ApplicationReport, error)
	// Application returns one application and its attempts, oldest first.
	Application(appID string) (*pb.ApplicationReport, []*pb.ApplicationAttemptReport, error)
	// AttemptContainers returns an attempt's containers.
	AttemptContainers(attemptID string) ([]*pb.ContainerReport, error)
	// Nodes returns every node the RM has seen.
	Nodes() []*pb.NodeReport
	// Queues returns every queue.
	Queues() []*pb.QueueInfo
}
