package submit

import (
	"slices"
	"testing"

	"github.com/spindlehq/spindle/conf"
)

// Files of TestDefaultsFilesPrecedence: each layer sets spark.executor.cores
// to a value of its own; spark-defaults.conf alone sets
// spark.task.maxFailures, which shows whether it was read.
const (
	spindleDefaults = "/spindle/spindle-defaults.conf"
	sparkDefaults   = "/spark/conf/spark-defaults.conf"
	sparkHomeConf   = "/opt/spark/conf/spark-defaults.conf"
	jobProperties   = "p.conf"
)

// TestDefaultsFilesPrecedence checks spark-submit's precedence one layer
// at a time, each row adding a layer over the ones below it: flags, --conf,
// --properties-file, spindle-defaults.conf in Spindle's directory,
// spark-defaults.conf in Spark's (SPARK_CONF_DIR, else $SPARK_HOME/conf),
// the built-in default.
func TestDefaultsFilesPrecedence(t *testing.T) {
	all := map[string]string{
		spindleDefaults: "spark.executor.cores 4\n",
		sparkDefaults:   "spark.executor.cores 3\nspark.task.maxFailures 9\n",
		sparkHomeConf:   "spark.executor.cores 2\nspark.task.maxFailures 8\n",
		jobProperties:   "spark.executor.cores 5\n",
	}
	tests := []struct {
		name string
		// files are the files of all that exist.
		files []string
		env   map[string]string
		args  string
		// wantCores and wantSource are spark.executor.cores and its source.
		wantCores  int
		wantSource string
		// wantMaxFailures is spark.task.maxFailures, "" when
		// spark-defaults.conf is not read.
		wantMaxFailures string
		wantFiles       []string
	}{
		{"built-in default", nil, map[string]string{conf.EnvSparkConfDir: "/spark/conf"}, "./job",
			1, SourceDefault, "", nil},
		{"spark-defaults.conf over the built-in default", []string{sparkDefaults}, map[string]string{conf.EnvSparkConfDir: "/spark/conf"}, "./job",
			3, sparkDefaults, "9", []string{sparkDefaults}},
		{"$SPARK_HOME/conf when SPARK_CONF_DIR is not set", []string{sparkDefaults, sparkHomeConf}, map[string]string{conf.EnvSparkHome: "/opt/spark"}, "./job",
			2, sparkHomeConf, "8", []string{sparkHomeConf}},
		{"SPARK_CONF_DIR over $SPARK_HOME/conf", []string{sparkDefaults, sparkHomeConf}, map[string]string{conf.EnvSparkConfDir: "/spark/conf", conf.EnvSparkHome: "/opt/spark"}, "./job",
			3, sparkDefaults, "9", []string{sparkDefaults}},
		{"spindle-defaults.conf over spark-defaults.conf, which still gives its other keys", []string{spindleDefaults, sparkDefaults}, map[string]string{conf.EnvSparkConfDir: "/spark/conf"}, "./job",
			4, spindleDefaults, "9", []string{spindleDefaults, sparkDefaults}},
		{"--properties-file over both, which are then not read", []string{jobProperties, spindleDefaults, sparkDefaults}, map[string]string{conf.EnvSparkConfDir: "/spark/conf"}, "--properties-file p.conf ./job",
			5, jobProperties, "", []string{jobProperties}},
		{"--load-spark-defaults reads them under --properties-file", []string{jobProperties, spindleDefaults, sparkDefaults}, map[string]string{conf.EnvSparkConfDir: "/spark/conf"}, "--properties-file p.conf --load-spark-defaults ./job",
			5, jobProperties, "9", []string{jobProperties, spindleDefaults, sparkDefaults}},
		{"--conf over --properties-file", []string{jobProperties, spindleDefaults, sparkDefaults}, map[string]string{conf.EnvSparkConfDir: "/spark/conf"}, "--conf spark.executor.cores=6 --properties-file p.conf --load-spark-defaults ./job",
			6, "--conf", "9", []string{jobProperties, spindleDefaults, sparkDefaults}},
		{"a flag over --conf", []string{jobProperties, spindleDefaults, sparkDefaults}, map[string]string{conf.EnvSparkConfDir: "/spark/conf"}, "--executor-cores 7 --conf spark.executor.cores=6 --properties-file p.conf --load-spark-defaults ./job",
			7, "--executor-cores", "9", []string{jobProperties, spindleDefaults, sparkDefaults}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			for _, f := range tt.files {
				files[f] = all[f]
			}
			env := conf.Discover(conf.SearchDir{}, func(name string) (string, bool) {
				v, ok := tt.env[name]
				return v, ok
			})
			po := ParseOptions{ConfDir: "/spindle", SparkConfDirs: env.Spark, ReadFile: fakeFiles(files)}
			o, _ := mustParse(t, words(tt.args), po)
			if o.ExecutorCores != tt.wantCores || o.Sources[conf.KeyExecutorCores] != tt.wantSource {
				t.Errorf("executor cores %d from %q; want %d from %q", o.ExecutorCores, o.Sources[conf.KeyExecutorCores], tt.wantCores, tt.wantSource)
			}
			if got := o.Conf["spark.task.maxFailures"]; got != tt.wantMaxFailures {
				t.Errorf("spark.task.maxFailures = %q; want %q", got, tt.wantMaxFailures)
			}
			if !sameStrings(o.PropertiesFiles, tt.wantFiles) {
				t.Errorf("PropertiesFiles = %q; want %q", o.PropertiesFiles, tt.wantFiles)
			}
			wantFirst := ""
			if len(tt.wantFiles) > 0 {
				wantFirst = tt.wantFiles[0]
			}
			if o.PropertiesFile != wantFirst {
				t.Errorf("PropertiesFile = %q; want %q", o.PropertiesFile, wantFirst)
			}
		})
	}
}

// TestDefaultsFilesErrorsNameTheFile: a malformed spark-defaults.conf, or a
// bad value in it, is an error naming the file.
func TestDefaultsFilesErrorsNameTheFile(t *testing.T) {
	dirs := []conf.SearchDir{{Path: "/spark/conf", From: conf.EnvSparkConfDir}}
	_, _, err := Parse(words("./job"), ParseOptions{SparkConfDirs: dirs, ReadFile: fakeFiles(map[string]string{sparkDefaults: "spark.master\n"})})
	checkError(t, err, ErrPropertiesFile, sparkDefaults+":1:", "no value")
	_, _, err = Parse(words("./job"), ParseOptions{SparkConfDirs: dirs, ReadFile: fakeFiles(map[string]string{sparkDefaults: "spark.master local[*]\n"})})
	checkError(t, err, ErrInvalidValue, "spark.master (from "+sparkDefaults+")", "local[*]")
}

// TestSourcesOfEveryKey: every key of Conf says where it came from.
func TestSourcesOfEveryKey(t *testing.T) {
	po := ParseOptions{ConfDir: "/spindle", ReadFile: fakeFiles(map[string]string{spindleDefaults: "spark.files b.txt\n"})}
	o, _ := mustParse(t, words("--files a.txt --num-executors 3 --conf spark.yarn.tags=x ./job"), po)
	want := map[string]string{
		conf.KeyAppName:           SourceBinaryName,
		conf.KeyMaster:            SourceDefault,
		conf.KeyExecutorMemory:    SourceDefault,
		conf.KeyExecutorInstances: "--num-executors",
		conf.KeyTags:              "--conf",
		conf.KeyFiles:             spindleDefaults,
		conf.KeyDistFiles:         "--files and spark.files (from " + spindleDefaults + ")",
	}
	for k, w := range want {
		if o.Sources[k] != w {
			t.Errorf("Sources[%s] = %q; want %q", k, o.Sources[k], w)
		}
	}
	for k := range o.Conf {
		if o.Sources[k] == "" {
			t.Errorf("Conf[%s] has no source", k)
		}
	}
	if err := o.SetDefault(conf.KeyStagingDir, "file:///tmp/staging"); err != nil {
		t.Fatal(err)
	}
	if o.Sources[conf.KeyStagingDir] != SourceSubmit {
		t.Errorf("Sources[%s] = %q after SetDefault; want %q", conf.KeyStagingDir, o.Sources[conf.KeyStagingDir], SourceSubmit)
	}
	if !slices.Equal(o.PropertiesFiles, []string{spindleDefaults}) {
		t.Errorf("PropertiesFiles = %q", o.PropertiesFiles)
	}
}
