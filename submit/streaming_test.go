package submit

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// streamingJob is a 24/7 streaming job's spark-submit command line, one
// option per line as a script would write it.
var streamingJob = [][]string{
	{"spark-submit"},
	{"--master", "yarn"},
	{"--deploy-mode", "cluster"},
	{"--name", "clickstream-sessionizer"},
	{"--queue", "streaming"},
	{"--class", "com.example.clickstream.Sessionizer"},
	{"--jars", "/opt/jobs/lib/kafka-clients-3.6.1.jar,/opt/jobs/lib/spark-streaming-kafka-0-10_2.12-3.5.1.jar"},
	{"--files", "log4j.properties,app.conf"},
	{"--num-executors", "6"},
	{"--executor-cores", "2"},
	{"--executor-memory", "4g"},
	{"--driver-memory", "2g"},
	{"--conf", "spark.yarn.maxAppAttempts=4"},
	{"--conf", "spark.yarn.am.attemptFailuresValidityInterval=1h"},
	{"--conf", "spark.yarn.max.executor.failures=48"},
	{"--conf", "spark.yarn.executor.failuresValidityInterval=1h"},
	{"--conf", "spark.task.maxFailures=8"},
	{"--conf", "spark.executor.memoryOverhead=1g"},
	{"--conf", "spark.yarn.submit.waitAppCompletion=false"},
	{"--conf", "spark.streaming.backpressure.enabled=true"},
	{"--conf", "spark.streaming.backpressure.initialRate=500"},
	{"--conf", "spark.streaming.kafka.maxRatePerPartition=1000"},
	{"--conf", "spark.streaming.stopGracefullyOnShutdown=true"},
	{"--conf", "spark.speculation=false"},
	{"--conf", "spark.driver.extraJavaOptions=-Dlog4j.configuration=log4j.properties -XX:+UseG1GC"},
	{"--conf", "spark.executor.extraJavaOptions=-Dlog4j.configuration=log4j.properties -XX:+UseG1GC"},
	{"/opt/jobs/clickstream-sessionizer-assembly-1.4.0.jar"},
	{"--input-topic", "clicks", "--checkpoint", "hdfs:///checkpoints/sessionizer"},
}

// streamingJobApp is the line of streamingJob that names the application.
const streamingJobApp = 26

// spindleJob is streamingJob with only the binary name and the application
// path changed.
func spindleJob() [][]string {
	lines := slices.Clone(streamingJob)
	lines[0] = []string{"spindle", "submit"}
	lines[streamingJobApp] = []string{"/opt/jobs/clickstream-sessionizer"}
	return lines
}

// flatten joins command-line lines into arguments.
func flatten(lines [][]string) []string {
	var args []string
	for _, l := range lines {
		args = append(args, l...)
	}
	return args
}

// streamingJVMParts are the parts of streamingJob that only a JVM uses.
var streamingJVMParts = []string{"--class", "--jars", "spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions"}

func TestStreamingJob(t *testing.T) {
	args := flatten(spindleJob())[2:]
	if !strings.HasSuffix(streamingJob[streamingJobApp][0], ".jar") {
		t.Fatalf("line %d of streamingJob is not the application: %q", streamingJobApp, streamingJob[streamingJobApp])
	}
	o, warnings := mustParse(t, args, ParseOptions{ReadFile: fakeFiles(nil)})

	if len(warnings) != len(streamingJVMParts) {
		t.Errorf("%d warnings, want one for each of %q:\n%s", len(warnings), streamingJVMParts, strings.Join(warnings, "\n"))
	}
	for _, part := range streamingJVMParts {
		want := "Warning: " + part + " is a JVM option; Spindle ignores it."
		if n := countEqual(warnings, want); n != 1 {
			t.Errorf("%d warnings %q, want 1", n, want)
		}
		if _, ok := o.Conf[part]; ok {
			t.Errorf("Conf keeps %s", part)
		}
	}

	want := Options{
		Action: ActionSubmit, Master: "yarn", DeployMode: "cluster", Name: "clickstream-sessionizer", Queue: "streaming",
		NumExecutors: 6, ExecutorCores: 2, DriverCores: 1, ExecutorMemoryMB: 4096, DriverMemoryMB: 2048,
		ExecutorMemoryOverheadMB: 1024, Files: []string{"log4j.properties", "app.conf"},
		Application: "/opt/jobs/clickstream-sessionizer",
	}
	if !equalOptions(*o, want) {
		t.Errorf("Options = %+v\nwant      %+v", *o, want)
	}
	if !sameStrings(o.AppArgs, []string{"--input-topic", "clicks", "--checkpoint", "hdfs:///checkpoints/sessionizer"}) {
		t.Errorf("AppArgs = %q", o.AppArgs)
	}

	ints := map[string]int64{
		"spark.yarn.maxAppAttempts":     4,
		"spark.executor.maxNumFailures": 48, // from its older name
		"spark.task.maxFailures":        8,
		"spark.executor.instances":      6,
	}
	for k, w := range ints {
		if got := o.Settings.Int(k); got != w {
			t.Errorf("Int(%s) = %d; want %d", k, got, w)
		}
	}
	durations := map[string]time.Duration{
		"spark.yarn.am.attemptFailuresValidityInterval": time.Hour,
		"spark.executor.failuresValidityInterval":       time.Hour, // from its older name
		"spark.yarn.report.interval":                    time.Second,
		"spark.yarn.containerLaunchTimeout":             120 * time.Second,
		"spark.locality.wait":                           3 * time.Second,
	}
	for k, w := range durations {
		if got := o.Settings.Duration(k); got != w {
			t.Errorf("Duration(%s) = %v; want %v", k, got, w)
		}
	}
	if o.Settings.Bool("spark.yarn.submit.waitAppCompletion") {
		t.Error("spark.yarn.submit.waitAppCompletion is true; want false")
	}
	for k, v := range map[string]string{
		"spark.streaming.backpressure.enabled":          "true",
		"spark.streaming.backpressure.initialRate":      "500",
		"spark.streaming.kafka.maxRatePerPartition":     "1000",
		"spark.streaming.stopGracefullyOnShutdown":      "true",
		"spark.speculation":                             "false",
		"spark.yarn.dist.files":                         "log4j.properties,app.conf",
		"spark.yarn.queue":                              "streaming",
		"spark.app.name":                                "clickstream-sessionizer",
		"spark.executor.memory":                         "4g",
		"spark.yarn.am.attemptFailuresValidityInterval": "1h",
	} {
		if o.Conf[k] != v {
			t.Errorf("Conf[%s] = %q, want %q", k, o.Conf[k], v)
		}
	}
}

// TestStreamingJobOnlyTwoChanges guards the example: the spindle command
// line differs from spark-submit's only in the binary and the application.
func TestStreamingJobOnlyTwoChanges(t *testing.T) {
	spindle := spindleJob()
	var changed []int
	for i := range streamingJob {
		if !slices.Equal(streamingJob[i], spindle[i]) {
			changed = append(changed, i)
		}
	}
	if !slices.Equal(changed, []int{0, streamingJobApp}) {
		t.Errorf("lines %v differ, want [0 %d]", changed, streamingJobApp)
	}
}

// countEqual counts the elements of s equal to v.
func countEqual(s []string, v string) int {
	n := 0
	for _, e := range s {
		if e == v {
			n++
		}
	}
	return n
}
