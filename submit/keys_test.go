package submit

import (
	"strings"
	"testing"
)

func TestKeysTable(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Keys {
		if seen[k.Name] {
			t.Errorf("%s is listed twice", k.Name)
		}
		seen[k.Name] = true
		if !strings.HasPrefix(k.Name, "spark.") {
			t.Errorf("%s is not a spark.* key", k.Name)
		}
		if k.Default == "" || k.Meaning == "" {
			t.Errorf("%s lacks a default or a meaning", k.Name)
		}
		if r := ignoredReason(k.Name); r != "" {
			t.Errorf("%s is honoured and ignored (%s)", k.Name, r)
		}
		if k.Value != "" {
			if err := checkValue(k.Type, k.Value); err != nil {
				t.Errorf("%s: default %q does not fit type %s: %v", k.Name, k.Value, k.Type, err)
			}
		}
		if k.Flag != "" {
			f := flagsByName[k.Flag]
			if f == nil || f.key != k.Name {
				t.Errorf("%s names flag %s, which does not set it", k.Name, k.Flag)
			}
		}
		if k.Alias != "" && keysByName[k.Alias] == nil {
			t.Errorf("%s has alias %s, which has no row", k.Name, k.Alias)
		}
		if _, ok := typeDocs[k.Type]; !ok {
			t.Errorf("%s has type %q, which is not documented", k.Name, k.Type)
		}
	}
	for _, f := range flags {
		if f.key != "" && (keysByName[f.key] == nil || keysByName[f.key].Flag != f.name) {
			t.Errorf("flag %s sets %s, whose row does not name it", f.name, f.key)
		}
	}
	for _, name := range []string{
		"spark.yarn.maxAppAttempts", "spark.yarn.am.attemptFailuresValidityInterval", "spark.yarn.max.executor.failures",
		"spark.yarn.executor.failuresValidityInterval", "spark.yarn.containerLaunchTimeout", "spark.yarn.submit.waitAppCompletion",
		"spark.yarn.report.interval", "spark.yarn.stagingDir", "spark.yarn.tags", "spark.task.maxFailures", "spark.locality.wait",
		"spark.executor.memoryOverhead", "spark.driver.memoryOverhead", "spark.yarn.executor.memoryOverhead", "spark.yarn.driver.memoryOverhead",
	} {
		if !seen[name] {
			t.Errorf("Keys lacks %s", name)
		}
	}
}

func TestIgnoredReason(t *testing.T) {
	tests := map[string]string{
		"spark.driver.extraJavaOptions":        reasonJVM,
		"spark.executor.extraLibraryPath":      reasonJVM,
		"spark.jars":                           reasonJVM,
		"spark.jars.packages":                  reasonJVM,
		"spark.yarn.jars":                      reasonJVM,
		"spark.yarn.archive":                   reasonJVM,
		"spark.serializer":                     reasonSerializer,
		"spark.kryo.registrator":               reasonSerializer,
		"spark.kryoserializer.buffer.max":      reasonSerializer,
		"spark.kerberos.keytab":                reasonKerberos,
		"spark.yarn.principal":                 reasonKerberos,
		"spark.sql.shuffle.partitions":         reasonSQL,
		"spark.jarsx":                          "",
		"spark.sqlx.y":                         "",
		"spark.serializer.objectStreamReset":   "",
		"spark.streaming.backpressure.enabled": "",
		"spark.executor.memory":                "",
	}
	for k, want := range tests {
		if got := ignoredReason(k); got != want {
			t.Errorf("ignoredReason(%s) = %q, want %q", k, got, want)
		}
	}
}

func TestFlagsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range flags {
		for _, n := range []string{f.name, f.short} {
			if n == "" {
				continue
			}
			if seen[n] {
				t.Errorf("%s is listed twice", n)
			}
			seen[n] = true
		}
		if !strings.HasPrefix(f.name, "--") || f.short != "" && (len(f.short) != 2 || f.short[0] != '-') {
			t.Errorf("bad flag names %q, %q", f.name, f.short)
		}
		if f.help == "" {
			t.Errorf("%s has no help", f.name)
		}
		if f.ignored != "" && f.key != "" {
			t.Errorf("%s is ignored but sets %s", f.name, f.key)
		}
	}
	// Every flag of spark-submit is accepted.
	for _, n := range []string{"--archives", "--class", "--conf", "-c", "--deploy-mode", "--driver-class-path", "--driver-cores",
		"--driver-java-options", "--driver-library-path", "--driver-memory", "--executor-cores", "--executor-memory", "--files",
		"--jars", "--keytab", "--kill", "--master", "--name", "--num-executors", "--packages", "--exclude-packages",
		"--principal", "--properties-file", "--load-spark-defaults", "--proxy-user", "--py-files", "--queue", "--repositories",
		"--status", "--total-executor-cores", "--remote", "--help", "-h", "--supervise", "--verbose", "-v", "--version"} {
		if !seen[n] {
			t.Errorf("%s is not accepted", n)
		}
	}
}

func TestClosestFlag(t *testing.T) {
	for in, want := range map[string]string{
		"--executor-memroy": "--executor-memory",
		"--num-executor":    "--num-executors",
		"--deploymode":      "--deploy-mode",
		"--verbos":          "--verbose",
		"--propertiesfile":  "--properties-file",
		"--jar":             "--jars",
	} {
		if got := closestFlag(in); got != want {
			t.Errorf("closestFlag(%s) = %s, want %s", in, got, want)
		}
	}
}
