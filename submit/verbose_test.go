package submit

import (
	"strings"
	"testing"

	"github.com/spindlehq/spindle/conf"
)

func TestWriteVerbose(t *testing.T) {
	po := ParseOptions{
		ConfDir:       "/spindle",
		SparkConfDirs: []conf.SearchDir{{Path: "/spark/conf", From: conf.EnvSparkConfDir}},
		ReadFile: fakeFiles(map[string]string{
			spindleDefaults: "spark.executor.cores 4\nspark.mysink.keyPassword hunter2\n",
			sparkDefaults:   "spark.executor.cores 3\nspark.yarn.queue streaming\n",
		}),
	}
	o, _ := mustParse(t, []string{"--verbose", "--num-executors", "3",
		"--conf", `spindle.kafka.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="s3cret";`,
		"./job", "a", "b"}, po)
	var b strings.Builder
	o.WriteVerbose(&b)
	out := b.String()
	for _, want := range []string{
		"Using properties file: " + spindleDefaults + "\nAdding default property: spark.executor.cores=4\nAdding default property: spark.mysink.keyPassword=*********(redacted)\n",
		"Using properties file: " + sparkDefaults + "\nAdding default property: spark.executor.cores=3\nAdding default property: spark.yarn.queue=streaming\n",
		"Parsed arguments:\n  master                  yarn\n  deployMode              cluster\n",
		"  executorCores           4\n",
		"  propertiesFile          " + spindleDefaults + "\n",
		"  numExecutors            3\n",
		"  files                   null\n",
		"  primaryResource         ./job\n",
		"  childArgs               [a b]\n",
		"  verbose                 true\n",
		" --conf and those from the properties files " + spindleDefaults + ", " + sparkDefaults + ", and where each came from:\n",
		"  (spark.app.name,job) from the job binary's name\n",
		"  (spark.executor.cores,4) from " + spindleDefaults + "\n",
		"  (spark.executor.instances,3) from --num-executors\n",
		"  (spark.executor.memory,1g) from default\n",
		"  (spark.yarn.queue,streaming) from " + sparkDefaults + "\n",
		// Redacted for its key, and for its value.
		"  (spark.mysink.keyPassword,*********(redacted)) from " + spindleDefaults + "\n",
		"  (spindle.kafka.sasl.jaas.config,*********(redacted)) from --conf\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--verbose output lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{"hunter2", "s3cret"} {
		if strings.Contains(out, secret) {
			t.Errorf("--verbose output shows the secret %q:\n%s", secret, out)
		}
	}

	// spark.redaction.regex replaces the default, as in Spark.
	o, _ = mustParse(t, words("--conf spark.redaction.regex=queue ./job"), po)
	b.Reset()
	o.WriteVerbose(&b)
	if out := b.String(); !strings.Contains(out, "(spark.yarn.queue,*********(redacted))") || !strings.Contains(out, "spark.mysink.keyPassword=hunter2") {
		t.Errorf("with spark.redaction.regex=queue:\n%s", out)
	}
	_, _, err := Parse(words("--conf spark.redaction.regex=(?<=a)b ./job"), po)
	checkError(t, err, ErrInvalidValue, "spark.redaction.regex", "RE2")
}
