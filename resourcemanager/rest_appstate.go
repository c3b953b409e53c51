package resourcemanager

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/resourcemanager/webapp"
	"go.uber.org/zap"
)

// appStateJSON is YARN's AppState: the body of GET and PUT
// /ws/v1/cluster/apps/{appid}/state.
type appStateJSON struct {
	State string `json:"state"`
}

func (rm *ResourceManager) handleAppState(w http.ResponseWriter, r *http.Request) {
	v, ok := rm.lookupApp(w, r.PathValue("appid"))
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, appStateJSON{State: ApplicationStateName(v.report.GetState())})
}

// handleAppStatePut kills an application when the body asks for state
// KILLED, as YARN's. It needs AccessModify: with a client secret
// configured, the request must carry it (webapp.ClientSecretHeader).
func (rm *ResourceManager) handleAppStatePut(w http.ResponseWriter, r *http.Request) {
	appID := r.PathValue("appid")
	if err := rm.webAuth.Authorize(r, webapp.AccessModify, appID); err != nil {
		rm.lg.Warn("web request refused", zap.String("app", appID), zap.String("remote", r.RemoteAddr), zap.Error(err))
		if errors.Is(err, webapp.ErrUnauthenticated) {
			writeError(w, http.StatusUnauthorized, exUnauthorized,
				"Unable to obtain user name, user not authenticated: send the client secret (spindle.client.secret-file), base64-encoded, in the "+webapp.ClientSecretHeader+" header")
			return
		}
		writeError(w, http.StatusForbidden, exUnauthorized, err.Error())
		return
	}
	if _, ok := rm.lookupApp(w, appID); !ok {
		return
	}
	var body appStateJSON
	dec := json.NewDecoder(io.LimitReader(r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil && !errors.Is(err, io.EOF) {
		writeError(w, http.StatusBadRequest, exBadRequest, `Invalid body: `+err.Error()+`: send {"state":"KILLED"}`)
		return
	}
	if st, ok := ParseApplicationState(body.State); !ok || st != pb.ApplicationState_APPLICATION_STATE_KILLED {
		writeError(w, http.StatusBadRequest, exBadRequest, `Only 'KILLED' is allowed as a target state (got "`+body.State+`")`)
		return
	}
	st, err := rm.killApplication(appID, "Application killed by user through the REST API.")
	if err != nil {
		writeAppLookupError(w, appID, err)
		return
	}
	rm.lg.Info("application killed through the REST API", zap.String("app", appID), zap.String("remote", r.RemoteAddr))
	writeJSON(w, http.StatusOK, appStateJSON{State: ApplicationStateName(st)})
}

// handleAttemptContainers lists an attempt's containers in YARN's
// ContainerInfo shape.
func (rm *ResourceManager) handleAttemptContainers(w http.ResponseWriter, r *http.Request) {
	v, ok := rm.lookupApp(w, r.PathValue("appid"))
	if !ok {
		return
	}
	attemptID := r.PathValue("attemptid")
	if app, err := appOfAttempt(attemptID); err != nil || app != v.report.GetApplicationId() {
		writeError(w, http.StatusBadRequest, exBadRequest, "Invalid AppAttemptId "+attemptID+": not an attempt of "+v.report.GetApplicationId())
		return
	}
	reports, err := rm.attemptContainers(attemptID)
	if err != nil {
		writeError(w, http.StatusNotFound, exNotFound, "app attempt with id: "+attemptID+" not found")
		return
	}
	out := make([]containerJSON, 0, len(reports))
	for _, c := range reports {
		out = append(out, containerInfo(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"containers": map[string]any{"container": out}})
}

// containerJSON is YARN's ContainerInfo (the RM's view of a container).
type containerJSON struct {
	ContainerID         string `json:"containerId"`
	AllocatedMB         int64  `json:"allocatedMB"`
	AllocatedVCores     int32  `json:"allocatedVCores"`
	AssignedNodeID      string `json:"assignedNodeId"`
	Priority            int32  `json:"priority"`
	StartedTime         int64  `json:"startedTime"`
	FinishedTime        int64  `json:"finishedTime"`
	ElapsedTime         int64  `json:"elapsedTime"`
	LogURL              string `json:"logUrl"`
	ContainerExitStatus int32  `json:"containerExitStatus"`
	ContainerState      string `json:"containerState"`
	NodeHTTPAddress     string `json:"nodeHttpAddress"`
	DiagnosticsInfo     string `json:"diagnosticsInfo"`
}

func containerInfo(c *pb.ContainerReport) containerJSON {
	return containerJSON{
		ContainerID:         c.GetContainerId(),
		AllocatedMB:         c.GetAllocated().GetMemoryMb(),
		AllocatedVCores:     c.GetAllocated().GetVcores(),
		AssignedNodeID:      c.GetNodeId(),
		Priority:            c.GetPriority(),
		StartedTime:         c.GetCreationTimeUnixMs(),
		FinishedTime:        c.GetFinishTimeUnixMs(),
		ElapsedTime:         elapsedNow(c.GetCreationTimeUnixMs(), c.GetFinishTimeUnixMs()),
		LogURL:              c.GetLogUrl(),
		ContainerExitStatus: c.GetExitStatus(),
		ContainerState:      ContainerStateName(c.GetState()),
		NodeHTTPAddress:     c.GetNodeHttpAddress(),
		DiagnosticsInfo:     c.GetDiagnostics(),
	}
}

// ContainerStateName is YARN's name of a container state (NEW, RUNNING,
// COMPLETE).
func ContainerStateName(s pb.ContainerState) string {
	return trimEnum(s.String(), "CONTAINER_STATE_")
}
