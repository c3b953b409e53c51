package resourcemanager_test

import (
	"net/http"
	"slices"
	"sort"
	"testing"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// Field names of the objects in Hadoop's ResourceManagerRest
// documentation (Hadoop 3): the app object's table, the node object's and
// the appAttempt object's, and the leaf queue's of the capacity scheduler.
var (
	hadoopAppFields = []string{
		"id", "user", "name", "queue", "state", "finalStatus", "progress", "trackingUI", "trackingUrl",
		"diagnostics", "clusterId", "applicationType", "applicationTags", "priority", "startedTime",
		"launchTime", "finishedTime", "elapsedTime", "amContainerLogs", "amHostHttpAddress", "amRPCAddress",
		"allocatedMB", "allocatedVCores", "runningContainers", "memorySeconds", "vcoreSeconds",
		"queueUsagePercentage", "clusterUsagePercentage", "preemptedResourceMB", "preemptedResourceVCores",
		"numNonAMContainerPreempted", "numAMContainerPreempted", "logAggregationStatus", "unmanagedApplication",
		"appNodeLabelExpression", "amNodeLabelExpression",
		// The fields deSelects names.
		"resourceRequests", "timeouts", "resourceInfo",
	}
	// appFieldsLeftOut are documented fields Spindle does not serve: the RM
	// does not follow log aggregation, which the NMs do on their own.
	appFieldsLeftOut = []string{"logAggregationStatus"}

	hadoopNodeFields = []string{
		"rack", "state", "id", "nodeHostName", "nodeHTTPAddress", "lastHealthUpdate", "version",
		"healthReport", "numContainers", "usedMemoryMB", "availMemoryMB", "usedVirtualCores", "availableVirtualCores",
	}
	hadoopAttemptFields = []string{
		"id", "nodeId", "nodeHttpAddress", "logsLink", "containerId", "startTime",
		"finishedTime", "appAttemptId", "appAttemptState",
	}
	hadoopLeafQueueFields = []string{
		"type", "queueName", "queuePath", "state", "capacity", "usedCapacity", "maxCapacity",
		"absoluteCapacity", "absoluteMaxCapacity", "absoluteUsedCapacity", "numApplications",
		"numActiveApplications", "numPendingApplications", "numContainers", "pendingContainers", "resourcesUsed",
	}
)

// checkFields fails unless got's keys are exactly the documented ones
// less leftOut.
func checkFields(t *testing.T, what string, got map[string]any, documented, leftOut []string) {
	t.Helper()
	var want, have []string
	for _, f := range documented {
		if !slices.Contains(leftOut, f) {
			want = append(want, f)
		}
	}
	for k := range got {
		have = append(have, k)
	}
	sort.Strings(want)
	sort.Strings(have)
	for _, f := range want {
		if !slices.Contains(have, f) {
			t.Errorf("%s: Hadoop's field %q is missing", what, f)
		}
	}
	for _, f := range have {
		if !slices.Contains(want, f) {
			t.Errorf("%s: field %q is not one of Hadoop's documented names", what, f)
		}
	}
}

func TestRESTFieldNamesMatchHadoop(t *testing.T) {
	rm := startRM(t, nil)
	addr := rm.Addresses()
	app := submitApp(t, addr.Client, &pb.ApplicationSubmissionContext{User: "alice", Queue: "etl", Name: "fields", ApplicationType: "SPARK"}, nil)
	app.register(t)

	var one struct {
		App map[string]any `json:"app"`
	}
	get(t, addr.Web, "/ws/v1/cluster/apps/"+app.id, http.StatusOK, &one)
	checkFields(t, "app", one.App, hadoopAppFields, appFieldsLeftOut)
	checkFields(t, "apps[0]", rawApps(t, addr.Web, "")[0], hadoopAppFields, appFieldsLeftOut)

	var attempts struct {
		AppAttempts struct {
			AppAttempt []map[string]any `json:"appAttempt"`
		} `json:"appAttempts"`
	}
	get(t, addr.Web, "/ws/v1/cluster/apps/"+app.id+"/appattempts", http.StatusOK, &attempts)
	if len(attempts.AppAttempts.AppAttempt) != 1 {
		t.Fatalf("attempts %v", attempts)
	}
	checkFields(t, "appAttempt", attempts.AppAttempts.AppAttempt[0], hadoopAttemptFields, nil)

	var sched struct {
		Scheduler struct {
			SchedulerInfo struct {
				Queues struct {
					Queue []map[string]any `json:"queue"`
				} `json:"queues"`
			} `json:"schedulerInfo"`
		} `json:"scheduler"`
	}
	get(t, addr.Web, "/ws/v1/cluster/scheduler", http.StatusOK, &sched)
	for _, q := range sched.Scheduler.SchedulerInfo.Queues.Queue {
		checkFields(t, "queue", q, hadoopLeafQueueFields, nil)
	}

	// A node registers through the tracker protocol.
	registerNode(t, addr.Tracker, "127.0.0.1:1")
	var nodes struct {
		Nodes struct {
			Node []map[string]any `json:"node"`
		} `json:"nodes"`
	}
	get(t, addr.Web, "/ws/v1/cluster/nodes", http.StatusOK, &nodes)
	if len(nodes.Nodes.Node) != 1 {
		t.Fatalf("nodes %v", nodes)
	}
	checkFields(t, "node", nodes.Nodes.Node[0], hadoopNodeFields, nil)
}
