package resourcemanager

import (
	"bytes"
	"encoding/json"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/resourcemanager/webapp"
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

// appJSON is one application in YARN's AppInfo shape. The deselectable
// fields are pointers so that deSelects can leave them out. Spindle never
// preempts, so the preemption counts are 0.
type appJSON struct {
	ID                         string  `json:"id"`
	User                       string  `json:"user"`
	Name                       string  `json:"name"`
	Queue                      string  `json:"queue"`
	State                      string  `json:"state"`
	FinalStatus                string  `json:"finalStatus"`
	Progress                   float64 `json:"progress"`
	TrackingUI                 string  `json:"trackingUI"`
	TrackingURL                string  `json:"trackingUrl"`
	Diagnostics                string  `json:"diagnostics"`
	ClusterID                  int64   `json:"clusterId"`
	ApplicationType            string  `json:"applicationType"`
	ApplicationTags            string  `json:"applicationTags"`
	Priority                   int32   `json:"priority"`
	StartedTime                int64   `json:"startedTime"`
	LaunchTime                 int64   `json:"launchTime"`
	FinishedTime               int64   `json:"finishedTime"`
	ElapsedTime                int64   `json:"elapsedTime"`
	AMContainerLogs            string  `json:"amContainerLogs"`
	AMHostHTTPAddress          string  `json:"amHostHttpAddress"`
	AMRPCAddress               string  `json:"amRPCAddress"`
	AllocatedMB                int64   `json:"allocatedMB"`
	AllocatedVCores            int32   `json:"allocatedVCores"`
	RunningContainers          int32   `json:"runningContainers"`
	MemorySeconds              int64   `json:"memorySeconds"`
	VcoreSeconds               int64   `json:"vcoreSeconds"`
	QueueUsagePercentage       float64 `json:"queueUsagePercentage"`
	ClusterUsagePercentage     float64 `json:"clusterUsagePercentage"`
	PreemptedResourceMB        int64   `json:"preemptedResourceMB"`
	PreemptedResourceVCores    int64   `json:"preemptedResourceVCores"`
	NumNonAMContainerPreempted int32   `json:"numNonAMContainerPreempted"`
	NumAMContainerPreempted    int32   `json:"numAMContainerPreempted"`
	UnmanagedApplication       bool    `json:"unmanagedApplication"`

	AppNodeLabelExpression *string            `json:"appNodeLabelExpression,omitempty"`
	AMNodeLabelExpression  *string            `json:"amNodeLabelExpression,omitempty"`
	ResourceRequests       *[]resourceRequest `json:"resourceRequests,omitempty"`
	Timeouts               *timeoutsJSON      `json:"timeouts,omitempty"`
	ResourceInfo           *resourceInfoJSON  `json:"resourceInfo,omitempty"`
}

// resourceJSON is YARN's ResourceInfo: memory in MB and vCores.
type resourceJSON struct {
	Memory int64 `json:"memory"`
	VCores int32 `json:"vCores"`
}

func resourceInfo(r *pb.Resource) resourceJSON {
	return resourceJSON{Memory: r.GetMemoryMb(), VCores: r.GetVcores()}
}

// resourceRequest is YARN's ResourceRequestInfo, summed over an attempt's
// outstanding asks.
type resourceRequest struct {
	Priority      int32  `json:"priority"`
	ResourceName  string `json:"resourceName"`
	NumContainers int64  `json:"numContainers"`
	RelaxLocality bool   `json:"relaxLocality"`
}

// timeoutsJSON is YARN's AppTimeoutsInfo; Spindle applications have no
// lifetime limit.
type timeoutsJSON struct {
	Timeout []timeoutJSON `json:"timeout"`
}

type timeoutJSON struct {
	Type                   string `json:"type"`
	ExpiryTime             string `json:"expiryTime"`
	RemainingTimeInSeconds int64  `json:"remainingTimeInSeconds"`
}

// resourceInfoJSON is YARN's ResourcesInfo: use per node partition;
// Spindle has one, the default partition "".
type resourceInfoJSON struct {
	ResourceUsagesByPartition []partitionUsage `json:"resourceUsagesByPartition"`
}

type partitionUsage struct {
	PartitionName string       `json:"partitionName"`
	Used          resourceJSON `json:"used"`
	AMUsed        resourceJSON `json:"amUsed"`
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
	mux.HandleFunc("GET /ws/v1/cluster/apps", rm.query(rm.handleApps, AppFilterParams...))
	mux.HandleFunc("GET /ws/v1/cluster/apps/{appid}", rm.query(rm.handleApp))
	mux.HandleFunc("GET /ws/v1/cluster/apps/{appid}/appattempts", rm.query(rm.handleAppAttempts))
	mux.HandleFunc("GET /ws/v1/cluster/apps/{appid}/appattempts/{attemptid}/containers", rm.query(rm.handleAttemptContainers))
	mux.HandleFunc("GET /ws/v1/cluster/apps/{appid}/state", rm.query(rm.handleAppState))
	mux.HandleFunc("PUT /ws/v1/cluster/apps/{appid}/state", rm.query(rm.handleAppStatePut))
}

// queryList gathers a query parameter of r that may repeat and hold comma
// lists.
func queryList(r *http.Request, keys ...string) []string {
	return listParam(r.URL.Query(), keys...)
}

// FilterApplications returns the applications that pass YARN's filters in
// q, oldest first; with limit, the newest limit of them. A malformed
// filter is an error naming it.
func (rm *ResourceManager) FilterApplications(q url.Values) ([]*pb.ApplicationReport, error) {
	f, err := parseAppFilter(q)
	if err != nil {
		return nil, err
	}
	views := rm.appViews(f, false)
	out := make([]*pb.ApplicationReport, len(views))
	for i, v := range views {
		out[i] = v.report
	}
	return out, nil
}

func (rm *ResourceManager) handleApps(w http.ResponseWriter, r *http.Request) {
	f, err := parseAppFilter(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, exBadRequest, strings.TrimPrefix(err.Error(), errAppFilter.Error()+": "))
		return
	}
	views := rm.appViews(f, true)
	queues := rm.queueTotals()
	caller := callerOf(r.Context())
	var buf bytes.Buffer
	buf.Grow(len(views) * 1024)
	buf.WriteString(`{"apps":{"app":[`)
	for i, v := range views {
		if i > 0 {
			buf.WriteByte(',')
		}
		var raw []byte
		var err error
		if rm.viewable(caller, v.report.GetApplicationId()) {
			raw, err = rm.appInfoJSON(v, f.deSelects, queues)
		} else {
			raw, err = json.Marshal(rm.appInfo(redactView(v), f.deSelects, queues))
		}
		if err != nil {
			writeError(w, http.StatusInternalServerError, exWebApp, "encode "+v.report.GetApplicationId()+": "+err.Error())
			return
		}
		buf.Write(raw)
	}
	buf.WriteString("]}}\n")
	w.Header().Set("Content-Type", "application/json")
	w.Write(buf.Bytes())
}

// appInfoJSON encodes an application's AppInfo. A finished application's
// never changes, so its encoding (without deSelects) is kept: listing
// thousands of finished applications then costs a copy each.
func (rm *ResourceManager) appInfoJSON(v appView, deSelects map[string]bool, queues map[string]float64) ([]byte, error) {
	id := v.report.GetApplicationId()
	// Its tracking URL still changes once, when history finds its event
	// log; its AM container may run on after the AM unregistered.
	cacheable := len(deSelects) == 0 && v.report.GetFinishTimeUnixMs() > 0 && v.report.GetRunningContainers() == 0
	if cacheable {
		if e, ok := rm.appJSONCache.Load(id); ok && e.(cachedAppJSON).trackingURL == v.report.GetTrackingUrl() {
			return e.(cachedAppJSON).raw, nil
		}
	}
	raw, err := json.Marshal(rm.appInfo(v, deSelects, queues))
	if err == nil && cacheable {
		rm.appJSONCache.Store(id, cachedAppJSON{trackingURL: v.report.GetTrackingUrl(), raw: raw})
	}
	return raw, err
}

// cachedAppJSON is a finished application's AppInfo, valid while its
// tracking URL is trackingURL.
type cachedAppJSON struct {
	trackingURL string
	raw         []byte
}

func (rm *ResourceManager) handleApp(w http.ResponseWriter, r *http.Request) {
	v, ok := rm.lookupApp(w, r.PathValue("appid"))
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"app": rm.appInfo(v, nil, rm.queueTotals())})
}

func (rm *ResourceManager) handleAppAttempts(w http.ResponseWriter, r *http.Request) {
	v, ok := rm.lookupApp(w, r.PathValue("appid"))
	if !ok {
		return
	}
	attempts, err := rm.attemptReports(v.report.GetApplicationId())
	if err != nil {
		writeAppLookupError(w, v.report.GetApplicationId(), err)
		return
	}
	nodes := rm.nodeHTTPAddressMap()
	out := make([]appAttemptJSON, 0, len(attempts))
	for _, t := range attempts {
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
		a.LogsLink = ContainerLogsURL(rm.webScheme(), a.NodeHTTPAddress, a.ContainerID, v.report.GetUser())
		out = append(out, a)
	}
	writeJSON(w, http.StatusOK, map[string]any{"appAttempts": map[string]any{"appAttempt": out}})
}

// appView is an application's report with its current attempt's AM
// container and the use figures YARN's AppInfo adds, read in one pass.
type appView struct {
	report        *pb.ApplicationReport
	amContainer   string
	amNodeHTTP    string
	memorySeconds int64
	vcoreSeconds  int64
	amUsed        *pb.Resource
	pending       int64
}

// appViews returns the applications that pass f, oldest first (the newest
// f.limit of them when f has a limit); with usage, the figures AppInfo
// adds to the report too.
func (rm *ResourceManager) appViews(f appFilter, usage bool) []appView {
	now := time.Now()
	rm.mu.Lock()
	defer rm.mu.Unlock()
	out := make([]appView, 0, len(rm.apps))
	for _, app := range rm.apps {
		rep := rm.reportLocked(app)
		if !f.match(rep) {
			continue
		}
		if !usage {
			out = append(out, appView{report: rep})
			continue
		}
		out = append(out, rm.appViewLocked(app, rep, now))
	}
	sortViews(out)
	if f.limit > 0 && len(out) > f.limit {
		out = out[len(out)-f.limit:]
	}
	return out
}

func (rm *ResourceManager) appViewLocked(app *rmApp, rep *pb.ApplicationReport, now time.Time) appView {
	v := appView{report: rep, amUsed: &pb.Resource{}}
	for _, t := range app.attempts {
		for _, c := range t.containers {
			end := c.finishedAt
			if end.IsZero() {
				end = now
			}
			secs := int64(end.Sub(c.allocatedAt).Seconds())
			v.memorySeconds += c.c.GetResource().GetMemoryMb() * secs
			v.vcoreSeconds += int64(c.c.GetResource().GetVcores()) * secs
		}
	}
	if t := app.current(); t != nil {
		if c, ok := rm.containers[t.amContainer]; ok {
			v.amContainer = c.c.GetId()
			if n, ok := rm.nodes[c.c.GetNodeId()]; ok {
				v.amNodeHTTP = n.httpAddress
			}
			if c.state != containerCompleted {
				v.amUsed = c.c.GetResource()
			}
		}
		if !t.finished() {
			if sr, ok := rm.sched.Application(t.id); ok {
				v.pending = sr.Pending
			}
		}
	}
	return v
}

func sortViews(v []appView) {
	// Ids of one RM sort by sequence number as strings (fixed width up
	// to 9999, then longer), so compare by length first.
	less := func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return compareStrings(a, b)
	}
	slices.SortFunc(v, func(a, b appView) int { return less(a.report.GetApplicationId(), b.report.GetApplicationId()) })
}

// lookupApp validates appID and fetches its view, writing YARN's error
// body (400 for a malformed id, 404 for an unknown one) when it cannot.
func (rm *ResourceManager) lookupApp(w http.ResponseWriter, appID string) (appView, bool) {
	if _, err := ids.ParseApplicationID(appID); err != nil {
		writeError(w, http.StatusBadRequest, exBadRequest, "Invalid ApplicationId: "+appID+": "+err.Error())
		return appView{}, false
	}
	rm.mu.Lock()
	app, ok := rm.apps[appID]
	var v appView
	if ok {
		v = rm.appViewLocked(app, rm.reportLocked(app), time.Now())
	}
	rm.mu.Unlock()
	if !ok {
		writeAppLookupError(w, appID, errApp(appID))
		return appView{}, false
	}
	return v, true
}

func writeAppLookupError(w http.ResponseWriter, appID string, err error) {
	if status.Code(err) == codes.NotFound {
		writeError(w, http.StatusNotFound, exNotFound, "app with id: "+appID+" not found")
		return
	}
	writeError(w, http.StatusInternalServerError, exWebApp, status.Convert(err).Message())
}

func (rm *ResourceManager) nodeHTTPAddressMap() map[string]string {
	out := map[string]string{}
	for _, n := range rm.nodeReports() {
		out[n.GetNodeId()] = n.GetHttpAddress()
	}
	return out
}

// queueTotals maps each queue to its guaranteed memory in MB.
func (rm *ResourceManager) queueTotals() map[string]float64 {
	total, _ := rm.sched.ClusterResource()
	out := map[string]float64{}
	for _, q := range rm.sched.Queues() {
		out[q.Name] = float64(total.MemoryMB) * q.Capacity / 100
	}
	return out
}

// appInfo converts a view to YARN's AppInfo. YARN's startedTime is when
// the application was submitted and launchTime when its AM started.
func (rm *ResourceManager) appInfo(v appView, deSelects map[string]bool, queues map[string]float64) appJSON {
	rep := v.report
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
		AMHostHTTPAddress:    v.amNodeHTTP,
		AllocatedMB:          rep.GetAllocated().GetMemoryMb(),
		AllocatedVCores:      rep.GetAllocated().GetVcores(),
		RunningContainers:    rep.GetRunningContainers(),
		MemorySeconds:        v.memorySeconds,
		VcoreSeconds:         v.vcoreSeconds,
		UnmanagedApplication: rep.GetUnmanagedAm(),
	}
	a.AMContainerLogs = ContainerLogsURL(rm.webScheme(), v.amNodeHTTP, v.amContainer, rep.GetUser())
	if rep.GetHost() != "" {
		a.AMRPCAddress = net.JoinHostPort(rep.GetHost(), strconv.Itoa(int(rep.GetRpcPort())))
	}
	a.ElapsedTime = elapsed(a.StartedTime, a.FinishedTime, time.Now())
	a.TrackingUI = webapp.TrackingUI(rep)
	if cluster, _ := rm.sched.ClusterResource(); cluster.MemoryMB > 0 {
		a.ClusterUsagePercentage = round2(float64(a.AllocatedMB) / float64(cluster.MemoryMB) * 100)
	}
	if q := queues[a.Queue]; q > 0 {
		a.QueueUsagePercentage = round2(float64(a.AllocatedMB) / q * 100)
	}
	empty := ""
	if !deSelects["appNodeLabelExpression"] {
		a.AppNodeLabelExpression = &empty
	}
	if !deSelects["amNodeLabelExpression"] {
		a.AMNodeLabelExpression = &empty
	}
	if !deSelects["resourceRequests"] {
		reqs := []resourceRequest{}
		if v.pending > 0 {
			reqs = append(reqs, resourceRequest{Priority: 1, ResourceName: "*", NumContainers: v.pending, RelaxLocality: true})
		}
		a.ResourceRequests = &reqs
	}
	if !deSelects["timeouts"] {
		a.Timeouts = &timeoutsJSON{Timeout: []timeoutJSON{{Type: "LIFETIME", ExpiryTime: "UNLIMITED", RemainingTimeInSeconds: -1}}}
	}
	if !deSelects["resourceInfo"] {
		a.ResourceInfo = &resourceInfoJSON{ResourceUsagesByPartition: []partitionUsage{{
			Used: resourceInfo(rep.GetAllocated()), AMUsed: resourceInfo(v.amUsed),
		}}}
	}
	return a
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func trimEnum(name, prefix string) string { return strings.TrimPrefix(name, prefix) }

func elapsedNow(startMs, finishMs int64) int64 { return elapsed(startMs, finishMs, time.Now()) }

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
