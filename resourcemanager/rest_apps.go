package resourcemanager

import (
	"math"
	"net/http"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/ids"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ApplicationStates are YARN's application states in YARN's order, the
// order `yarn application -list` prints them in.
func ApplicationStates() []pb.ApplicationState {
	out := make([]pb.ApplicationState, 0, len(pb.ApplicationState_name)-1)
	for v := int32(1); ; v++ {
		if _, ok := pb.ApplicationState_name[v]; !ok {
			return out
		}
		out = append(out, pb.ApplicationState(v))
	}
}

// ApplicationStateName is YARN's name of an application state (RUNNING,
// FINISHED, …).
func ApplicationStateName(s pb.ApplicationState) string {
	return strings.TrimPrefix(s.String(), "APPLICATION_STATE_")
}

// ParseApplicationState parses YARN's name of an application state,
// ASCII-case-insensitively.
func ParseApplicationState(name string) (pb.ApplicationState, bool) {
	name = strings.TrimSpace(name)
	for i := 0; i < len(name); i++ {
		// strings.ToUpper maps some non-ASCII letters (ı, ſ) onto ASCII ones.
		if name[i] >= 0x80 {
			return 0, false
		}
	}
	v, ok := pb.ApplicationState_value["APPLICATION_STATE_"+strings.ToUpper(name)]
	if !ok || v == 0 {
		return 0, false
	}
	return pb.ApplicationState(v), true
}

// ApplicationStateNames lists YARN's application state names, comma
// separated, for error messages.
func ApplicationStateNames() string {
	names := make([]string, 0, len(pb.ApplicationState_name))
	for _, s := range ApplicationStates() {
		names = append(names, ApplicationStateName(s))
	}
	return strings.Join(names, ", ")
}

// FinalStatusName is YARN's name of a final application status (UNDEFINED,
// SUCCEEDED, FAILED, KILLED).
func FinalStatusName(s pb.FinalApplicationStatus) string {
	return strings.TrimPrefix(s.String(), "FINAL_APPLICATION_STATUS_")
}

// AttemptStateName is YARN's name of an application attempt state (RUNNING,
// FINISHED, …).
func AttemptStateName(s pb.ApplicationAttemptState) string {
	return strings.TrimPrefix(s.String(), "APPLICATION_ATTEMPT_STATE_")
}

// appJSON is one application in YARN's /ws/v1/cluster/apps shape.
type appJSON struct {
	ID                   string  `json:"id"`
	User                 string  `json:"user"`
	Name                 string  `json:"name"`
	Queue                string  `json:"queue"`
	State                string  `json:"state"`
	FinalStatus          string  `json:"finalStatus"`
	Progress             float64 `json:"progress"`
	TrackingUI           string  `json:"trackingUI"`
	TrackingURL          string  `json:"trackingUrl"`
	Diagnostics          string  `json:"diagnostics"`
	ClusterID            int64   `json:"clusterId"`
	ApplicationType      string  `json:"applicationType"`
	ApplicationTags      string  `json:"applicationTags"`
	Priority             int32   `json:"priority"`
	StartedTime          int64   `json:"startedTime"`
	LaunchTime           int64   `json:"launchTime"`
	FinishedTime         int64   `json:"finishedTime"`
	ElapsedTime          int64   `json:"elapsedTime"`
	AMHostHTTPAddress    string  `json:"amHostHttpAddress"`
	AllocatedMB          int64   `json:"allocatedMB"`
	AllocatedVCores      int32   `json:"allocatedVCores"`
	RunningContainers    int32   `json:"runningContainers"`
	UnmanagedApplication bool    `json:"unmanagedApplication"`
}

// appAttemptJSON is one attempt in YARN's .../appattempts shape.
type appAttemptJSON struct {
	ID              int64  `json:"id"`
	StartTime       int64  `json:"startTime"`
	FinishedTime    int64  `json:"finishedTime"`
	ContainerID     string `json:"containerId"`
	NodeHTTPAddress string `json:"nodeHttpAddress"`
	NodeID          string `json:"nodeId"`
	LogsLink        string `json:"logsLink"`
	AppAttemptID    string `json:"appAttemptId"`
	AppAttemptState string `json:"appAttemptState"`
}

// registerAppRoutes serves YARN's application endpoints.
func (rm *ResourceManager) registerAppRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /ws/v1/cluster/apps", rm.handleApps)
	mux.HandleFunc("GET /ws/v1/cluster/apps/{appid}", rm.handleApp)
	mux.HandleFunc("GET /ws/v1/cluster/apps/{appid}/appattempts", rm.handleAppAttempts)
}

// queryList gathers a query parameter that may repeat and hold comma lists,
// as YARN's states and applicationTypes do; blanks are dropped.
func queryList(r *http.Request, keys ...string) []string {
	var out []string
	q := r.URL.Query()
	for _, key := range keys {
		for _, v := range q[key] {
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part != "" {
					out = append(out, part)
				}
			}
		}
	}
	return out
}

func (rm *ResourceManager) handleApps(w http.ResponseWriter, r *http.Request) {
	req := &pb.GetApplicationsRequest{}
	// "state" is YARN's older single-state parameter; it still works there.
	for _, name := range queryList(r, "states", "state") {
		st, ok := ParseApplicationState(name)
		if !ok {
			writeError(w, http.StatusBadRequest, "BadRequestException",
				"Invalid application-state "+name+" specified. It should be one of ["+ApplicationStateNames()+"]")
			return
		}
		req.States = append(req.States, st)
	}
	if q := strings.TrimSpace(r.URL.Query().Get("queue")); q != "" {
		req.Queues = []string{q}
	}
	req.ApplicationTags = queryList(r, "applicationTags")
	// YARN matches application types case-insensitively.
	var types map[string]bool
	if list := queryList(r, "applicationTypes"); len(list) > 0 {
		types = map[string]bool{}
		for _, t := range list {
			types[strings.ToLower(t)] = true
		}
	}
	reports := rm.applications(req)
	nodes := rm.nodeHTTPAddresses(reports)
	apps := make([]appJSON, 0, len(reports))
	for _, rep := range reports {
		if types != nil && !types[strings.ToLower(rep.GetApplicationType())] {
			continue
		}
		apps = append(apps, rm.appInfo(rep, nodes))
	}
	writeJSON(w, http.StatusOK, map[string]any{"apps": map[string]any{"app": apps}})
}

func (rm *ResourceManager) handleApp(w http.ResponseWriter, r *http.Request) {
	rep, ok := rm.lookupApp(w, r.PathValue("appid"))
	if !ok {
		return
	}
	reports := []*pb.ApplicationReport{rep}
	writeJSON(w, http.StatusOK, map[string]any{"app": rm.appInfo(rep, rm.nodeHTTPAddresses(reports))})
}

func (rm *ResourceManager) handleAppAttempts(w http.ResponseWriter, r *http.Request) {
	rep, ok := rm.lookupApp(w, r.PathValue("appid"))
	if !ok {
		return
	}
	attempts, err := rm.attemptReports(rep.GetApplicationId())
	if err != nil {
		writeAppLookupError(w, rep.GetApplicationId(), err)
		return
	}
	var nodes map[string]string
	out := make([]appAttemptJSON, 0, len(attempts))
	for _, t := range attempts {
		if t.GetNodeId() != "" && nodes == nil {
			nodes = rm.nodeHTTPAddressMap()
		}
		a := appAttemptJSON{
			StartTime:       t.GetStartTimeUnixMs(),
			FinishedTime:    t.GetFinishTimeUnixMs(),
			ContainerID:     t.GetAmContainerId(),
			NodeID:          t.GetNodeId(),
			NodeHTTPAddress: nodes[t.GetNodeId()],
			AppAttemptID:    t.GetAttemptId(),
			AppAttemptState: AttemptStateName(t.GetState()),
		}
		if id, err := ids.ParseAttemptID(t.GetAttemptId()); err == nil {
			a.ID = id.Attempt
		}
		if a.NodeHTTPAddress != "" && a.ContainerID != "" {
			a.LogsLink = "http://" + a.NodeHTTPAddress + "/node/containerlogs/" + a.ContainerID + "/" + rep.GetUser()
		}
		out = append(out, a)
	}
	writeJSON(w, http.StatusOK, map[string]any{"appAttempts": map[string]any{"appAttempt": out}})
}

// lookupApp validates appID and fetches its report, writing YARN's error
// body (400 for a malformed id, 404 for an unknown one) when it cannot.
func (rm *ResourceManager) lookupApp(w http.ResponseWriter, appID string) (*pb.ApplicationReport, bool) {
	if _, err := ids.ParseApplicationID(appID); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestException", "Invalid ApplicationId: "+appID+": "+err.Error())
		return nil, false
	}
	rep, err := rm.applicationReport(appID)
	if err != nil {
		writeAppLookupError(w, appID, err)
		return nil, false
	}
	return rep, true
}

func writeAppLookupError(w http.ResponseWriter, appID string, err error) {
	if status.Code(err) == codes.NotFound {
		writeError(w, http.StatusNotFound, "NotFoundException", "app with id: "+appID+" not found")
		return
	}
	writeError(w, http.StatusInternalServerError, "WebApplicationException", status.Convert(err).Message())
}

// nodeHTTPAddresses maps node ids to web addresses when an application in
// reports has an AM container on a node; unmanaged AMs have none.
func (rm *ResourceManager) nodeHTTPAddresses(reports []*pb.ApplicationReport) map[string]string {
	for _, rep := range reports {
		if !rep.GetUnmanagedAm() {
			return rm.nodeHTTPAddressMap()
		}
	}
	return nil
}

func (rm *ResourceManager) nodeHTTPAddressMap() map[string]string {
	out := map[string]string{}
	for _, n := range rm.nodeReports() {
		out[n.GetNodeId()] = n.GetHttpAddress()
	}
	return out
}

// appInfo converts a report to YARN's AppInfo. YARN's startedTime is when
// the application was submitted and launchTime when its AM started.
func (rm *ResourceManager) appInfo(rep *pb.ApplicationReport, nodes map[string]string) appJSON {
	a := appJSON{
		ID:                   rep.GetApplicationId(),
		User:                 rep.GetUser(),
		Name:                 rep.GetName(),
		Queue:                rep.GetQueue(),
		State:                ApplicationStateName(rep.GetState()),
		FinalStatus:          FinalStatusName(rep.GetFinalStatus()),
		Progress:             math.Round(float64(rep.GetProgress())*100*100) / 100,
		TrackingURL:          rep.GetTrackingUrl(),
		Diagnostics:          rep.GetDiagnostics(),
		ClusterID:            rm.ClusterTimestamp(),
		ApplicationType:      rep.GetApplicationType(),
		ApplicationTags:      strings.Join(rep.GetTags(), ","),
		Priority:             rep.GetPriority(),
		StartedTime:          rep.GetSubmitTimeUnixMs(),
		LaunchTime:           rep.GetStartTimeUnixMs(),
		FinishedTime:         rep.GetFinishTimeUnixMs(),
		AllocatedMB:          rep.GetAllocated().GetMemoryMb(),
		AllocatedVCores:      rep.GetAllocated().GetVcores(),
		RunningContainers:    rep.GetRunningContainers(),
		UnmanagedApplication: rep.GetUnmanagedAm(),
	}
	a.ElapsedTime = elapsed(a.StartedTime, a.FinishedTime, time.Now())
	switch {
	case a.TrackingURL == "" || a.TrackingURL == "N/A":
		a.TrackingUI = "UNASSIGNED"
	case a.FinishedTime == 0:
		a.TrackingUI = "ApplicationMaster"
	default:
		a.TrackingUI = "History"
	}
	if !rep.GetUnmanagedAm() && nodes != nil {
		if attempts, err := rm.attemptReports(rep.GetApplicationId()); err == nil && len(attempts) > 0 {
			a.AMHostHTTPAddress = nodes[attempts[len(attempts)-1].GetNodeId()]
		}
	}
	return a
}

// elapsed is YARN's Times.elapsed: finish − start once finished, now − start
// while running, 0 before the start.
func elapsed(startMs, finishMs int64, now time.Time) int64 {
	if startMs <= 0 {
		return 0
	}
	end := finishMs
	if end <= 0 {
		end = now.UnixMilli()
	}
	return max(end-startMs, 0)
}
