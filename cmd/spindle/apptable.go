package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/client"
	"github.com/spindlehq/spindle/ids"
	"github.com/spindlehq/spindle/resourcemanager"
	"github.com/urfave/cli/v2"
)

// Column layouts of `yarn application -list` and `yarn applicationattempt
// -list`, as Hadoop's ApplicationCLI prints them.
const (
	applicationsPattern = "%30s\t%20s\t%20s\t%10s\t%10s\t%18s\t%18s\t%15s\t%35s\n"
	attemptsPattern     = "%30s\t%20s\t%35s\t%35s\n"
)

// Forms of the ids the commands take, for errors.
const (
	appIDForm     = "application_<clusterTimestamp>_<sequence>"
	attemptIDForm = "appattempt_<clusterTimestamp>_<sequence>_<attempt>"
)

// allStatesOption is -appStates' word for every state.
const allStatesOption = "ALL"

// defaultListStates are what `yarn application -list` shows without -appStates.
var defaultListStates = []pb.ApplicationState{
	pb.ApplicationState_APPLICATION_STATE_SUBMITTED,
	pb.ApplicationState_APPLICATION_STATE_ACCEPTED,
	pb.ApplicationState_APPLICATION_STATE_RUNNING,
}

// withRM loads the command's configuration, dials the RM and runs fn.
func withRM(c *cli.Context, fn func(s *client.RM) error) error {
	cfg, err := loadConf(c)
	if err != nil {
		return err
	}
	rm, err := dialConfRM(cfg)
	if err != nil {
		return err
	}
	defer rm.Close()
	return explainNoRM(cfg, fn(rm), rmByConf)
}

// parseAppIDFlag checks the application id given to flag and returns it in
// canonical form (application_<clusterTimestamp>_<seq:04>).
func parseAppIDFlag(flag, value string) (string, error) {
	if strings.TrimSpace(value) == "" {
		return "", fmt.Errorf("-%s: give an application id (%s)", flag, appIDForm)
	}
	id, err := ids.ParseApplicationID(strings.TrimSpace(value))
	if err != nil {
		return "", fmt.Errorf("-%s: %w; an application id is %s", flag, err, appIDForm)
	}
	return id.String(), nil
}

// parseAppStates parses -appStates values, each a comma list of YARN state
// names or ALL, into states in YARN's order; none given means nil.
func parseAppStates(values []string) ([]pb.ApplicationState, error) {
	seen := map[pb.ApplicationState]bool{}
	for _, v := range values {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if strings.EqualFold(name, allStatesOption) {
				return resourcemanager.ApplicationStates(), nil
			}
			st, ok := resourcemanager.ParseApplicationState(name)
			if !ok {
				return nil, fmt.Errorf("-appStates: %q is not an application state: use %s, %s", name, allStatesOption, resourcemanager.ApplicationStateNames())
			}
			seen[st] = true
		}
	}
	var out []pb.ApplicationState
	for _, st := range resourcemanager.ApplicationStates() {
		if seen[st] {
			out = append(out, st)
		}
	}
	return out, nil
}

// parseAppTypes parses -appTypes values into upper-case types, as YARN's
// CLI does; types match case-insensitively.
func parseAppTypes(values []string) []string {
	var out []string
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			t = strings.ToUpper(strings.TrimSpace(t))
			if t != "" && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}

// javaList formats items as Java's Collection.toString does: [a, b].
func javaList(items []string) string {
	return "[" + strings.Join(items, ", ") + "]"
}

// formatProgress formats a 0–1 progress as YARN's DecimalFormat("###.##%").
func formatProgress(p float32) string {
	s := strconv.FormatFloat(float64(p)*100, 'f', 2, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	}
	return s + "%"
}

// orNA prints YARN's N/A for a value the RM does not know.
func orNA(s string) string {
	if s == "" {
		return "N/A"
	}
	return s
}

// printApplications prints apps as `yarn application -list` does.
func printApplications(w io.Writer, types []string, states []pb.ApplicationState, tags []string, apps []*pb.ApplicationReport) {
	names := make([]string, 0, len(states))
	for _, st := range states {
		names = append(names, resourcemanager.ApplicationStateName(st))
	}
	if len(tags) > 0 {
		fmt.Fprintf(w, "Total number of applications (application-types: %s, states: %s and tags: %s):%d\n", javaList(types), javaList(names), javaList(tags), len(apps))
	} else {
		fmt.Fprintf(w, "Total number of applications (application-types: %s and states: %s):%d\n", javaList(types), javaList(names), len(apps))
	}
	fmt.Fprintf(w, applicationsPattern, "Application-Id", "Application-Name", "Application-Type", "User", "Queue", "State", "Final-State", "Progress", "Tracking-URL")
	for _, a := range apps {
		fmt.Fprintf(w, applicationsPattern, a.GetApplicationId(), a.GetName(), a.GetApplicationType(), a.GetUser(), a.GetQueue(),
			resourcemanager.ApplicationStateName(a.GetState()), resourcemanager.FinalStatusName(a.GetFinalStatus()),
			formatProgress(a.GetProgress()), orNA(a.GetTrackingUrl()))
	}
}

// printApplicationReport prints r as `yarn application -status` does.
// YARN's Start-Time is when the application was submitted and Launch-Time
// when its AM started.
func printApplicationReport(w io.Writer, r *pb.ApplicationReport) {
	fmt.Fprintln(w, "Application Report : ")
	for _, f := range []struct{ key, value string }{
		{"Application-Id", r.GetApplicationId()},
		{"Application-Name", r.GetName()},
		{"Application-Type", r.GetApplicationType()},
		{"Application Tags", strings.Join(r.GetTags(), ",")},
		{"User", r.GetUser()},
		{"Queue", r.GetQueue()},
		{"Application Priority", strconv.Itoa(int(r.GetPriority()))},
		{"Start-Time", strconv.FormatInt(r.GetSubmitTimeUnixMs(), 10)},
		{"Launch-Time", strconv.FormatInt(r.GetStartTimeUnixMs(), 10)},
		{"Finish-Time", strconv.FormatInt(r.GetFinishTimeUnixMs(), 10)},
		{"Progress", formatProgress(r.GetProgress())},
		{"State", resourcemanager.ApplicationStateName(r.GetState())},
		{"Final-State", resourcemanager.FinalStatusName(r.GetFinalStatus())},
		{"Tracking-URL", orNA(r.GetTrackingUrl())},
		{"RPC Port", strconv.Itoa(int(r.GetRpcPort()))},
		{"AM Host", orNA(r.GetHost())},
		{"Diagnostics", r.GetDiagnostics()},
		{"Unmanaged Application", strconv.FormatBool(r.GetUnmanagedAm())},
	} {
		fmt.Fprintf(w, "\t%s : %s\n", f.key, f.value)
	}
}

// printAttempts prints attempts as `yarn applicationattempt -list` does.
func printAttempts(w io.Writer, attempts []*pb.ApplicationAttemptReport) {
	fmt.Fprintf(w, "Total number of application attempts :%d\n", len(attempts))
	fmt.Fprintf(w, attemptsPattern, "ApplicationAttempt-Id", "State", "AM-Container-Id", "Tracking-URL")
	for _, a := range attempts {
		fmt.Fprintf(w, attemptsPattern, a.GetAttemptId(), resourcemanager.AttemptStateName(a.GetState()),
			orNA(a.GetAmContainerId()), orNA(a.GetTrackingUrl()))
	}
}

// printAttemptReport prints a as `yarn applicationattempt -status` does.
func printAttemptReport(w io.Writer, a *pb.ApplicationAttemptReport) {
	fmt.Fprintln(w, "Application Attempt Report : ")
	for _, f := range []struct{ key, value string }{
		{"ApplicationAttempt-Id", a.GetAttemptId()},
		{"State", resourcemanager.AttemptStateName(a.GetState())},
		{"AMContainer", orNA(a.GetAmContainerId())},
		{"Tracking-URL", orNA(a.GetTrackingUrl())},
		{"RPC Port", strconv.Itoa(int(a.GetRpcPort()))},
		{"AM Host", orNA(a.GetHost())},
		{"Diagnostics", a.GetDiagnostics()},
	} {
		fmt.Fprintf(w, "\t%s : %s\n", f.key, f.value)
	}
}

// oneAction checks that at most one of a command's action flags is set and
// that no stray arguments were given; it returns the action's name, or ""
// when none is set. usage says what the command takes, for errors.
func oneAction(c *cli.Context, usage string, actions ...string) (string, error) {
	var set []string
	for _, a := range actions {
		if c.IsSet(a) {
			set = append(set, a)
		}
	}
	if c.Args().Present() {
		return "", fmt.Errorf("unexpected argument %q: %s", c.Args().First(), usage)
	}
	switch len(set) {
	case 0:
		return "", nil
	case 1:
		return set[0], nil
	}
	return "", fmt.Errorf("%s given together: %s", flagList(set), usage)
}

// flagList names flags for messages: -a, -b and -c.
func flagList(names []string) string {
	dashed := make([]string, len(names))
	for i, n := range names {
		dashed[i] = "-" + n
	}
	if len(dashed) == 1 {
		return dashed[0]
	}
	return strings.Join(dashed[:len(dashed)-1], ", ") + " and " + dashed[len(dashed)-1]
}
