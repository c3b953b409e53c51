package resourcemanager

import (
	"net/http"
	"net/url"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/resourcemanager/webapp"
)

// webCluster is the RM as the web UI reads it.
type webCluster struct{ rm *ResourceManager }

var _ webapp.Cluster = webCluster{}

func (c webCluster) ClusterTimestamp() int64            { return c.rm.ClusterTimestamp() }
func (c webCluster) ClusterMetrics() *pb.ClusterMetrics { return c.rm.clusterMetrics() }
func (c webCluster) Nodes() []*pb.NodeReport            { return c.rm.nodeReports() }
func (c webCluster) Queues() []*pb.QueueInfo            { return c.rm.queueInfos() }

func (c webCluster) FilterApplications(q url.Values) ([]*pb.ApplicationReport, error) {
	return c.rm.FilterApplications(q)
}

func (c webCluster) Application(appID string) (*pb.ApplicationReport, []*pb.ApplicationAttemptReport, error) {
	rep, err := c.rm.applicationReport(appID)
	if err != nil {
		return nil, nil, err
	}
	attempts, err := c.rm.attemptReports(appID)
	return rep, attempts, err
}

func (c webCluster) AttemptContainers(attemptID string) ([]*pb.ContainerReport, error) {
	return c.rm.attemptContainers(attemptID)
}

// webUI builds the RM's pages, proxy and history handler.
func (rm *ResourceManager) webUI() (http.Handler, error) {
	ui, err := webapp.New(webapp.Config{
		Cluster: webCluster{rm: rm},
		Auth:    rm.webAuth,
		Logger:  rm.lg.Named("webapp"),
	})
	if err != nil {
		return nil, err
	}
	return ui.Handler(), nil
}
