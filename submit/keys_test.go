package submit

import (
	"strings"
	"testing"

	"github.com/spindlehq/spindle/conf"
)

// TestFlagKeys: every key a flag sets is an application key of the
// registry, whose default the usage shows.
func TestFlagKeys(t *testing.T) {
	for _, f := range flags {
		if f.key == "" {
			continue
		}
		k, ok := conf.LookupAppKey(f.key)
		if !ok || k.Name != f.key || k.Ignored != "" {
			t.Errorf("flag %s sets %s, which is not an application key", f.name, f.key)
		}
		if d := flagDefault(f.key); d == "" || d == "(none)" && f.key != conf.KeyDistFiles && f.key != conf.KeyDistArchives {
			t.Errorf("flag %s: default %q", f.name, d)
		}
	}
}

// TestIgnoredKeys: the keys only a JVM, Python, Kerberos or Spark SQL use
// are dropped with a warning saying why; their look-alikes are not.
func TestIgnoredKeys(t *testing.T) {
	tests := map[string]string{
		"spark.driver.extraJavaOptions":      reasonJVM,
		"spark.executor.extraLibraryPath":    reasonJVM,
		"spark.jars":                         reasonJVM,
		"spark.jars.packages":                reasonJVM,
		"spark.yarn.jars":                    reasonJVM,
		"spark.yarn.archive":                 reasonJVM,
		"spark.serializer":                   conf.IgnoredSerializer,
		"spark.serializer.objectStreamReset": conf.IgnoredSerializer,
		"spark.kryo.registrator":             conf.IgnoredSerializer,
		"spark.kryoserializer.buffer.max":    conf.IgnoredSerializer,
		"spark.kerberos.keytab":              reasonKerberos,
		"spark.yarn.principal":               reasonKerberos,
		"spark.sql.shuffle.partitions":       conf.IgnoredSQL,
	}
	for k, want := range tests {
		_, warnings := mustParse(t, []string{"--conf", k + "=1", "./job"}, ParseOptions{ReadFile: fakeFiles(nil)})
		if w := ignoredWarning(k, want); !sameStrings(warnings, []string{w}) {
			t.Errorf("%s: warnings %q, want %q", k, warnings, w)
		}
	}
	for _, k := range []string{"spark.jarsx", "spark.sqlx.y"} {
		o, warnings := mustParse(t, []string{"--conf", k + "=1", "./job"}, ParseOptions{ReadFile: fakeFiles(nil)})
		if o.Conf[k] != "1" || len(warnings) != 1 || !strings.Contains(warnings[0], "not a Spark key Spindle knows") {
			t.Errorf("%s: Conf %q, warnings %q; want it passed to the job with a warning", k, o.Conf[k], warnings)
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
