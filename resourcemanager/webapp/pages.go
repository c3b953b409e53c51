package webapp

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

// overviewData is the cluster overview: YARN's cluster metrics table.
type overviewData struct {
	M *pb.ClusterMetrics
	// Apps counts applications by state, in YARN's order.
	Apps []stateCount
	// Lost lists the nodes in state LOST.
	Lost []*pb.NodeReport
}

type stateCount struct {
	State string
	Count int
}

// appStates are YARN's application states in the order its UI lists them.
var appStates = []pb.ApplicationState{
	pb.ApplicationState_APPLICATION_STATE_NEW, pb.ApplicationState_APPLICATION_STATE_NEW_SAVING,
	pb.ApplicationState_APPLICATION_STATE_SUBMITTED, pb.ApplicationState_APPLICATION_STATE_ACCEPTED,
	pb.ApplicationState_APPLICATION_STATE_RUNNING, pb.ApplicationState_APPLICATION_STATE_FINISHED,
	pb.ApplicationState_APPLICATION_STATE_FAILED, pb.ApplicationState_APPLICATION_STATE_KILLED,
}

func (ui *UI) overview(w http.ResponseWriter, r *http.Request) {
	apps, _ := ui.cfg.Cluster.FilterApplications(nil)
	counts := map[pb.ApplicationState]int{}
	for _, a := range apps {
		counts[a.GetState()]++
	}
	d := overviewData{M: ui.cfg.Cluster.ClusterMetrics()}
	for _, s := range appStates {
		d.Apps = append(d.Apps, stateCount{State: strings.TrimPrefix(s.String(), "APPLICATION_STATE_"), Count: counts[s]})
	}
	for _, n := range ui.cfg.Cluster.Nodes() {
		if n.GetState() == pb.NodeState_NODE_STATE_LOST {
			d.Lost = append(d.Lost, n)
		}
	}
	ui.render(w, http.StatusOK, "overview", page{Title: "Cluster overview", Nav: "overview", Data: d})
}

// appsData is the applications table with the filters that made it.
type appsData struct {
	// Apps is the page's applications; Total how many passed the filters,
	// From the number of the first on the page.
	Apps        []*pb.ApplicationReport
	Total, From int
	Page        int
	// Prev and Next link to the neighbouring pages, "" at an end.
	Prev, Next string
	Query      url.Values
	State      string
	States     []string
	Queues     []string
}

// AppsPageSize is how many applications one page of the applications
// table shows.
const AppsPageSize = 100

// pageLink is the applications page with q's filters at page n.
func pageLink(q url.Values, n int) string {
	q2 := url.Values{}
	for k, v := range q {
		q2[k] = v
	}
	q2.Set("page", strconv.Itoa(n))
	return "/cluster/apps?" + q2.Encode()
}

func (ui *UI) apps(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// YARN's /cluster/apps/RUNNING form of the state filter.
	if s := r.PathValue("state"); s != "" {
		q.Set("states", s)
	}
	// An empty field of the filter form means "any".
	for k, v := range q {
		if len(v) == 1 && strings.TrimSpace(v[0]) == "" {
			q.Del(k)
		}
	}
	pageNo := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			ui.fail(w, http.StatusBadRequest, "page "+strconv.Quote(v)+": give a page number from 1")
			return
		}
		pageNo = n
	}
	q.Del("page")
	apps, err := ui.cfg.Cluster.FilterApplications(q)
	if err != nil {
		ui.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	// Newest first, as YARN's table sorts by default, a page at a time:
	// a cluster keeps thousands of finished applications.
	slices.Reverse(apps)
	d := appsData{Total: len(apps), Query: q, State: strings.ToUpper(q.Get("states")), Page: pageNo}
	from := min((pageNo-1)*AppsPageSize, len(apps))
	to := min(from+AppsPageSize, len(apps))
	d.Apps, d.From = apps[from:to], from+1
	if pageNo > 1 {
		d.Prev = pageLink(q, pageNo-1)
	}
	if to < len(apps) {
		d.Next = pageLink(q, pageNo+1)
	}
	for _, s := range appStates {
		d.States = append(d.States, strings.TrimPrefix(s.String(), "APPLICATION_STATE_"))
	}
	for _, qi := range ui.cfg.Cluster.Queues() {
		d.Queues = append(d.Queues, qi.GetQueueName())
	}
	title := "Applications"
	if d.State != "" {
		title = d.State + " applications"
	}
	ui.render(w, http.StatusOK, "apps", page{Title: title, Nav: "apps", Data: d})
}

// appData is an application page.
type appData struct {
	App      *pb.ApplicationReport
	Attempts []attemptData
	// TrackingUI is YARN's name of where the tracking URL points.
	TrackingUI string
}

type attemptData struct {
	*pb.ApplicationAttemptReport
	Containers []*pb.ContainerReport
	// AMLogs is the AM container's log link.
	AMLogs string
}

func (ui *UI) app(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("appid")
	rep, attempts, err := ui.cfg.Cluster.Application(id)
	if err != nil {
		ui.fail(w, http.StatusNotFound, err.Error())
		return
	}
	d := appData{App: rep, TrackingUI: TrackingUI(rep)}
	// Newest attempt first, as YARN's page.
	for i := len(attempts) - 1; i >= 0; i-- {
		t := attempts[i]
		ad := attemptData{ApplicationAttemptReport: t}
		ad.Containers, _ = ui.cfg.Cluster.AttemptContainers(t.GetAttemptId())
		for _, c := range ad.Containers {
			if c.GetContainerId() == t.GetAmContainerId() {
				ad.AMLogs = c.GetLogUrl()
			}
		}
		d.Attempts = append(d.Attempts, ad)
	}
	ui.render(w, http.StatusOK, "app", page{Title: "Application " + id, Nav: "apps", Data: d})
}

// TrackingUI is YARN's trackingUI of an application: UNASSIGNED without a
// tracking URL, ApplicationMaster while it runs, History once it ended.
func TrackingUI(rep *pb.ApplicationReport) string {
	switch {
	case rep.GetTrackingUrl() == "" || rep.GetTrackingUrl() == "N/A":
		return "UNASSIGNED"
	case rep.GetFinishTimeUnixMs() == 0:
		return "ApplicationMaster"
	}
	return "History"
}

func (ui *UI) nodes(w http.ResponseWriter, r *http.Request) {
	want := map[string]bool{}
	for _, s := range strings.Split(r.URL.Query().Get("states"), ",") {
		if s = strings.ToUpper(strings.TrimSpace(s)); s != "" {
			want[s] = true
		}
	}
	var out []*pb.NodeReport
	for _, n := range ui.cfg.Cluster.Nodes() {
		if len(want) == 0 || want[strings.TrimPrefix(n.GetState().String(), "NODE_STATE_")] {
			out = append(out, n)
		}
	}
	ui.render(w, http.StatusOK, "nodes", page{Title: "Nodes", Nav: "nodes", Data: out})
}

// queueData is one queue's bars: capacity, maximum capacity and use, all
// in percent of the cluster.
type queueData struct {
	*pb.QueueInfo
	UsedOfCluster float64
}

func (ui *UI) scheduler(w http.ResponseWriter, r *http.Request) {
	total := ui.cfg.Cluster.ClusterMetrics().GetTotal().GetMemoryMb()
	var out []queueData
	for _, q := range ui.cfg.Cluster.Queues() {
		out = append(out, queueData{QueueInfo: q, UsedOfCluster: percent(q.GetUsed().GetMemoryMb(), total)})
	}
	ui.render(w, http.StatusOK, "scheduler", page{Title: "Scheduler", Nav: "scheduler", Data: out})
}
