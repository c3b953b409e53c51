package nodemanager

import (
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/launch"
)

// Container states of YARN's NodeManager REST API that Spindle's NMs
// report: NEW before the process starts, RUNNING, and DONE once it ended.
const (
	ContainerStateNew     = "NEW"
	ContainerStateRunning = "RUNNING"
	ContainerStateDone    = "DONE"
)

// Application states of YARN's NodeManager REST API: RUNNING while the
// application has a container here that has not ended, FINISHED after.
const (
	AppStateRunning  = "RUNNING"
	AppStateFinished = "FINISHED"
)

// webHandler serves YARN's NodeManager REST API under /ws/v1/node, /metrics
// and the container logs below ContainerLogsPath.
func (nm *NodeManager) webHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws/v1/node", nm.handleInfo)
	mux.HandleFunc("GET /ws/v1/node/info", nm.handleInfo)
	mux.HandleFunc("GET /ws/v1/node/apps", nm.handleApps)
	mux.HandleFunc("GET /ws/v1/node/apps/{appid}", nm.handleApp)
	mux.HandleFunc("GET /ws/v1/node/containers", nm.handleContainers)
	mux.HandleFunc("GET /ws/v1/node/containers/{containerid}", nm.handleContainer)
	mux.Handle("GET /metrics", promhttp.HandlerFor(nm.metrics.registry, promhttp.HandlerOpts{}))
	return nm.withContainerLogs(mux)
}

func writeJSON(w http.ResponseWriter, v any) {
	writeJSONCode(w, http.StatusOK, v)
}

func writeJSONCode(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// writeError writes YARN's RemoteException body.
func writeError(w http.ResponseWriter, code int, exception, msg string) {
	writeJSONCode(w, code, map[string]any{"RemoteException": map[string]string{
		"exception": exception, "message": msg, "javaClassName": "org.apache.hadoop.yarn.webapp." + exception,
	}})
}

func (nm *NodeManager) handleInfo(w http.ResponseWriter, r *http.Request) {
	host := nm.nodeID
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	writeJSON(w, map[string]any{"nodeInfo": map[string]any{
		"id":                             nm.nodeID,
		"nodeHostName":                   host,
		"totalPmemAllocatedContainersMB": nm.total.GetMemoryMb(),
		"totalVCoresAllocatedContainers": nm.total.GetVcores(),
		"pmemCheckEnabled":               true,
		"vmemCheckEnabled":               false,
		"healthReport":                   "",
		"nodeHealthy":                    true,
	}})
}

// containerJSON is one container in YARN's NodeManager ContainerInfo shape.
type containerJSON struct {
	ID                  string `json:"id"`
	State               string `json:"state"`
	ExitCode            int32  `json:"exitCode"`
	Diagnostics         string `json:"diagnostics"`
	User                string `json:"user"`
	TotalMemoryNeededMB int64  `json:"totalMemoryNeededMB"`
	TotalVCoresNeeded   int32  `json:"totalVCoresNeeded"`
	ContainerLogsLink   string `json:"containerLogsLink"`
	NodeID              string `json:"nodeId"`
	// Spindle's own: the process tree's resident memory and the pid.
	RSSBytes int64 `json:"rssBytes"`
	PID      int32 `json:"pid"`
}

// containerInfoLocked describes c; nm.mu must be held.
func (nm *NodeManager) containerInfoLocked(c *container) containerJSON {
	st := c.status()
	cj := containerJSON{
		ID:                  c.id,
		State:               containerStateName(st.GetState()),
		ExitCode:            launch.ExitInvalid,
		Diagnostics:         st.GetDiagnostics(),
		User:                c.ident.GetUser(),
		TotalMemoryNeededMB: st.GetResource().GetMemoryMb(),
		TotalVCoresNeeded:   st.GetResource().GetVcores(),
		ContainerLogsLink:   nm.containerLogsLink(c.id, c.ident.GetUser()),
		NodeID:              nm.nodeID,
		PID:                 st.GetPid(),
	}
	// As YARN's: the exit code is INVALID (-1000) until the container ends.
	if st.GetState() == pb.ContainerState_CONTAINER_STATE_COMPLETE {
		cj.ExitCode = st.GetExitStatus()
	}
	if u, ok := nm.monitor.Usage(c.id); ok {
		cj.RSSBytes = u
	}
	return cj
}

// containerLogsLink is YARN's link to a container's logs on this NM:
// http://<web address>/node/containerlogs/<container>/<user>.
func (nm *NodeManager) containerLogsLink(id, user string) string {
	link := nm.webScheme() + "://" + nm.Addresses().Web + ContainerLogsPath + id
	if user != "" {
		link += "/" + user
	}
	return link
}

func containerStateName(s pb.ContainerState) string {
	switch s {
	case pb.ContainerState_CONTAINER_STATE_RUNNING:
		return ContainerStateRunning
	case pb.ContainerState_CONTAINER_STATE_COMPLETE:
		return ContainerStateDone
	}
	return ContainerStateNew
}

func (nm *NodeManager) handleContainers(w http.ResponseWriter, r *http.Request) {
	nm.mu.Lock()
	out := []containerJSON{}
	for _, c := range nm.containers {
		if !nm.canViewLocked(r, appOf(c.id)) {
			continue
		}
		out = append(out, nm.containerInfoLocked(c))
	}
	nm.mu.Unlock()
	slices.SortFunc(out, func(a, b containerJSON) int { return strings.Compare(a.ID, b.ID) })
	writeJSON(w, map[string]any{"containers": map[string]any{"container": out}})
}

func (nm *NodeManager) handleContainer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("containerid")
	if _, err := ids.ParseContainerID(id); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestException", "invalid container id, "+id+": "+err.Error())
		return
	}
	nm.mu.Lock()
	c, ok := nm.containers[id]
	var cj containerJSON
	if ok {
		cj = nm.containerInfoLocked(c)
	}
	nm.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "NotFoundException", "container with id, "+id+", not found on this node (it never ran here, or ended more than 10 minutes ago)")
		return
	}
	writeJSON(w, map[string]any{"container": cj})
}

// appJSON is one application in YARN's NodeManager AppInfo shape.
type appJSON struct {
	ID           string   `json:"id"`
	State        string   `json:"state"`
	User         string   `json:"user"`
	ContainerIDs []string `json:"containerids,omitempty"`
}

// nodeApps describes the applications with containers this NM knows;
// containerids are the ones not yet ended, as YARN's.
func (nm *NodeManager) nodeApps() []appJSON {
	nm.mu.Lock()
	byID := map[string]*appJSON{}
	for id, c := range nm.containers {
		cid, err := ids.ParseContainerID(id)
		if err != nil {
			continue
		}
		appID := cid.Attempt.App.String()
		a := byID[appID]
		if a == nil {
			a = &appJSON{ID: appID, State: AppStateFinished, User: c.ident.GetUser()}
			byID[appID] = a
		}
		if c.state != pb.ContainerState_CONTAINER_STATE_COMPLETE {
			a.State = AppStateRunning
			a.ContainerIDs = append(a.ContainerIDs, id)
		}
	}
	nm.mu.Unlock()
	out := make([]appJSON, 0, len(byID))
	for _, a := range byID {
		sort.Strings(a.ContainerIDs)
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b appJSON) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// handleApps lists applications, filtered by ?state= and ?user= as YARN's;
// any other parameter, or a state the NM does not report, is a 400.
func (nm *NodeManager) handleApps(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if k != "state" && k != "user" && k != "user.name" {
			writeError(w, http.StatusBadRequest, "BadRequestException", "Unknown query parameter "+k+": /ws/v1/node/apps takes state and user")
			return
		}
	}
	state := strings.ToUpper(strings.TrimSpace(q.Get("state")))
	switch state {
	case "", AppStateRunning, AppStateFinished:
	case "NEW", "INITING", "FINISHING_CONTAINERS_WAIT", "APPLICATION_RESOURCES_CLEANINGUP":
		// YARN's states a Spindle NM passes through without reporting.
	default:
		writeError(w, http.StatusBadRequest, "BadRequestException", "Invalid application state "+q.Get("state")+": use NEW, INITING, RUNNING, FINISHING_CONTAINERS_WAIT, APPLICATION_RESOURCES_CLEANINGUP or FINISHED")
		return
	}
	user := strings.TrimSpace(q.Get("user"))
	out := []appJSON{}
	for _, a := range nm.nodeApps() {
		if (state == "" || a.State == state) && (user == "" || a.User == user) && nm.canView(r, a.ID) {
			out = append(out, a)
		}
	}
	writeJSON(w, map[string]any{"apps": map[string]any{"app": out}})
}

func (nm *NodeManager) handleApp(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("appid")
	if _, err := ids.ParseApplicationID(id); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequestException", "invalid application id, "+id+": "+err.Error())
		return
	}
	for _, a := range nm.nodeApps() {
		if a.ID == id {
			writeJSON(w, map[string]any{"app": a})
			return
		}
	}
	writeError(w, http.StatusNotFound, "NotFoundException", "app with id "+id+" not found on this node")
}

// rememberUserLocked records the user of an application; nm.mu is held.
func (nm *NodeManager) rememberUserLocked(appID, user string) {
	if nm.appUsers == nil {
		nm.appUsers = map[string]string{}
	}
	nm.appUsers[appID] = user
}

// isAppUser reports whether user ran appID's containers here.
func (nm *NodeManager) isAppUser(appID, user string) bool {
	nm.mu.Lock()
	defer nm.mu.Unlock()
	u, ok := nm.appUsers[appID]
	return ok && u != "" && u == user
}

// logListPage is a container's log listing for a browser: each file links
// to its last 4 KiB and to the whole file.
var logListPage = template.Must(template.New("logs").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Logs of {{.ID}}</title>
<style>body{font-family:sans-serif;margin:1.5em}td,th{padding:.2em .8em;text-align:left}</style></head>
<body><h1>Logs of {{.ID}}</h1><p>on node {{.Node}}</p>
<table><tr><th>file</th><th>bytes</th><th>modified</th><th></th></tr>
{{range .Files}}<tr><td><a class="logfile" href="{{$.Base}}{{.FileName}}?start=-4096">{{.FileName}}</a></td><td>{{.FileSize}}</td><td>{{.LastModifiedTime}}</td><td><a href="{{$.Base}}{{.FileName}}">whole file</a></td></tr>
{{end}}</table></body></html>
`))

func writeLogListHTML(w http.ResponseWriter, id, node string, files []ContainerLogFileInfo) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	logListPage.Execute(w, map[string]any{"ID": id, "Node": node, "Files": files, "Base": ContainerLogsPath + id + "/"})
}
