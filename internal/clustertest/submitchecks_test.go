package clustertest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/internal/testutil"
)

// submitCLI runs the real `spindle submit` against c and returns what it
// printed and its error.
func submitCLI(t *testing.T, c *testutil.Cluster, args ...string) (string, error) {
	t.Helper()
	full := []string{"--master", "spindle://" + c.RMAddr.Client, "--conf", "spark.yarn.stagingDir=file://" + c.Dir + "/staging"}
	for _, kv := range c.TLS.ClientConf() {
		full = append(full, "--conf", kv)
	}
	full = append(full, args...)
	return runSpindle(t, "submit", full...)
}

// TestSubmitRefusesBadSettingsBeforeAnyApplication: through the spindle
// binary against a real ResourceManager, a bad value or an unknown
// spindle.* key is refused before the ResourceManager is even asked for an
// application id, and containers larger than the maximum allocation are
// refused in YARN's words before the application exists; no application
// and no attempt is left behind. The messages are those docs/submitting.md
// quotes.
func TestSubmitRefusesBadSettingsBeforeAnyApplication(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	job := testutil.TestJobBinary(t)
	kafka := []string{"--conf", "spindle.kafka.bootstrap.servers=kafka1:9092", "--conf", "spindle.kafka.topics=clicks"}
	refuse := func(t *testing.T, args []string, want ...string) {
		t.Helper()
		out, err := submitCLI(t, c, append(args, job)...)
		if err == nil {
			t.Fatalf("spindle submit %q succeeded:\n%s", args, out)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("output lacks %q:\n%s", w, out)
			}
		}
		if strings.Contains(out, "Submitted application") {
			t.Errorf("an application was submitted:\n%s", out)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("bad value", func(t *testing.T) {
		refuse(t, append(kafka, "--conf", "spindle.streaming.batchDuration=fast"),
			`spindle: submit: invalid value: spindle.streaming.batchDuration (from --conf): "fast" is not a duration`,
			"Run 'spindle submit --help' for the flags.")
	})
	t.Run("unknown spindle key", func(t *testing.T) {
		refuse(t, append(kafka, "--conf", "spindle.kafka.topic=clicks"),
			"spindle: submit: unknown key: spindle.kafka.topic (from --conf) is not a Spindle key: did you mean spindle.kafka.topics?")
	})
	t.Run("settings that do not fit together", func(t *testing.T) {
		refuse(t, append(kafka, "--conf", "spindle.sink.kind=kafka"),
			"spindle: sink: invalid config: spindle.sink.kafka.topic is required with spindle.sink.kind=kafka")
	})
	// None of these asked the RM for anything: the next id is the first.
	newApp, err := c.Client().GetNewApplication(ctx, &pb.GetNewApplicationRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(newApp.GetApplicationId(), "_0001") {
		t.Fatalf("the RM handed out %s: a refused submit asked it for an id", newApp.GetApplicationId())
	}

	t.Run("executor memory above the maximum", func(t *testing.T) {
		refuse(t, append(kafka, "--executor-memory", "16g"),
			"InvalidResourceRequestException: Invalid resource request, requested memory < 0, or requested memory > max configured, requestedMemory=18022, maxMemory=8192",
			"each executor container needs 16384 MiB (spark.executor.memory) + 1638 MiB overhead")
	})
	t.Run("executor cores above the maximum", func(t *testing.T) {
		refuse(t, append(kafka, "--executor-cores", "8"),
			"Invalid resource request, requested virtual cores < 0, or requested virtual cores > max configured, requestedVirtualCores=8, maxVirtualCores=4",
			"spark.executor.cores")
	})
	t.Run("driver memory above the maximum", func(t *testing.T) {
		refuse(t, append(kafka, "--driver-memory", "9g"),
			"requestedMemory=10137, maxMemory=8192", "each driver container needs 9216 MiB (spark.driver.memory)")
	})

	apps, err := c.Client().GetApplications(ctx, &pb.GetApplicationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(apps.GetApplications()) != 0 {
		t.Fatalf("applications exist after the refusals: %v", apps.GetApplications())
	}
}

// TestSubmitTagsPriorityTypeAndWarnings: through the spindle binary,
// spark.yarn.tags, spark.yarn.priority and spark.yarn.applicationType reach
// the application's report, `spindle application -list -appTags` and
// -appTypes find it, the REST API's applicationTags too, and a misspelt
// Spark key is passed on with a warning naming the key meant.
func TestSubmitTagsPriorityTypeAndWarnings(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	stop := filepath.Join(testutil.SharedDir(t), "stop")
	sub := c.Submit("--num-executors", "1", "--executor-memory", "128m", "--driver-memory", "128m",
		"--conf", "spindle.driver.mode=process",
		"--conf", "spark.yarn.tags=nightly,Team-A",
		"--conf", "spark.yarn.priority=7",
		"--conf", "spark.yarn.applicationType=STREAMING",
		"--conf", "spark.exector.memory=4g",
		testutil.TestJobBinary(t), "--until-file", stop)
	appID := sub.AppID()
	if want := "Warning: spark.exector.memory (from --conf) is not a Spark key Spindle knows; it is passed to the job as it is. Did you mean spark.executor.memory?"; !strings.Contains(sub.Output(), want) {
		t.Errorf("output lacks %q:\n%s", want, sub.Output())
	}
	r := c.Report(appID)
	if r.GetApplicationType() != "STREAMING" || !slices.Equal(r.GetTags(), []string{"nightly", "Team-A"}) || r.GetPriority() != 7 {
		t.Fatalf("report: type %q, tags %q, priority %d; want STREAMING, [nightly Team-A], 7", r.GetApplicationType(), r.GetTags(), r.GetPriority())
	}
	for _, args := range [][]string{{"-appTags", "team-a"}, {"-appTypes", "streaming"}, {"-appTags", "other,NIGHTLY"}} {
		out, err := runSpindle(t, "application", append(append([]string{"-list"}, args...), c.ConfArgs()...)...)
		if err != nil || !strings.Contains(out, appID) {
			t.Errorf("application -list %q: %v, want %s listed:\n%s", args, err, appID, out)
		}
	}
	out, err := runSpindle(t, "application", append([]string{"-list", "-appTags", "other"}, c.ConfArgs()...)...)
	if err != nil || strings.Contains(out, appID) {
		t.Errorf("application -list -appTags other: %v, want %s not listed:\n%s", err, appID, out)
	}
	out, err = runSpindle(t, "application", append([]string{"-status", appID}, c.ConfArgs()...)...)
	if err != nil || !strings.Contains(out, "\tApplication Priority : 7\n") || !strings.Contains(out, "\tApplication Tags : nightly,Team-A\n") {
		t.Errorf("application -status: %v:\n%s", err, out)
	}
	if err := os.WriteFile(stop, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sub.Wait(60 * time.Second); err != nil {
		t.Fatalf("spindle submit: %v\n%s", err, sub.Output())
	}
}
