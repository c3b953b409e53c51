package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveBinary()
	os.Exit(code)
}

// cliResult is what one run of the spindle binary produced.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs `spindle <command> <cluster conf flags> <args…>`.
func runCLI(t *testing.T, c *testutil.Cluster, command string, args ...string) cliResult {
	t.Helper()
	return runSpindleArgs(t, append(append([]string{command}, c.ConfArgs()...), args...)...)
}

// runSpindleArgs runs `spindle <full…>`.
func runSpindleArgs(t *testing.T, full ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testutil.SpindleBinary(t), full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cliResult{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run spindle %v: %v", full, err)
	}
	return res
}

// mustSucceed fails the test unless the run exited 0.
func (r cliResult) mustSucceed(t *testing.T) cliResult {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	return r
}

// yarnRow formats cells right-aligned to widths, tab-separated, as YARN's
// ApplicationCLI printf patterns do.
func yarnRow(widths []int, cells ...string) string {
	parts := make([]string, len(cells))
	for i, c := range cells {
		parts[i] = strings.Repeat(" ", max(widths[i]-len(c), 0)) + c
	}
	return strings.Join(parts, "\t")
}

// Widths from Hadoop's ApplicationCLI.
var (
	appWidths     = []int{30, 20, 20, 10, 10, 18, 18, 15, 35}
	attemptWidths = []int{30, 20, 35, 35}
)

// tableRows returns the rows of a -list table keyed by their first column,
// each split into trimmed cells; it checks the header line.
func tableRows(t *testing.T, out string, widths []int, header ...string) map[string][]string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) < 2 {
		t.Fatalf("want a total line and a header; got:\n%s", out)
	}
	if want := yarnRow(widths, header...); lines[1] != want {
		t.Fatalf("header\n%q\nwant\n%q", lines[1], want)
	}
	rows := map[string][]string{}
	for _, line := range lines[2:] {
		cells := strings.Split(line, "\t")
		if len(cells) != len(widths) {
			t.Fatalf("row %q has %d columns, want %d", line, len(cells), len(widths))
		}
		for i, c := range cells {
			if len(c) < widths[i] {
				t.Errorf("row %q: column %d is %d wide, want at least %d", line, i, len(c), widths[i])
			}
			cells[i] = strings.TrimSpace(c)
		}
		rows[cells[0]] = cells
	}
	return rows
}

var appHeader = []string{"Application-Id", "Application-Name", "Application-Type", "User", "Queue", "State", "Final-State", "Progress", "Tracking-URL"}

// submitTyped submits an unmanaged application of appType that never
// registers an AM, so it stays ACCEPTED.
func submitTyped(t *testing.T, c *testutil.Cluster, appType string) string {
	t.Helper()
	client := c.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := client.GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
	if err != nil {
		t.Fatalf("GetNewApplication: %v", err)
	}
	id := resp.GetApplicationId()
	if _, err := client.SubmitApplication(ctx, &pb.SubmitApplicationRequest{Context: &pb.ApplicationSubmissionContext{
		ApplicationId: id, Name: "typed", Queue: "default", ApplicationType: appType, UnmanagedAm: true, User: "alice",
		Tags: []string{"nightly", "Team-A"}, Priority: 3,
	}}); err != nil {
		t.Fatalf("SubmitApplication %s: %v", id, err)
	}
	return id
}

func TestApplicationCLI(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	running := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	finished := testutil.NewUnmanagedAM(t, c.RMAddr.Client, "default")
	finished.Finish()
	accepted := submitTyped(t, c, "Spark")
	unknown := "application_" + strings.Split(running.AppID, "_")[1] + "_9999"
	allStates := "[NEW, NEW_SAVING, SUBMITTED, ACCEPTED, RUNNING, FINISHED, FAILED, KILLED]"

	t.Run("list", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			args  []string
			total string
			want  []string
		}{
			{"default states", []string{"-list"}, "(application-types: [] and states: [SUBMITTED, ACCEPTED, RUNNING]):2", []string{running.AppID, accepted}},
			{"double dash", []string{"--list"}, "(application-types: [] and states: [SUBMITTED, ACCEPTED, RUNNING]):2", []string{running.AppID, accepted}},
			{"all", []string{"-list", "-appStates", "ALL"}, "(application-types: [] and states: " + allStates + "):3", []string{running.AppID, finished.AppID, accepted}},
			{"finished", []string{"-list", "-appStates", "finished"}, "(application-types: [] and states: [FINISHED]):1", []string{finished.AppID}},
			{"two states in YARN's order", []string{"-list", "-appStates", "FINISHED,RUNNING,running"}, "(application-types: [] and states: [RUNNING, FINISHED]):2", []string{running.AppID, finished.AppID}},
			{"repeated flag", []string{"-list", "-appStates", "KILLED", "-appStates", "FINISHED"}, "(application-types: [] and states: [FINISHED, KILLED]):1", []string{finished.AppID}},
			{"type any case", []string{"-list", "-appTypes", "spark"}, "(application-types: [SPARK] and states: [SUBMITTED, ACCEPTED, RUNNING]):1", []string{accepted}},
			{"type absent", []string{"-list", "-appTypes", "MAPREDUCE,FLINK", "-appStates", "ALL"}, "(application-types: [MAPREDUCE, FLINK] and states: " + allStates + "):0", nil},
			{"tag any case", []string{"-list", "-appTags", "team-a,other"}, "(application-types: [], states: [SUBMITTED, ACCEPTED, RUNNING] and tags: [team-a, other]):1", []string{accepted}},
			{"tag absent", []string{"-list", "-appTags", "other", "-appStates", "ALL"}, "(application-types: [], states: " + allStates + " and tags: [other]):0", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := runCLI(t, c, "application", tc.args...).mustSucceed(t)
				if first, _, _ := strings.Cut(r.stdout, "\n"); first != "Total number of applications "+tc.total {
					t.Errorf("total line %q, want %q", first, "Total number of applications "+tc.total)
				}
				rows := tableRows(t, r.stdout, appWidths, appHeader...)
				var got []string
				for id := range rows {
					got = append(got, id)
				}
				slices.Sort(got)
				if !slices.Equal(got, tc.want) {
					t.Errorf("listed %v, want %v\n%s", got, tc.want, r.stdout)
				}
			})
		}
		r := runCLI(t, c, "application", "-list", "-appStates", "ALL").mustSucceed(t)
		rows := tableRows(t, r.stdout, appWidths, appHeader...)
		for _, want := range [][]string{
			{running.AppID, "TestApplicationCLI", "", testutil.TestUser(), "default", "RUNNING", "UNDEFINED", "0%", "N/A"},
			{finished.AppID, "TestApplicationCLI", "", testutil.TestUser(), "default", "FINISHED", "SUCCEEDED", "0%", "N/A"},
			{accepted, "typed", "Spark", testutil.TestUser(), "default", "ACCEPTED", "UNDEFINED", "0%", "N/A"},
		} {
			if got := rows[want[0]]; !slices.Equal(got, want) {
				t.Errorf("row %q, want %q", got, want)
			}
		}
	})

	t.Run("status", func(t *testing.T) {
		r := runCLI(t, c, "application", "-status", running.AppID).mustSucceed(t)
		if !strings.HasPrefix(r.stdout, "Application Report : \n") {
			t.Errorf("report does not start with YARN's title:\n%s", r.stdout)
		}
		for _, line := range []string{
			"\tApplication-Id : " + running.AppID,
			"\tApplication-Name : TestApplicationCLI",
			"\tUser : " + testutil.TestUser(),
			"\tQueue : default",
			"\tProgress : 0%",
			"\tState : RUNNING",
			"\tFinal-State : UNDEFINED",
			"\tFinish-Time : 0",
			"\tTracking-URL : N/A",
			"\tAM Host : 127.0.0.1",
			"\tUnmanaged Application : true",
		} {
			if !slices.Contains(strings.Split(r.stdout, "\n"), line) {
				t.Errorf("report lacks %q:\n%s", line, r.stdout)
			}
		}
		r = runCLI(t, c, "application", "-status", accepted).mustSucceed(t)
		for _, line := range []string{"\tApplication Tags : nightly,Team-A", "\tApplication Priority : 3"} {
			if !strings.Contains(r.stdout, line+"\n") {
				t.Errorf("report lacks %q:\n%s", line, r.stdout)
			}
		}
		r = runCLI(t, c, "application", "-status", finished.AppID).mustSucceed(t)
		for _, line := range []string{"\tState : FINISHED", "\tFinal-State : SUCCEEDED"} {
			if !strings.Contains(r.stdout, line+"\n") {
				t.Errorf("finished app's report lacks %q:\n%s", line, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "\tFinish-Time : 0\n") {
			t.Errorf("finished app's report has no finish time:\n%s", r.stdout)
		}
	})

	t.Run("attempts", func(t *testing.T) {
		attemptID := "appattempt_" + strings.TrimPrefix(running.AppID, "application_") + "_000001"
		r := runCLI(t, c, "applicationattempt", "-list", running.AppID).mustSucceed(t)
		if first, _, _ := strings.Cut(r.stdout, "\n"); first != "Total number of application attempts :1" {
			t.Errorf("total line %q", first)
		}
		rows := tableRows(t, r.stdout, attemptWidths, "ApplicationAttempt-Id", "State", "AM-Container-Id", "Tracking-URL")
		if got, want := rows[attemptID], []string{attemptID, "RUNNING", "N/A", "N/A"}; !slices.Equal(got, want) {
			t.Errorf("attempt row %q, want %q\n%s", got, want, r.stdout)
		}
		r = runCLI(t, c, "applicationattempt", "-status", attemptID).mustSucceed(t)
		for _, line := range []string{"Application Attempt Report : ", "\tApplicationAttempt-Id : " + attemptID, "\tState : RUNNING", "\tAM Host : 127.0.0.1"} {
			if !slices.Contains(strings.Split(r.stdout, "\n"), line) {
				t.Errorf("attempt report lacks %q:\n%s", line, r.stdout)
			}
		}
	})

	t.Run("kill", func(t *testing.T) {
		r := runCLI(t, c, "application", "-kill", running.AppID).mustSucceed(t)
		if want := fmt.Sprintf("Killing application %s\nKilled application %s\n", running.AppID, running.AppID); r.stdout != want {
			t.Errorf("stdout %q, want %q", r.stdout, want)
		}
		r = runCLI(t, c, "application", "-status", running.AppID).mustSucceed(t)
		for _, line := range []string{"\tState : KILLED", "\tFinal-State : KILLED"} {
			if !strings.Contains(r.stdout, line+"\n") {
				t.Errorf("killed app's report lacks %q:\n%s", line, r.stdout)
			}
		}
		r = runCLI(t, c, "applicationattempt", "-list", running.AppID).mustSucceed(t)
		if !strings.Contains(r.stdout, "\t              KILLED\t") {
			t.Errorf("killed app's attempt is not KILLED:\n%s", r.stdout)
		}
		for _, id := range []string{running.AppID, finished.AppID} {
			r = runCLI(t, c, "application", "-kill", id).mustSucceed(t)
			if want := "Application " + id + " has already finished\n"; r.stdout != want {
				t.Errorf("stdout %q, want %q", r.stdout, want)
			}
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			command string
			args    []string
			want    []string
		}{
			{"unknown state", "application", []string{"-list", "-appStates", "RUNNING,BOGUS"}, []string{`"BOGUS" is not an application state`, "ALL, NEW, NEW_SAVING, SUBMITTED, ACCEPTED, RUNNING, FINISHED, FAILED, KILLED"}},
			{"states without list", "application", []string{"-appStates", "RUNNING"}, []string{"-appStates works with -list only"}},
			{"missing status id", "application", []string{"-status"}, []string{"flag needs an argument: -status"}},
			{"empty status id", "application", []string{"-status", ""}, []string{"-status: give an application id", "application_<clusterTimestamp>_<sequence>"}},
			{"malformed status id", "application", []string{"-status", "application_12x_1"}, []string{`-status: ids: malformed id: "application_12x_1"`, "application_<clusterTimestamp>_<sequence>"}},
			{"unknown status id", "application", []string{"-status", unknown}, []string{"application with id '" + unknown + "' doesn't exist in RM"}},
			{"malformed kill id", "application", []string{"-kill", "app_1"}, []string{`-kill: ids: malformed id: "app_1"`, "application_<clusterTimestamp>_<sequence>"}},
			{"unknown kill id", "application", []string{"-kill", unknown}, []string{"application with id '" + unknown + "' doesn't exist in RM"}},
			{"two actions", "application", []string{"-list", "-status", running.AppID}, []string{"-list and -status given together"}},
			{"stray argument", "application", []string{"-status", running.AppID, "extra"}, []string{`unexpected argument "extra"`}},
			{"missing attempt list id", "applicationattempt", []string{"-list"}, []string{"flag needs an argument: -list"}},
			{"malformed attempt list id", "applicationattempt", []string{"-list", "appattempt_1_1_1"}, []string{`-list: ids: malformed id: "appattempt_1_1_1"`, "application_<clusterTimestamp>_<sequence>"}},
			{"unknown attempt list id", "applicationattempt", []string{"-list", unknown}, []string{"application with id '" + unknown + "' doesn't exist in RM"}},
			{"malformed attempt status id", "applicationattempt", []string{"-status", running.AppID}, []string{"-status: ids: malformed id", "appattempt_<clusterTimestamp>_<sequence>_<attempt>"}},
			{"unknown attempt", "applicationattempt", []string{"-status", "appattempt_" + strings.TrimPrefix(running.AppID, "application_") + "_000002"}, []string{"application attempt with id", "_000002' doesn't exist in RM"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := runCLI(t, c, tc.command, tc.args...)
				if r.code == 0 {
					t.Fatalf("exit 0, want an error; stdout:\n%s", r.stdout)
				}
				for _, w := range tc.want {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
					}
				}
			})
		}
	})
}

func TestParseAppStates(t *testing.T) {
	all := []string{"NEW", "NEW_SAVING", "SUBMITTED", "ACCEPTED", "RUNNING", "FINISHED", "FAILED", "KILLED"}
	for _, tc := range []struct {
		in      []string
		want    []string
		wantErr string
	}{
		{nil, nil, ""},
		{[]string{""}, nil, ""},
		{[]string{" , ,"}, nil, ""},
		{[]string{"RUNNING"}, []string{"RUNNING"}, ""},
		{[]string{"killed,running , Running"}, []string{"RUNNING", "KILLED"}, ""},
		{[]string{"FINISHED", "new_saving"}, []string{"NEW_SAVING", "FINISHED"}, ""},
		{[]string{"RUNNING,all"}, all, ""},
		{[]string{"ALL,BOGUS"}, all, ""},
		{[]string{"RUNNING,BOGUS"}, nil, `"BOGUS" is not an application state`},
		{[]string{"UNSPECIFIED"}, nil, `"UNSPECIFIED" is not an application state`},
		{[]string{"APPLICATION_STATE_RUNNING"}, nil, "use ALL, NEW, NEW_SAVING"},
	} {
		got, err := parseAppStates(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseAppStates(%q) error %v, want one containing %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseAppStates(%q): %v", tc.in, err)
			continue
		}
		var names []string
		for _, st := range got {
			names = append(names, strings.TrimPrefix(st.String(), "APPLICATION_STATE_"))
		}
		if !slices.Equal(names, tc.want) {
			t.Errorf("parseAppStates(%q) = %v, want %v", tc.in, names, tc.want)
		}
	}
}

func TestFormatProgress(t *testing.T) {
	for _, tc := range []struct {
		in   float32
		want string
	}{
		{0, "0%"},
		{1, "100%"},
		{0.5, "50%"},
		{0.1, "10%"},
		{0.125, "12.5%"},
		{0.33333, "33.33%"},
		{0.99999, "100%"},
		{0.0001, "0.01%"},
	} {
		if got := formatProgress(tc.in); got != tc.want {
			t.Errorf("formatProgress(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseAppTypes(t *testing.T) {
	got := parseAppTypes([]string{"spark, Flink", "SPARK,,", " "})
	if want := []string{"SPARK", "FLINK"}; !slices.Equal(got, want) {
		t.Errorf("parseAppTypes = %v, want %v", got, want)
	}
	if got := javaList(got); got != "[SPARK, FLINK]" {
		t.Errorf("javaList = %q, want [SPARK, FLINK]", got)
	}
	if got := javaList(nil); got != "[]" {
		t.Errorf("javaList(nil) = %q, want []", got)
	}
}

// FuzzParseAppStates checks that -appStates parsing never panics, returns
// states in YARN's order without repeats, and names the bad value.
func FuzzParseAppStates(f *testing.F) {
	for _, s := range []string{"RUNNING", "all", "killed,running", " , ", "RUNNING,BOGUS", "NEW_SAVING,new", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := parseAppStates([]string{in})
		if err != nil {
			if !strings.Contains(err.Error(), "is not an application state") || !strings.Contains(err.Error(), "use ALL") {
				t.Fatalf("parseAppStates(%q): undescriptive error %v", in, err)
			}
			return
		}
		for i, st := range got {
			if st == pb.ApplicationState_APPLICATION_STATE_UNSPECIFIED {
				t.Fatalf("parseAppStates(%q) gave UNSPECIFIED", in)
			}
			if i > 0 && got[i-1] >= st {
				t.Fatalf("parseAppStates(%q) = %v: not in YARN's order or repeated", in, got)
			}
		}
		if strings.TrimSpace(strings.ReplaceAll(in, ",", "")) != "" && len(got) == 0 {
			t.Fatalf("parseAppStates(%q) accepted states but returned none", in)
		}
	})
}
