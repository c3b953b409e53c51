package resourcemanager_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/resourcemanager"
)

// restApp holds the fields of YARN's AppInfo the tests check.
type restApp struct {
	ID                   string  `json:"id"`
	User                 string  `json:"user"`
	Name                 string  `json:"name"`
	Queue                string  `json:"queue"`
	State                string  `json:"state"`
	FinalStatus          string  `json:"finalStatus"`
	Progress             float64 `json:"progress"`
	TrackingUI           string  `json:"trackingUI"`
	TrackingURL          *string `json:"trackingUrl"`
	Diagnostics          *string `json:"diagnostics"`
	ClusterID            int64   `json:"clusterId"`
	ApplicationType      *string `json:"applicationType"`
	ApplicationTags      *string `json:"applicationTags"`
	StartedTime          int64   `json:"startedTime"`
	LaunchTime           int64   `json:"launchTime"`
	FinishedTime         int64   `json:"finishedTime"`
	ElapsedTime          int64   `json:"elapsedTime"`
	AMHostHTTPAddress    *string `json:"amHostHttpAddress"`
	AllocatedMB          *int64  `json:"allocatedMB"`
	AllocatedVCores      *int32  `json:"allocatedVCores"`
	RunningContainers    *int32  `json:"runningContainers"`
	UnmanagedApplication bool    `json:"unmanagedApplication"`
}

type restAttempt struct {
	ID              int64   `json:"id"`
	StartTime       int64   `json:"startTime"`
	FinishedTime    int64   `json:"finishedTime"`
	ContainerID     *string `json:"containerId"`
	NodeHTTPAddress *string `json:"nodeHttpAddress"`
	NodeID          *string `json:"nodeId"`
	LogsLink        *string `json:"logsLink"`
	AppAttemptID    string  `json:"appAttemptId"`
	AppAttemptState string  `json:"appAttemptState"`
}

type remoteException struct {
	RemoteException struct {
		Exception     string `json:"exception"`
		Message       string `json:"message"`
		JavaClassName string `json:"javaClassName"`
	} `json:"RemoteException"`
}

// get fetches path from the RM's web address and decodes the body into v.
func get(t *testing.T, base, path string, wantCode int, v any) {
	t.Helper()
	resp, err := testutil.HTTPClient(t, base).Get(testutil.URL(base, path))
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", path, err)
	}
	if resp.StatusCode != wantCode {
		t.Fatalf("GET %s: status %d, want %d; body:\n%s", path, resp.StatusCode, wantCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s: Content-Type %q, want application/json", path, ct)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: decode %s: %v", path, body, err)
	}
}

func appIDs(apps []restApp) []string {
	out := make([]string, 0, len(apps))
	for _, a := range apps {
		out = append(out, a.ID)
	}
	return out
}

// submitTyped submits an unmanaged application of type Spark that never
// registers an AM, so it stays ACCEPTED.
func submitTyped(t *testing.T, rmAddr string) string {
	t.Helper()
	client := pb.NewApplicationClientClient(testutil.Dial(t, rmAddr))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := client.GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
	if err != nil {
		t.Fatalf("GetNewApplication: %v", err)
	}
	id := resp.GetApplicationId()
	if _, err := client.SubmitApplication(ctx, &pb.SubmitApplicationRequest{Context: &pb.ApplicationSubmissionContext{
		ApplicationId: id, Name: "typed", Queue: "default", ApplicationType: "Spark", UnmanagedAm: true, User: "alice",
		Tags: []string{"streaming", "prod"},
	}}); err != nil {
		t.Fatalf("SubmitApplication %s: %v", id, err)
	}
	return id
}

func TestRESTApplications(t *testing.T) {
	c := testutil.StartInProcess(t, 0, 1024, 1)
	addrs := c.RM.Addresses()
	running := testutil.NewUnmanagedAM(t, addrs.Client, "default")
	finished := testutil.NewUnmanagedAM(t, addrs.Client, "default")
	finished.Finish()
	typed := submitTyped(t, addrs.Client)
	web := addrs.Web

	listApps := func(t *testing.T, query string) []restApp {
		t.Helper()
		var body struct {
			Apps *struct {
				App []restApp `json:"app"`
			} `json:"apps"`
		}
		get(t, web, "/ws/v1/cluster/apps"+query, http.StatusOK, &body)
		if body.Apps == nil {
			t.Fatalf("GET apps%s: no \"apps\" object", query)
		}
		return body.Apps.App
	}

	t.Run("list", func(t *testing.T) {
		apps := listApps(t, "")
		if got, want := appIDs(apps), []string{running.AppID, finished.AppID, typed}; !slices.Equal(got, want) {
			t.Fatalf("apps %v, want %v", got, want)
		}
		r, f, ty := apps[0], apps[1], apps[2]
		if ty.State != "ACCEPTED" || ty.ApplicationType == nil || *ty.ApplicationType != "Spark" ||
			ty.ApplicationTags == nil || *ty.ApplicationTags != "streaming,prod" || ty.User != testutil.TestUser() || ty.LaunchTime != 0 {
			t.Errorf("typed app %+v: want ACCEPTED, type Spark, tags streaming,prod, the submitting user, not launched", ty)
		}
		apps = apps[:2]
		if r.State != "RUNNING" || r.FinalStatus != "UNDEFINED" {
			t.Errorf("running app: state %s finalStatus %s, want RUNNING UNDEFINED", r.State, r.FinalStatus)
		}
		if f.State != "FINISHED" || f.FinalStatus != "SUCCEEDED" {
			t.Errorf("finished app: state %s finalStatus %s, want FINISHED SUCCEEDED", f.State, f.FinalStatus)
		}
		for _, a := range apps {
			if a.User != testutil.TestUser() || a.Queue != "default" || a.Name != "TestRESTApplications" {
				t.Errorf("%s: user %q queue %q name %q, want the submitting user, default, TestRESTApplications", a.ID, a.User, a.Queue, a.Name)
			}
			if a.ClusterID != c.RM.ClusterTimestamp() {
				t.Errorf("%s: clusterId %d, want %d", a.ID, a.ClusterID, c.RM.ClusterTimestamp())
			}
			if !a.UnmanagedApplication {
				t.Errorf("%s: unmanagedApplication false, want true", a.ID)
			}
			if a.StartedTime <= 0 || a.LaunchTime < a.StartedTime {
				t.Errorf("%s: startedTime %d launchTime %d, want 0 < startedTime <= launchTime", a.ID, a.StartedTime, a.LaunchTime)
			}
			if a.TrackingUI != "UNASSIGNED" {
				t.Errorf("%s: trackingUI %q, want UNASSIGNED (no tracking URL)", a.ID, a.TrackingUI)
			}
			if a.TrackingURL == nil || a.Diagnostics == nil || a.ApplicationType == nil || a.ApplicationTags == nil ||
				a.AMHostHTTPAddress == nil || a.AllocatedMB == nil || a.AllocatedVCores == nil || a.RunningContainers == nil {
				t.Errorf("%s: a YARN field is missing: %+v", a.ID, a)
			}
		}
		if r.FinishedTime != 0 {
			t.Errorf("running app: finishedTime %d, want 0", r.FinishedTime)
		}
		if f.FinishedTime < f.LaunchTime || f.ElapsedTime != f.FinishedTime-f.StartedTime {
			t.Errorf("finished app: startedTime %d launchTime %d finishedTime %d elapsedTime %d: want elapsed = finished − started",
				f.StartedTime, f.LaunchTime, f.FinishedTime, f.ElapsedTime)
		}
		if r.ElapsedTime < 0 || r.ElapsedTime > time.Since(time.UnixMilli(r.StartedTime)).Milliseconds()+1 {
			t.Errorf("running app: elapsedTime %d, want now − startedTime", r.ElapsedTime)
		}
	})

	t.Run("filters", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"?states=RUNNING", []string{running.AppID}},
			{"?states=finished", []string{finished.AppID}},
			{"?states=RUNNING,FINISHED", []string{running.AppID, finished.AppID}},
			{"?states=RUNNING&states=FINISHED", []string{running.AppID, finished.AppID}},
			{"?states=ACCEPTED", []string{typed}},
			{"?state=FINISHED", []string{finished.AppID}},
			{"?states=KILLED", []string{}},
			{"?queue=default", []string{running.AppID, finished.AppID, typed}},
			{"?queue=nosuchqueue", []string{}},
			{"?applicationTypes=", []string{running.AppID, finished.AppID, typed}},
			{"?applicationTypes=spark", []string{typed}},
			{"?applicationTypes=FLINK,SPARK", []string{typed}},
			{"?applicationTypes=FLINK", []string{}},
			{"?applicationTypes=SPARK&states=RUNNING", []string{}},
			{"?states=RUNNING&queue=default", []string{running.AppID}},
			{"?applicationTags=prod", []string{typed}},
			{"?applicationTags=PROD,nightly", []string{typed}},
			{"?applicationTags=nightly", []string{}},
			{"?applicationTags=streaming&states=RUNNING", []string{}},
		} {
			t.Run(strings.TrimPrefix(tc.query, "?"), func(t *testing.T) {
				if got := appIDs(listApps(t, tc.query)); !slices.Equal(got, tc.want) {
					t.Errorf("apps %v, want %v", got, tc.want)
				}
			})
		}
	})

	t.Run("one app", func(t *testing.T) {
		var body struct {
			App *restApp `json:"app"`
		}
		get(t, web, "/ws/v1/cluster/apps/"+finished.AppID, http.StatusOK, &body)
		if body.App == nil {
			t.Fatal("no \"app\" object")
		}
		if body.App.ID != finished.AppID || body.App.State != "FINISHED" || body.App.FinalStatus != "SUCCEEDED" {
			t.Errorf("app %s %s %s, want %s FINISHED SUCCEEDED", body.App.ID, body.App.State, body.App.FinalStatus, finished.AppID)
		}
		if body.App.FinishedTime == 0 {
			t.Error("finished app has finishedTime 0")
		}
	})

	t.Run("attempts", func(t *testing.T) {
		var body struct {
			AppAttempts *struct {
				AppAttempt []restAttempt `json:"appAttempt"`
			} `json:"appAttempts"`
		}
		get(t, web, "/ws/v1/cluster/apps/"+running.AppID+"/appattempts", http.StatusOK, &body)
		if body.AppAttempts == nil || len(body.AppAttempts.AppAttempt) != 1 {
			t.Fatalf("appAttempts %+v, want one attempt", body.AppAttempts)
		}
		a := body.AppAttempts.AppAttempt[0]
		wantID := "appattempt_" + strings.TrimPrefix(running.AppID, "application_") + "_000001"
		if a.ID != 1 || a.AppAttemptID != wantID || a.AppAttemptState != "RUNNING" {
			t.Errorf("attempt id %d appAttemptId %s state %s, want 1 %s RUNNING", a.ID, a.AppAttemptID, a.AppAttemptState, wantID)
		}
		if a.StartTime <= 0 || a.FinishedTime != 0 {
			t.Errorf("attempt startTime %d finishedTime %d, want started and not finished", a.StartTime, a.FinishedTime)
		}
		if a.ContainerID == nil || a.NodeHTTPAddress == nil || a.NodeID == nil || a.LogsLink == nil {
			t.Errorf("a YARN attempt field is missing: %+v", a)
		}

		get(t, web, "/ws/v1/cluster/apps/"+finished.AppID+"/appattempts", http.StatusOK, &body)
		if len(body.AppAttempts.AppAttempt) != 1 || body.AppAttempts.AppAttempt[0].AppAttemptState != "FINISHED" ||
			body.AppAttempts.AppAttempt[0].FinishedTime == 0 {
			t.Errorf("finished app's attempts %+v, want one FINISHED attempt with a finish time", body.AppAttempts.AppAttempt)
		}
	})

	t.Run("errors", func(t *testing.T) {
		unknown := "application_" + strings.Split(running.AppID, "_")[1] + "_9999"
		for _, tc := range []struct {
			path      string
			code      int
			exception string
			inMessage string
		}{
			{"/ws/v1/cluster/apps/" + unknown, http.StatusNotFound, "NotFoundException", unknown},
			{"/ws/v1/cluster/apps/" + unknown + "/appattempts", http.StatusNotFound, "NotFoundException", unknown},
			{"/ws/v1/cluster/apps/application_x", http.StatusBadRequest, "BadRequestException", "application_x"},
			{"/ws/v1/cluster/apps?states=BOGUS", http.StatusBadRequest, "BadRequestException", "Invalid application-state BOGUS specified. It should be one of [NEW, NEW_SAVING, SUBMITTED, ACCEPTED, RUNNING, FINISHED, FAILED, KILLED]"},
			{"/ws/v1/cluster/apps?states=RUNNING,UNSPECIFIED", http.StatusBadRequest, "BadRequestException", "UNSPECIFIED"},
		} {
			t.Run(tc.path, func(t *testing.T) {
				var body remoteException
				get(t, web, tc.path, tc.code, &body)
				e := body.RemoteException
				if e.Exception != tc.exception || e.JavaClassName != "org.apache.hadoop.yarn.webapp."+tc.exception {
					t.Errorf("exception %q class %q, want %s", e.Exception, e.JavaClassName, tc.exception)
				}
				if !strings.Contains(e.Message, tc.inMessage) {
					t.Errorf("message %q does not contain %q", e.Message, tc.inMessage)
				}
			})
		}
	})
}

func TestApplicationStateNames(t *testing.T) {
	want := []string{"NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING", "FINISHED", "FAILED", "KILLED"}
	var got []string
	for _, s := range resourcemanager.ApplicationStates() {
		got = append(got, resourcemanager.ApplicationStateName(s))
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ApplicationStates %v, want %v", got, want)
	}
	for _, name := range want {
		for _, spelled := range []string{name, strings.ToLower(name), " " + name + " "} {
			st, ok := resourcemanager.ParseApplicationState(spelled)
			if !ok || resourcemanager.ApplicationStateName(st) != name {
				t.Errorf("ParseApplicationState(%q) = %v, %v; want %s", spelled, st, ok, name)
			}
		}
	}
	for _, bad := range []string{"", "UNSPECIFIED", "APPLICATION_STATE_RUNNING", "RUN", "ALL"} {
		if st, ok := resourcemanager.ParseApplicationState(bad); ok {
			t.Errorf("ParseApplicationState(%q) = %v, want not ok", bad, st)
		}
	}
	for _, tc := range []struct {
		got, want string
	}{
		{resourcemanager.FinalStatusName(pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_UNDEFINED), "UNDEFINED"},
		{resourcemanager.FinalStatusName(pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_KILLED), "KILLED"},
		{resourcemanager.AttemptStateName(pb.ApplicationAttemptState_APPLICATION_ATTEMPT_STATE_LAUNCHED), "LAUNCHED"},
		{resourcemanager.ApplicationStateNames(), strings.Join(want, ", ")},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// FuzzParseApplicationState checks that parsing never panics, accepts only
// the names it prints, and round-trips them.
func FuzzParseApplicationState(f *testing.F) {
	for _, s := range []string{"RUNNING", "finished", " new_saving ", "", "UNSPECIFIED", "ALL", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		st, ok := resourcemanager.ParseApplicationState(name)
		if !ok {
			return
		}
		printed := resourcemanager.ApplicationStateName(st)
		if !slices.Contains(resourcemanager.ApplicationStates(), st) {
			t.Fatalf("ParseApplicationState(%q) = %v, not one of YARN's states", name, st)
		}
		if !strings.EqualFold(strings.TrimSpace(name), printed) {
			t.Fatalf("ParseApplicationState(%q) = %s: name and state differ", name, printed)
		}
		again, ok := resourcemanager.ParseApplicationState(printed)
		if !ok || again != st {
			t.Fatalf("round trip of %s gave %v, %v", printed, again, ok)
		}
	})
}
