package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/internal/testutil"
)

func TestParseAMFlag(t *testing.T) {
	tests := []struct {
		value   string
		want    []int
		wantErr bool
	}{
		{value: "1", want: []int{1}},
		{value: "1,2", want: []int{1, 2}},
		{value: " 3 , -1 ", want: []int{3, -1}},
		{value: "-2", want: []int{-2}},
		{value: "", wantErr: true},
		{value: "0", wantErr: true},
		{value: "-3", wantErr: true},
		{value: "first", wantErr: true},
		{value: "1,x", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			got, err := parseAMFlag(tc.value)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "-am") {
					t.Fatalf("parseAMFlag(%q) = %v, %v; want an error naming -am", tc.value, got, err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("parseAMFlag(%q) = %v, %v; want %v", tc.value, got, err, tc.want)
			}
		})
	}
}

func TestAMContainerIDs(t *testing.T) {
	const app = "application_1700000000000_0003"
	attempts := []*pb.ApplicationAttemptReport{
		{AttemptId: "appattempt_1700000000000_0003_000002", AmContainerId: "container_1700000000000_0003_02_000001"},
		// An attempt whose AM container the RM does not report: container 1 of it.
		{AttemptId: "appattempt_1700000000000_0003_000001"},
		{AttemptId: "appattempt_1700000000000_0003_000003", AmContainerId: "container_1700000000000_0003_03_000001"},
	}
	first, second, third := "container_1700000000000_0003_01_000001", "container_1700000000000_0003_02_000001", "container_1700000000000_0003_03_000001"
	tests := []struct {
		picks   []int
		want    []string
		wantErr string
	}{
		{picks: []int{1}, want: []string{first}},
		{picks: []int{2, 1}, want: []string{second, first}},
		{picks: []int{-1}, want: []string{first, second, third}},
		{picks: []int{-2}, want: []string{third}},
		{picks: []int{3, -2}, want: []string{third}},
		{picks: []int{4}, wantErr: "has 3 AM container"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.picks), func(t *testing.T) {
			got, err := amContainerIDs(app, attempts, tc.picks)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, %v; want an error with %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	if _, err := amContainerIDs(app, nil, []int{1}); err == nil || !strings.Contains(err.Error(), app) {
		t.Fatalf("no attempts: %v, want an error naming %s", err, app)
	}
}

func TestSizeRange(t *testing.T) {
	tests := []struct {
		size, n, from, to int64
	}{
		{size: 0, n: 100, from: 0, to: 100},
		{size: 20, n: 100, from: 0, to: 20},
		{size: -20, n: 100, from: 80, to: 100},
		{size: 200, n: 100, from: 0, to: 100},
		{size: -200, n: 100, from: 0, to: 100},
		{size: -100, n: 100, from: 0, to: 100},
		{size: -5, n: 0, from: 0, to: 0},
		{size: -9223372036854775807, n: 3, from: 0, to: 3},
	}
	for _, tc := range tests {
		if from, to := sizeRange(tc.size, tc.n); from != tc.from || to != tc.to {
			t.Errorf("sizeRange(%d, %d) = %d, %d; want %d, %d", tc.size, tc.n, from, to, tc.from, tc.to)
		}
	}
}

func TestSelectFiles(t *testing.T) {
	files := []logFile{{name: "app.log"}, {name: "stderr"}, {name: "stdout"}, {name: "stdout.1"}}
	tests := []struct {
		flag        string
		want        []string
		wantMissing []string
	}{
		{flag: "", want: []string{"app.log", "stderr", "stdout", "stdout.1"}},
		{flag: "ALL", want: []string{"app.log", "stderr", "stdout", "stdout.1"}},
		{flag: "stdout", want: []string{"stdout"}},
		{flag: "stdout, stderr,stdout", want: []string{"stdout", "stderr"}},
		{flag: "stdout,spindle.log", want: []string{"stdout"}, wantMissing: []string{"spindle.log"}},
	}
	for _, tc := range tests {
		t.Run(tc.flag, func(t *testing.T) {
			sel, missing := selectFiles(files, parseLogFiles(tc.flag))
			var names []string
			for _, f := range sel {
				names = append(names, f.name)
			}
			if !slices.Equal(names, tc.want) || !slices.Equal(missing, tc.wantMissing) {
				t.Fatalf("selected %v missing %v; want %v and %v", names, missing, tc.want, tc.wantMissing)
			}
		})
	}
}

// runInProcess runs the CLI in this process with args and returns its error
// and outputs; it is for argument errors, which need no cluster.
func runInProcess(args ...string) (stdout, stderr string, err error) {
	app := newApp()
	var out, errOut bytes.Buffer
	app.Writer, app.ErrWriter = &out, &errOut
	err = app.Run(append([]string{"spindle"}, args...))
	return out.String(), errOut.String(), err
}

func TestLogsFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"logs"}, "-applicationId: give an application id"},
		{[]string{"logs", "-applicationId", "app_1"}, "application_<clusterTimestamp>_<sequence>"},
		{[]string{"logs", "-containerId", "container_1"}, "-containerId"},
		{[]string{"logs", "-applicationId", "application_1_0001", "-containerId", "container_1_0002_01_000001"}, "does not belong to application application_1_0001"},
		{[]string{"logs", "-applicationId", "application_1_0001", "-am", "0"}, "-am"},
		{[]string{"logs", "-containerId", "container_1_0002_01_000001", "-am", "1"}, "-am and -containerId"},
		{[]string{"logs", "-applicationId", "application_1_0001", "stray"}, "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, _, err := runInProcess(tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one with %q", err, tc.want)
			}
		})
	}
}

// expectedLogFile is one file's section of `spindle logs` output.
func expectedLogFile(header, name, modified string, length int64, contents string) string {
	end := "End of LogType:" + name
	return "LogAggregationType: LOCAL\n" + strings.Repeat("=", len(header)) + "\n" +
		"LogType:" + name + "\nLogLastModifiedTime:" + modified + "\n" +
		fmt.Sprintf("LogLength:%d\n", length) + "LogContents:\n" + contents +
		end + "\n" + strings.Repeat("*", len(end)+50) + "\n\n"
}

// TestLogsClientAgainstNodeManager reads a running container's logs from a
// real NodeManager: it is found through the NM, an unreachable node is
// skipped with a warning naming it, and the output has YARN's layout.
func TestLogsClientAgainstNodeManager(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	am := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	got := am.AllocateUntil(testutil.Ask(1, 64, 0, 1), 1, 10*time.Second)
	if len(got) != 1 {
		t.Fatalf("allocated %d containers, want 1", len(got))
	}
	ct := got[0]
	am.Launch(ct, []string{"sh", "-c", `printf 'alpha\nbeta'; exec sleep 300`}, nil)
	testutil.WaitFor(t, 10*time.Second, func() (bool, string) {
		out := c.ContainerStdout(0, am.AppID, ct.GetId())
		return out == "alpha\nbeta", fmt.Sprintf("stdout %q", out)
	})

	deadAddr := testutil.ClosedAddr(t)
	nodes := append(c.Nodes(), &pb.NodeReport{NodeId: "gone.example:45454", HttpAddress: deadAddr, State: pb.NodeState_NODE_STATE_RUNNING})
	app, _ := ids.ParseApplicationID(am.AppID)

	tests := []struct {
		name     string
		opts     logsOptions
		contents map[string]string // file → printed contents; absent = not printed
		warn     string
	}{
		{name: "all", opts: logsOptions{app: app}, contents: map[string]string{"stderr": "", "stdout": "alpha\nbeta\n"}},
		{name: "size-last", opts: logsOptions{app: app, size: -4}, contents: map[string]string{"stderr": "", "stdout": "beta\n"}},
		{name: "size-first", opts: logsOptions{app: app, size: 3, files: []string{"stdout"}}, contents: map[string]string{"stdout": "alp\n"}},
		{name: "missing-file", opts: logsOptions{app: app, files: []string{"stdout", "app.log"}}, contents: map[string]string{"stdout": "alpha\nbeta\n"},
			warn: "Can not find any log file matching the pattern: [app.log] for the container: " + ct.GetId()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, warn bytes.Buffer
			lc := newLogsClient(&out, &warn, tc.opts, c.TLS.ClientTLS)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			targets, reached := lc.findContainers(ctx, nodes)
			if reached != 1 || len(targets) != 1 || targets[0].id != ct.GetId() || targets[0].nodeID != c.NodeID(0) || !targets[0].running {
				t.Fatalf("found %+v on %d nodes; want %s running on %s, one node reached", targets, reached, ct.GetId(), c.NodeID(0))
			}
			if !strings.Contains(warn.String(), "gone.example:45454") || !strings.Contains(warn.String(), deadAddr) {
				t.Fatalf("warnings %q do not name the unreachable node", warn.String())
			}
			files, err := lc.listFiles(ctx, targets[0])
			if err != nil {
				t.Fatal(err)
			}
			lc.printContainer(ctx, targets[0])
			header := "Container: " + ct.GetId() + " on " + c.NodeID(0)
			want := header + "\n" + strings.Repeat("=", len(header)) + "\n"
			for _, f := range files {
				if body, ok := tc.contents[f.name]; ok {
					want += expectedLogFile(header, f.name, f.modified, f.size, body)
				}
			}
			if out.String() != want {
				t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
			}
			if tc.warn != "" && !strings.Contains(warn.String(), tc.warn) {
				t.Fatalf("warnings %q lack %q", warn.String(), tc.warn)
			}
		})
	}
}

// TestLogsCommandErrors: the command explains what it could not find.
func TestLogsCommandErrors(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	idle := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	appID, err := ids.ParseApplicationID(idle.AppID)
	if err != nil {
		t.Fatal(err)
	}
	missingContainer := ids.ContainerID{Attempt: ids.AttemptID{App: appID, Attempt: 1}, ID: 42}.String()
	appID.Seq = 9999
	unknown := appID.String()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown app", []string{"-applicationId", unknown}, "application with id '" + unknown + "' doesn't exist in RM"},
		{"no containers", []string{"-applicationId", idle.AppID}, "no container logs of application " + idle.AppID + " on the 1 NodeManager(s) reached"},
		{"unknown node", []string{"-applicationId", idle.AppID, "-nodeAddress", "nowhere:1"}, "-nodeAddress nowhere:1"},
		{"unmanaged am", []string{"-applicationId", idle.AppID, "-am", "1"}, "unmanaged AM"},
		{"unknown container", []string{"-containerId", missingContainer}, "no logs of container"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, c, "logs", tc.args...)
			if res.code == 0 || !strings.Contains(res.stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want failure with %q", res.code, res.stderr, tc.want)
			}
		})
	}
}

// FuzzParseAMFlag: -am values either parse into AM container numbers that
// parse back the same, or fail with an error naming -am.
func FuzzParseAMFlag(f *testing.F) {
	for _, s := range []string{"1", "1,2", "-1", "-2", "0", "", " 3 ,", "x", "-3", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		got, err := parseAMFlag(value)
		if err != nil {
			if !strings.Contains(err.Error(), "-am") {
				t.Fatalf("error %q does not name -am", err)
			}
			return
		}
		parts := make([]string, len(got))
		for i, n := range got {
			if n == 0 || n < amLatest {
				t.Fatalf("parseAMFlag(%q) accepted %d", value, n)
			}
			parts[i] = fmt.Sprint(n)
		}
		back, err := parseAMFlag(strings.Join(parts, ","))
		if err != nil || !slices.Equal(back, got) {
			t.Fatalf("%v does not round-trip: %v, %v", got, back, err)
		}
	})
}

// FuzzParseLogFiles: -log_files yields distinct, trimmed, non-empty names
// without commas, or nil for every file.
func FuzzParseLogFiles(f *testing.F) {
	for _, s := range []string{"stdout", "stdout,stderr", "ALL", "a,,b", " x , x ", ",", "stdout,ALL"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		got := parseLogFiles(value)
		seen := map[string]bool{}
		for _, name := range got {
			if name == "" || name != strings.TrimSpace(name) || strings.Contains(name, ",") || name == allLogFiles || seen[name] {
				t.Fatalf("parseLogFiles(%q) = %q: bad name %q", value, got, name)
			}
			seen[name] = true
		}
		if back := parseLogFiles(strings.Join(got, ",")); !slices.Equal(back, got) {
			t.Fatalf("%q does not round-trip: %q", got, back)
		}
	})
}
