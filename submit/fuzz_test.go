package submit

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/ids"
)

// fuzzFiles are the files FuzzParse's command lines can name.
var fuzzFiles = map[string]string{
	"/c/spindle-defaults.conf": "spark.executor.cores 2\nspark.yarn.tags a,b\nfoo.bar 1\n",
	"p.conf":                   "spark.driver.memory=2g\nspark.sql.x=1\nspark.locality.wait 1s\n",
	"bad.conf":                 "spark.a\n",
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"./job",
		"--master yarn --deploy-mode client --name n --queue q ./job a b",
		"--num-executors=3 --executor-cores 2 --executor-memory 3g --driver-memory 512 --driver-cores 1 ./job",
		"--conf spark.a=1 -c spark.executor.memoryOverhead=0 --conf foo=1 --conf spark.sql.x=2 ./job --conf x",
		"--properties-file p.conf --load-spark-defaults ./job",
		"--properties-file bad.conf ./job",
		"--conf-dir /c --files a,b/a ./job",
		"--kill application_1_0001 --master spindle://h:1",
		"--status application_1_0001 ./job",
		"--class A --jars b --supervise -v ./job",
		"--help",
		"--version --bogus",
		"--executor-memroy 4g ./job",
		"--master",
		"--conf=spark.yarn.maxAppAttempts=0 ./job",
		" ",
		"",
		"--name  ./job",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var args []string
		if s != "" {
			args = strings.Split(s, " ")
		}
		o, warnings, err := Parse(args, ParseOptions{ConfDir: "/c", ReadFile: fakeFiles(fuzzFiles)})
		for _, w := range warnings {
			if !strings.HasPrefix(w, "Warning: ") || strings.ContainsAny(w, "\n\r") {
				t.Errorf("warning %q is not one line starting Warning:", w)
			}
		}
		if len(slices.Compact(slices.Sorted(slices.Values(warnings)))) != len(warnings) {
			t.Errorf("repeated warnings: %q", warnings)
		}
		if err != nil {
			if o != nil {
				t.Errorf("Options with error %v", err)
			}
			if err.Error() == "" || !slices.ContainsFunc(sentinels, func(s error) bool { return errors.Is(err, s) }) {
				t.Errorf("error %q wraps no sentinel", err)
			}
			return
		}
		if err := consistent(o, args); err != nil {
			t.Errorf("%q: %v\n%+v", args, err, *o)
		}
	})
}

// consistent checks that a successful parse's Options agree with
// themselves and with args.
func consistent(o *Options, args []string) error {
	if o.Conf == nil {
		return fmt.Errorf("nil Conf")
	}
	switch o.Action {
	case ActionHelp, ActionVersion:
		return nil
	case ActionKill, ActionStatus:
		if _, err := ids.ParseApplicationID(o.AppID); err != nil {
			return err
		}
		if o.Application != "" || len(o.AppArgs) != 0 {
			return fmt.Errorf("kill or status with an application")
		}
	case ActionSubmit:
		if o.Application == "" || o.Name == "" || o.AppID != "" {
			return fmt.Errorf("submit with application %q, name %q, app id %q", o.Application, o.Name, o.AppID)
		}
		n := len(o.AppArgs)
		if n+1 > len(args) || args[len(args)-n-1] != o.Application || !sameStrings(args[len(args)-n:], o.AppArgs) {
			return fmt.Errorf("application %q and its arguments %q are not the end of the command line", o.Application, o.AppArgs)
		}
	default:
		return fmt.Errorf("action %v", o.Action)
	}
	if !validValue(conf.KeyMaster, o.Master) || !validValue(conf.KeyDeployMode, o.DeployMode) || o.Queue == "" {
		return fmt.Errorf("master %q, deploy mode %q, queue %q", o.Master, o.DeployMode, o.Queue)
	}
	if o.NumExecutors < 1 || o.ExecutorCores < 1 || o.DriverCores < 1 || o.ExecutorMemoryMB < 1 || o.DriverMemoryMB < 1 ||
		o.ExecutorMemoryOverheadMB < 0 || o.DriverMemoryOverheadMB < 0 {
		return fmt.Errorf("non-positive resources")
	}
	for k, v := range map[string]string{"spark.master": o.Master, "spark.submit.deployMode": o.DeployMode, "spark.yarn.queue": o.Queue} {
		if o.Conf[k] != v {
			return fmt.Errorf("Conf[%s] = %q, field %q", k, o.Conf[k], v)
		}
	}
	if o.Name != "" && o.Conf["spark.app.name"] != o.Name {
		return fmt.Errorf("Conf[spark.app.name] = %q, Name %q", o.Conf["spark.app.name"], o.Name)
	}
	for k, v := range o.Conf {
		key, known := conf.LookupAppKey(k)
		if !strings.HasPrefix(k, "spark.") && !strings.HasPrefix(k, "spindle.") || known && key.Ignored != "" {
			return fmt.Errorf("Conf keeps %q", k)
		}
		if known && !validValue(k, v) {
			return fmt.Errorf("Conf[%s] = %q does not fit the key", k, v)
		}
		if !known && strings.HasPrefix(k, "spindle.") && !slices.Contains(clientKeys, k) {
			return fmt.Errorf("Conf keeps the unknown %q", k)
		}
	}
	if len(o.Files) > 0 && o.Conf["spark.yarn.dist.files"] != strings.Join(o.Files, ",") {
		return fmt.Errorf("Files %q, spark.yarn.dist.files %q", o.Files, o.Conf["spark.yarn.dist.files"])
	}
	if len(slices.Compact(slices.Sorted(slices.Values(o.Files)))) != len(o.Files) {
		return fmt.Errorf("duplicate Files %q", o.Files)
	}
	return nil
}

func FuzzParsePropertiesFile(f *testing.F) {
	for _, seed := range []string{
		"a 1\nb=2\nc:3\n",
		"# c\n! c\n\n k  =  v  \n",
		"k a\\\n  b\\\\\nx \\u00e9\\t\\ud83d\\ude00\n",
		"k\\ e\\=y\\:z v\r\nw\r",
		"=x\n",
		"k\n",
		"k \\u12",
		"\uFEFFk v\\",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		props, err := ParsePropertiesFile(data, "f.conf")
		if err != nil {
			if !errors.Is(err, ErrPropertiesFile) || !strings.Contains(err.Error(), "f.conf:") {
				t.Fatalf("error %q does not name the file and wrap ErrPropertiesFile", err)
			}
			return
		}
		for k, v := range props {
			if k == "" {
				t.Errorf("empty key with value %q", v)
			}
			if trimJava(v) != v {
				t.Errorf("value %q of %q is not trimmed", v, k)
			}
		}
		again, err := ParsePropertiesFile(formatProperties(props), "again.conf")
		if err != nil {
			t.Fatalf("formatted properties do not parse: %v\n%s", err, formatProperties(props))
		}
		if !maps.Equal(props, again) {
			t.Fatalf("round trip changed %q into %q", props, again)
		}
	})
}

// validValue reports whether v fits the application key name.
func validValue(name, v string) bool {
	k, ok := conf.LookupAppKey(name)
	return ok && conf.CheckValue(k, v) == nil
}

// formatProperties writes props in the properties format, escaping what
// the format would otherwise read differently.
func formatProperties(props map[string]string) []byte {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(props)) {
		b.WriteString(escapeProperty(k, true))
		b.WriteString("=")
		b.WriteString(escapeProperty(props[k], false))
		b.WriteString("\n")
	}
	return []byte(b.String())
}

// escapeProperty escapes s as a key or a value.
func escapeProperty(s string, key bool) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < ' ' || r == 0x7f || r == 0xFEFF: // U+FEFF would be read as a byte order mark
			fmt.Fprintf(&b, `\u%04x`, r)
		case key && strings.ContainsRune("=: #!", r), !key && i == 0 && r == ' ':
			b.WriteString(`\` + string(r))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
