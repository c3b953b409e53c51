package conf

import (
	"errors"
	"strings"
	"testing"
)

func TestAppRegistryBuilds(t *testing.T) {
	if _, err := appRegistry(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, k := range AppKeys() {
		if k.Scope != ScopeApplication {
			t.Errorf("%s: scope %q", k.Name, k.Scope)
		}
		if !strings.HasPrefix(k.Name, "spark.") && !strings.HasPrefix(k.Name, "spindle.") {
			t.Errorf("%s is neither a spark.* nor a spindle.* key", k.Name)
		}
		for _, n := range append([]string{k.Name}, k.Alternatives...) {
			if seen[n] {
				t.Errorf("%s is declared twice", n)
			}
			seen[n] = true
		}
	}
}

func TestAppKeyLookup(t *testing.T) {
	for name, want := range map[string]string{
		"spark.executor.memory":                "spark.executor.memory",
		"spark.yarn.executor.memoryOverhead":   "spark.executor.memoryOverhead",
		"spark.yarn.max.executor.failures":     "spark.executor.maxNumFailures",
		"spark.checkpoint.dir":                 "spindle.checkpoint.dir",
		"spark.executorEnv.TZ":                 "spark.executorEnv.*",
		"spark.dynamicAllocation.enabled":      "spark.dynamicAllocation.enabled",
		"spark.dynamicAllocation.maxExecutors": "spark.dynamicAllocation.*",
		"spark.sql.shuffle.partitions":         "spark.sql.*",
	} {
		k, ok := LookupAppKey(name)
		if !ok || k.Name != want {
			t.Errorf("LookupAppKey(%s) = %s, %v; want %s", name, k.Name, ok, want)
		}
	}
	for _, name := range []string{"spark.exector.memory", "spindle.kafka.topic", "spark.executorEnv", "yarn.scheduler.maximum-allocation-mb"} {
		if k, ok := LookupAppKey(name); ok {
			t.Errorf("LookupAppKey(%s) = %s, want none", name, k.Name)
		}
	}
}

func TestSuggestAppKey(t *testing.T) {
	for name, want := range map[string]string{
		"spark.exector.memory":            "spark.executor.memory",
		"spark.yarn.maxAppAtempts":        "spark.yarn.maxAppAttempts",
		"spindle.kafka.topic":             "spindle.kafka.topics",
		"spark.executor.Memory":           "spark.executor.memory",
		"spark.yarn.max.executor.failure": "spark.yarn.max.executor.failures",
	} {
		if got, d := SuggestAppKey(name); got != want || d > 2 {
			t.Errorf("SuggestAppKey(%s) = %s (distance %d), want %s", name, got, d, want)
		}
	}
}

func TestCheckValue(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		want       string // "" = accepted; else a part of the error
	}{
		{"spindle.streaming.batchDuration", "fast", `"fast" is not a duration`},
		{"spindle.streaming.batchDuration", "0", `"0" is too small: use at least 1ms; a bare number means milliseconds`},
		{"spindle.streaming.batchDuration", "500ms", ""},
		{"spark.executor.instances", "0", `"0" is too small: use at least 1`},
		{"spark.executor.instances", "3000000000", "is too large"},
		{"spark.executor.memory", "512k", `"512k" is too small: use at least 1m; a bare number means MiB`},
		{"spark.executor.memory", "1.5g", "fractions are not supported"},
		{"spark.executor.memoryOverhead", "-1", `"-1" is too small: use at least 0`},
		{"spark.executor.memoryOverheadFactor", "0", `"0" is not a number above 0`},
		{"spark.executor.memoryOverheadFactor", "abc", `"abc" is not a number`},
		{"spark.executor.memoryOverheadFactor", "0.25", ""},
		{"spark.master", "yarn-cluster", "use yarn with --deploy-mode cluster"},
		{"spark.submit.deployMode", "local", "use one of cluster, client"},
		{"spark.app.name", "", "is empty"},
		{"spark.yarn.tags", "a,b", ""},
		{"spark.yarn.tags", "a,b,c,d,e,f,g,h,i,j,k", "YARN allows at most 10"},
		{"spark.yarn.tags", strings.Repeat("x", 101), "at most 100"},
		{"spark.yarn.tags", "", ""},
		{"spark.yarn.applicationType", "STREAMING-ETL-WITH-A-LONG-NAME", "longer than the 20 characters"},
		{"spark.yarn.priority", "-3", ""},
		{"spindle.kafka.bootstrap.servers", "kafka:9092, kafka2:9093", ""},
		{"spindle.kafka.bootstrap.servers", "kafka", `broker "kafka" is not host:port`},
		{"spindle.kafka.bootstrap.servers", "kafka:0", `broker "kafka:0" is not host:port`},
		{"spindle.kafka.auto.offset.reset", "smallest", "use one of earliest, latest, none"},
		{"spindle.log.level", "DEBUG", ""},
		{"spindle.log.level", "trace", "use one of debug, info, warn, error (in any case)"},
		{"spindle.log.app.level", "warn", ""},
		{"spark.driver.port", "70000", "is not a port"},
		{"spark.yarn.containerLaunchTimeout", "30", ""},
		{"spark.locality.wait", "0", ""},
	} {
		k, ok := LookupAppKey(tc.key)
		if !ok {
			t.Fatalf("%s is not an application key", tc.key)
		}
		err := CheckValue(k, tc.value)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s=%q: %v, want accepted", tc.key, tc.value, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s=%q: %v, want an error with %q", tc.key, tc.value, err, tc.want)
		}
	}
}

func TestAppKeyNotices(t *testing.T) {
	for _, tc := range []struct {
		key, value, want string
	}{
		{"spark.speculation", "true", "does not launch speculative copies"},
		{"spark.speculation", "false", ""},
		{"spark.dynamicAllocation.enabled", "TRUE", "does not scale executors"},
		{"spark.streaming.receiver.writeAheadLog.enable", "true", ""},
		{"spark.streaming.receiver.writeAheadLog.closeFileAfterWrite", "true", "always closed after a write"},
		{"spark.eventLog.enabled", "true", ""},
		{"spark.streaming.concurrentJobs", "4", "treated as 1"},
		{"spark.streaming.concurrentJobs", "1", ""},
	} {
		k, _ := LookupAppKey(tc.key)
		got := ""
		if k.Notice != nil {
			got = k.Notice(tc.value)
		}
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s=%s: notice %q, want %q", tc.key, tc.value, got, tc.want)
		}
	}
}

func TestDaemonConfigWarnsOfApplicationKeys(t *testing.T) {
	// An application key in a daemon's configuration is not a typo: it is
	// reported, not refused, even under spindle.
	c := mustLoad(t, LoadOptions{Overrides: []string{"spindle.kafka.topics=events", "spindle.log.app.level=WARN"}})
	w := strings.Join(c.Warnings(), "\n")
	for _, k := range []string{"spindle.kafka.topics", "spindle.log.app.level"} {
		if !strings.Contains(w, k+" (from --conf) is an application key: set it with `spindle submit --conf`") {
			t.Errorf("no warning for %s in:\n%s", k, w)
		}
	}
	if _, err := Load(LoadOptions{LookupEnv: noEnv, Overrides: []string{"spindle.kafka.topic=events"}}); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("an unknown spindle key: %v, want ErrUnknownKey", err)
	}
}
