package submit

import (
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/spindlehq/spindle/conf"
)

// redacted replaces a secret value, as in Spark's Utils.redact.
const redacted = "*********(redacted)"

// WriteVerbose writes what spark-submit --verbose prints: each properties
// file read with its keys ("Using properties file: …", "Adding default
// property: …"), the resolved arguments ("Parsed arguments:") and every
// key with its value and, unlike Spark, where the value came from. Values
// whose key or value matches spark.redaction.regex are redacted.
func (o *Options) WriteVerbose(w io.Writer) {
	redact := o.redactor()
	for _, f := range o.propertiesRead {
		fmt.Fprintf(w, "Using properties file: %s\n", f.path)
		for _, k := range slices.Sorted(maps.Keys(f.props)) {
			fmt.Fprintf(w, "Adding default property: %s=%s\n", k, redact(k, f.props[k]))
		}
	}
	orNull := func(s string) string {
		if s == "" {
			return "null"
		}
		return s
	}
	fmt.Fprintln(w, "Parsed arguments:")
	for _, a := range []struct{ name, value string }{
		{"master", o.Master},
		{"deployMode", o.DeployMode},
		{"executorMemory", o.Conf[conf.KeyExecutorMemory]},
		{"executorCores", o.Conf[conf.KeyExecutorCores]},
		{"propertiesFile", o.PropertiesFile},
		{"driverMemory", o.Conf[conf.KeyDriverMemory]},
		{"driverCores", o.Conf[conf.KeyDriverCores]},
		{"supervise", fmt.Sprint(o.Supervise)},
		{"queue", o.Queue},
		{"numExecutors", o.Conf[conf.KeyExecutorInstances]},
		{"files", strings.Join(o.Files, ",")},
		{"archives", strings.Join(o.Archives, ",")},
		{"primaryResource", o.Application},
		{"name", o.Name},
		{"childArgs", "[" + strings.Join(o.AppArgs, " ") + "]"},
		{"confDir", o.ConfDir},
		{"verbose", fmt.Sprint(o.Verbose)},
	} {
		fmt.Fprintf(w, "  %-24s%s\n", a.name, orNull(a.value))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Spark properties used, including those specified through")
	fmt.Fprintf(w, " --conf and those from the properties files %s, and where each came from:\n", orNull(strings.Join(o.PropertiesFiles, ", ")))
	for _, k := range slices.Sorted(maps.Keys(o.Conf)) {
		fmt.Fprintf(w, "  (%s,%s) from %s\n", k, redact(k, o.Conf[k]), o.Sources[k])
	}
	fmt.Fprintln(w)
}

// redactor returns a function that redacts a value whose key or value
// matches spark.redaction.regex, as Spark does.
func (o *Options) redactor() func(key, value string) string {
	// Parse checked the key's value; the default compiles.
	re, err := regexp.Compile(o.Settings.String(conf.KeyRedactionRegex))
	if err != nil {
		re = regexp.MustCompile(conf.DefaultRedactionRegex)
	}
	return func(key, value string) string {
		if re.MatchString(key) || re.MatchString(value) {
			return redacted
		}
		return value
	}
}
