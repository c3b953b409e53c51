package resourcemanager_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/acl"
	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/resourcemanager"
	"github.com/spindlehq/spindle/resourcemanager/scheduler"
	"github.com/spindlehq/spindle/token"
)

// startRM starts an RM with queues default and etl, and with the client
// secret in clientSecret when it is not nil.
func startRM(t *testing.T, clientSecret []byte) *resourcemanager.ResourceManager {
	t.Helper()
	return startRMWith(t, clientSecret, nil)
}

// startRMBench starts an RM with the default queue only, for benchmarks.
func startRMBench(b *testing.B) *resourcemanager.ResourceManager {
	b.Helper()
	return startRMWith(b, nil, func(c *resourcemanager.Config) { c.Scheduler.Queues = nil })
}

// startRMWith is startRM with a change to the configuration.
func startRMWith(t testing.TB, clientSecret []byte, change func(*resourcemanager.Config)) *resourcemanager.ResourceManager {
	t.Helper()
	dir := t.TempDir()
	cfg := resourcemanager.DefaultConfig()
	// These tests are about the REST API's shapes: in plain text, as
	// spindle.tls.insecure-plaintext; the security tests cover TLS.
	cfg.InsecurePlaintext = true
	cfg.Scheduler.Queues = []scheduler.QueueConfig{{Name: "default", Capacity: 60}, {Name: "etl", Capacity: 40, MaxCapacity: 80}}
	if clientSecret != nil {
		cfg.ClientSecretFile = filepath.Join(dir, "client-secret")
		if err := os.WriteFile(cfg.ClientSecretFile, clientSecret, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if change != nil {
		change(&cfg)
	}
	rm, err := resourcemanager.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := rm.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rm.Stop(ctx)
	})
	testutil.RegisterPlaintext(rm.Addresses().Client, rm.Addresses().Web, rm.Addresses().Tracker)
	return rm
}

// testApp is an unmanaged application submitted by a test.
type testApp struct {
	id  string
	ctx context.Context // carries the attempt token
	am  pb.ApplicationMasterClient
}

// submitApp submits an unmanaged application with sc's fields (its id is
// filled in); secret, when set, is sent as the client secret.
func submitApp(t *testing.T, rmAddr string, sc *pb.ApplicationSubmissionContext, secret []byte) testApp {
	t.Helper()
	conn := testutil.Dial(t, rmAddr)
	client := pb.NewApplicationClientClient(conn)
	// Without TLS a caller says who it is, as YARN's simple
	// authentication: the application's user, who may have its token.
	ctx, cancel := context.WithTimeout(acl.WithClaimedUser(token.WithClientSecret(context.Background(), secret), sc.GetUser()), 10*time.Second)
	defer cancel()
	resp, err := client.GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
	if err != nil {
		t.Fatal(err)
	}
	sc.ApplicationId, sc.UnmanagedAm = resp.GetApplicationId(), true
	if _, err := client.SubmitApplication(ctx, &pb.SubmitApplicationRequest{Context: sc}); err != nil {
		t.Fatalf("submit: %v", err)
	}
	rep, err := client.GetApplicationReport(ctx, &pb.GetApplicationReportRequest{ApplicationId: sc.ApplicationId})
	if err != nil {
		t.Fatal(err)
	}
	amCtx, err := token.WithAttempt(context.Background(), rep.GetReport().GetAmRmToken())
	if err != nil {
		t.Fatal(err)
	}
	return testApp{id: sc.ApplicationId, ctx: amCtx, am: pb.NewApplicationMasterClient(conn)}
}

func (a testApp) register(t *testing.T) {
	t.Helper()
	a.registerAt(t, "")
}

// registerAt registers the AM with trackingURL.
func (a testApp) registerAt(t *testing.T, trackingURL string) {
	t.Helper()
	if _, err := a.am.RegisterApplicationMaster(a.ctx, &pb.RegisterApplicationMasterRequest{Host: "am.example", RpcPort: 7077, TrackingUrl: trackingURL}); err != nil {
		t.Fatalf("register %s: %v", a.id, err)
	}
}

func (a testApp) finish(t *testing.T, final pb.FinalApplicationStatus) {
	t.Helper()
	a.register(t)
	if _, err := a.am.FinishApplicationMaster(a.ctx, &pb.FinishApplicationMasterRequest{FinalStatus: final, TrackingUrl: "http://history.example/" + a.id}); err != nil {
		t.Fatalf("finish %s: %v", a.id, err)
	}
}

// rawApps lists /ws/v1/cluster/apps+query as generic JSON objects.
func rawApps(t *testing.T, web, query string) []map[string]any {
	t.Helper()
	var body struct {
		Apps struct {
			App []map[string]any `json:"app"`
		} `json:"apps"`
	}
	get(t, web, "/ws/v1/cluster/apps"+query, http.StatusOK, &body)
	return body.Apps.App
}

func rawIDs(apps []map[string]any) []string {
	out := []string{}
	for _, a := range apps {
		out = append(out, a["id"].(string))
	}
	return out
}

// TestRESTAppFilters checks every filter YARN documents on
// /ws/v1/cluster/apps: each case's answer differs from the unfiltered
// list, so a filter that is ignored fails.
func TestRESTAppFilters(t *testing.T) {
	rm := startRM(t, nil)
	addr := rm.Addresses()
	accepted := submitApp(t, addr.Client, &pb.ApplicationSubmissionContext{User: "alice", Queue: "default", Name: "alpha", ApplicationType: "SPARK", Tags: []string{"streaming"}}, nil)
	running := submitApp(t, addr.Client, &pb.ApplicationSubmissionContext{User: "bob", Queue: "etl", Name: "beta", ApplicationType: "MAPREDUCE", Tags: []string{"batch"}}, nil)
	running.register(t)
	// The time filters need distinct times: the clock passes the
	// millisecond of the previous start or finish before the next.
	appTime := func(id, field string) int64 {
		for _, a := range rawApps(t, addr.Web, "") {
			if a["id"] == id {
				return int64(a[field].(float64))
			}
		}
		t.Fatalf("%s not listed", id)
		return 0
	}
	waitPast := func(ms int64) {
		for deadline := time.Now().Add(time.Second); time.Now().UnixMilli() <= ms; {
			if time.Now().After(deadline) {
				t.Fatalf("the clock did not pass %d ms", ms)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitPast(appTime(running.id, "startedTime"))
	succeeded := submitApp(t, addr.Client, &pb.ApplicationSubmissionContext{User: "carol", Queue: "default", Name: "gamma", ApplicationType: "SPARK", Tags: []string{"streaming", "prod"}}, nil)
	succeeded.finish(t, pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED)
	waitPast(appTime(succeeded.id, "finishedTime"))
	failed := submitApp(t, addr.Client, &pb.ApplicationSubmissionContext{User: "alice", Queue: "etl", Name: "delta", ApplicationType: "spark", Tags: []string{"PROD"}}, nil)
	failed.finish(t, pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_FAILED)

	all := rawApps(t, addr.Web, "")
	if got, want := rawIDs(all), []string{accepted.id, running.id, succeeded.id, failed.id}; !slices.Equal(got, want) {
		t.Fatalf("apps %v, want %v", got, want)
	}
	times := map[string]map[string]int64{}
	for _, a := range all {
		times[a["id"].(string)] = map[string]int64{"started": int64(a["startedTime"].(float64)), "finished": int64(a["finishedTime"].(float64))}
	}
	// succeeded was submitted after running's millisecond, and failed
	// finished after succeeded's.
	splitStart := times[succeeded.id]["started"]
	splitFinish := times[succeeded.id]["finished"]
	ms := func(v int64) string { return strconv.FormatInt(v, 10) }

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"?states=RUNNING", []string{running.id}},
		{"?state=accepted", []string{accepted.id}},
		{"?states=FINISHED,FAILED", []string{succeeded.id, failed.id}},
		{"?finalStatus=SUCCEEDED", []string{succeeded.id}},
		{"?finalStatus=undefined", []string{accepted.id, running.id}},
		{"?user=alice", []string{accepted.id, failed.id}},
		{"?queue=etl", []string{running.id, failed.id}},
		{"?limit=2", []string{succeeded.id, failed.id}},
		{"?startedTimeBegin=" + ms(splitStart), []string{succeeded.id, failed.id}},
		{"?startedTimeEnd=" + ms(splitStart-1), []string{accepted.id, running.id}},
		{"?finishedTimeBegin=1", []string{succeeded.id, failed.id}},
		{"?finishedTimeEnd=" + ms(splitFinish), []string{accepted.id, running.id, succeeded.id}},
		{"?finishedTimeBegin=1&finishedTimeEnd=" + ms(splitFinish), []string{succeeded.id}},
		{"?applicationTypes=spark", []string{accepted.id, succeeded.id, failed.id}},
		{"?applicationTypes=MAPREDUCE,flink", []string{running.id}},
		{"?applicationTags=prod", []string{succeeded.id, failed.id}},
		{"?applicationTags=batch,nosuch", []string{running.id}},
		{"?name=gamma", []string{succeeded.id}},
		{"?user=alice&queue=etl", []string{failed.id}},
		{"?user.name=anyone&states=RUNNING", []string{running.id}},
	} {
		t.Run(strings.TrimPrefix(tc.query, "?"), func(t *testing.T) {
			if len(tc.want) == len(all) {
				t.Fatalf("case %s expects every application: it would not notice the filter being ignored", tc.query)
			}
			if got := rawIDs(rawApps(t, addr.Web, tc.query)); !slices.Equal(got, tc.want) {
				t.Errorf("apps %v, want %v", got, tc.want)
			}
		})
	}

	t.Run("deSelects", func(t *testing.T) {
		for _, field := range []string{"resourceRequests", "timeouts", "appNodeLabelExpression", "amNodeLabelExpression", "resourceInfo"} {
			if _, ok := all[0][field]; !ok {
				t.Errorf("%s is missing without deSelects", field)
			}
			for _, a := range rawApps(t, addr.Web, "?deSelects="+field) {
				if _, ok := a[field]; ok {
					t.Errorf("deSelects=%s: %s still has the field", field, a["id"])
				}
				if a["id"] == nil {
					t.Errorf("deSelects=%s removed the id too", field)
				}
			}
		}
	})

	t.Run("malformed", func(t *testing.T) {
		for _, tc := range []struct{ query, inMessage string }{
			{"?limit=0", "limit"},
			{"?limit=ten", "limit"},
			{"?startedTimeBegin=-1", "startedTimeBegin"},
			{"?startedTimeBegin=yesterday", "startedTimeBegin"},
			{"?startedTimeBegin=10&startedTimeEnd=5", "startedTimeEnd"},
			{"?finishedTimeEnd=soon", "finishedTimeEnd"},
			{"?finalStatus=DONE", "Invalid final status DONE"},
			{"?states=DONE", "Invalid application-state DONE"},
			{"?deSelects=everything", "Invalid deSelects string everything"},
			{"?status=RUNNING", "Unknown query parameter status"},
			{"?applicationTag=prod", "Unknown query parameter applicationTag"},
		} {
			t.Run(tc.query, func(t *testing.T) {
				var body remoteException
				get(t, addr.Web, "/ws/v1/cluster/apps"+tc.query, http.StatusBadRequest, &body)
				if body.RemoteException.Exception != "BadRequestException" || !strings.Contains(body.RemoteException.Message, tc.inMessage) {
					t.Errorf("error %+v, want BadRequestException mentioning %q", body.RemoteException, tc.inMessage)
				}
			})
		}
	})

	t.Run("app state", func(t *testing.T) {
		var st struct{ State string }
		get(t, addr.Web, "/ws/v1/cluster/apps/"+running.id+"/state", http.StatusOK, &st)
		if st.State != "RUNNING" {
			t.Errorf("state %q, want RUNNING", st.State)
		}
		var body remoteException
		get(t, addr.Web, "/ws/v1/cluster/apps/"+running.id+"/state?verbose=1", http.StatusBadRequest, &body)
	})

	t.Run("scheduler", func(t *testing.T) {
		var body struct {
			Scheduler struct {
				SchedulerInfo struct {
					Type   string `json:"type"`
					Queues struct {
						Queue []map[string]any `json:"queue"`
					} `json:"queues"`
				} `json:"schedulerInfo"`
			} `json:"scheduler"`
		}
		get(t, addr.Web, "/ws/v1/cluster/scheduler", http.StatusOK, &body)
		info := body.Scheduler.SchedulerInfo
		if info.Type != "capacityScheduler" || len(info.Queues.Queue) != 2 {
			t.Fatalf("schedulerInfo %+v, want capacityScheduler with 2 queues", info)
		}
		etl := info.Queues.Queue[1]
		if etl["queueName"] != "etl" || etl["capacity"] != 40.0 || etl["maxCapacity"] != 80.0 || etl["numApplications"] != 1.0 {
			t.Errorf("etl queue %v, want capacity 40, maxCapacity 80, 1 application (the running one)", etl)
		}
	})
}

// TestRESTNodeFilters checks /nodes?states= and /nodes/{id} on a cluster
// with one running and one stopped NM.
func TestRESTNodeFilters(t *testing.T) {
	c := testutil.StartInProcess(t, 1, 1024, 2)
	addrs := c.RM.Addresses()
	web := addrs.Web
	// A second node registers and shuts down through the tracker protocol.
	const stopped = "127.0.0.1:1"
	tracker := registerNode(t, addrs.Tracker, stopped)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := tracker.UnRegisterNodeManager(ctx, &pb.UnRegisterNodeManagerRequest{NodeId: stopped}); err != nil {
		t.Fatal(err)
	}
	nodes := func(query string) []string {
		var body struct {
			Nodes struct {
				Node []struct{ ID, State string } `json:"node"`
			} `json:"nodes"`
		}
		get(t, web, "/ws/v1/cluster/nodes"+query, http.StatusOK, &body)
		var out []string
		for _, n := range body.Nodes.Node {
			out = append(out, n.ID+"="+n.State)
		}
		sort.Strings(out)
		return out
	}
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		got := nodes("")
		return len(got) == 2 && slices.Contains(got, stopped+"=SHUTDOWN"), fmt.Sprint(got)
	})
	running := c.NMs[0].Addresses().NodeID
	if got := nodes("?states=RUNNING"); !slices.Equal(got, []string{running + "=RUNNING"}) {
		t.Errorf("states=RUNNING: %v", got)
	}
	if got := nodes("?states=shutdown,LOST"); !slices.Equal(got, []string{stopped + "=SHUTDOWN"}) {
		t.Errorf("states=shutdown,LOST: %v", got)
	}
	var one struct {
		Node struct{ ID, State string } `json:"node"`
	}
	get(t, web, "/ws/v1/cluster/nodes/"+running, http.StatusOK, &one)
	if one.Node.ID != running || one.Node.State != "RUNNING" {
		t.Errorf("node %+v, want %s RUNNING", one.Node, running)
	}
	var e remoteException
	get(t, web, "/ws/v1/cluster/nodes/nosuch:1", http.StatusNotFound, &e)
	get(t, web, "/ws/v1/cluster/nodes?states=GONE", http.StatusBadRequest, &e)
	get(t, web, "/ws/v1/cluster/nodes?healthy=true", http.StatusBadRequest, &e)
	if !strings.Contains(e.RemoteException.Message, "healthy") {
		t.Errorf("message %q does not name the unknown parameter", e.RemoteException.Message)
	}
}

// TestRESTKillByPUT checks PUT /apps/{id}/state: refused without the
// client secret when the RM has one, and a kill with it.
func TestRESTKillByPUT(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	rm := startRM(t, secret)
	addr := rm.Addresses()
	app := submitApp(t, addr.Client, &pb.ApplicationSubmissionContext{User: "alice", Queue: "default", Name: "victim"}, secret)
	app.register(t)
	put := func(body, secretHeader string) (int, []byte) {
		req, err := http.NewRequest(http.MethodPut, "http://"+addr.Web+"/ws/v1/cluster/apps/"+app.id+"/state", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if secretHeader != "" {
			req.Header.Set("spindle-client-secret", secretHeader)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, raw
	}
	state := func() string {
		var st struct{ State string }
		get(t, addr.Web, "/ws/v1/cluster/apps/"+app.id+"/state", http.StatusOK, &st)
		return st.State
	}
	for _, hdr := range []string{"", base64.StdEncoding.EncodeToString([]byte("wrong")), "not base64!"} {
		code, raw := put(`{"state":"KILLED"}`, hdr)
		var e remoteException
		json.Unmarshal(raw, &e)
		if code != http.StatusUnauthorized || e.RemoteException.Exception != "AuthorizationException" {
			t.Errorf("PUT with secret header %q: %d %s, want 401 AuthorizationException", hdr, code, raw)
		}
		if s := state(); s != "RUNNING" {
			t.Fatalf("an outsider's PUT changed the state to %s", s)
		}
	}
	good := base64.StdEncoding.EncodeToString(secret)
	if code, raw := put(`{"state":"RUNNING"}`, good); code != http.StatusBadRequest {
		t.Errorf("PUT state RUNNING: %d %s, want 400", code, raw)
	}
	if code, raw := put(`{"state":"KILLED","extra":1}`, good); code != http.StatusBadRequest {
		t.Errorf("PUT with an unknown field: %d %s, want 400", code, raw)
	}
	code, raw := put(`{"state":"KILLED"}`, good)
	if code != http.StatusOK || !strings.Contains(string(raw), `"KILLED"`) {
		t.Fatalf("PUT with the secret: %d %s, want 200 KILLED", code, raw)
	}
	if s := state(); s != "KILLED" {
		t.Errorf("state after the kill %s, want KILLED", s)
	}
}

// registerNode registers a node with id through the tracker protocol, as
// an NM would, and returns the tracker client.
func registerNode(t *testing.T, trackerAddr, id string) pb.ResourceTrackerClient {
	t.Helper()
	tracker := pb.NewResourceTrackerClient(testutil.Dial(t, trackerAddr))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := tracker.RegisterNodeManager(ctx, &pb.RegisterNodeManagerRequest{NodeId: id, HttpAddress: "127.0.0.1:2", Resource: &pb.Resource{MemoryMb: 512, Vcores: 1}}); err != nil {
		t.Fatal(err)
	}
	return tracker
}

// finishOnly unregisters an AM that has registered.
func (a testApp) finishOnly(t *testing.T) {
	t.Helper()
	if _, err := a.am.FinishApplicationMaster(a.ctx, &pb.FinishApplicationMasterRequest{FinalStatus: pb.FinalApplicationStatus_FINAL_APPLICATION_STATUS_SUCCEEDED}); err != nil {
		t.Fatalf("finish %s: %v", a.id, err)
	}
}
