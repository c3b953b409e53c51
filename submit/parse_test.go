package submit

import (
	"maps"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/conf"
)

func TestParseDefaults(t *testing.T) {
	o, warnings := mustParse(t, []string{"./bin/sessionizer"}, ParseOptions{ReadFile: fakeFiles(nil)})
	if len(warnings) != 0 {
		t.Errorf("warnings = %q, want none", warnings)
	}
	want := Options{
		Action: ActionSubmit, Master: "yarn", DeployMode: "cluster", Name: "sessionizer", Queue: "default",
		NumExecutors: 2, ExecutorCores: 1, DriverCores: 1, ExecutorMemoryMB: 1024, DriverMemoryMB: 1024,
		Application: "./bin/sessionizer",
	}
	got := *o
	got.Conf, got.AppArgs = nil, nil
	if got.Files != nil || len(o.AppArgs) != 0 {
		t.Errorf("Files = %q, AppArgs = %q; want none", o.Files, o.AppArgs)
	}
	if !equalOptions(got, want) {
		t.Errorf("Options = %+v\nwant      %+v", got, want)
	}
	wantConf := map[string]string{
		"spark.master": "yarn", "spark.submit.deployMode": "cluster", "spark.app.name": "sessionizer",
		"spark.yarn.queue": "default", "spark.executor.instances": "2", "spark.executor.cores": "1",
		"spark.executor.memory": "1g", "spark.driver.memory": "1g", "spark.driver.cores": "1",
	}
	if !maps.Equal(o.Conf, wantConf) {
		t.Errorf("Conf = %v\nwant   %v", o.Conf, wantConf)
	}
}

// equalOptions compares the scalar fields and Files of two Options.
func equalOptions(a, b Options) bool {
	return a.Action == b.Action && a.Master == b.Master && a.DeployMode == b.DeployMode &&
		a.Name == b.Name && a.Queue == b.Queue && a.NumExecutors == b.NumExecutors &&
		a.ExecutorCores == b.ExecutorCores && a.DriverCores == b.DriverCores &&
		a.ExecutorMemoryMB == b.ExecutorMemoryMB && a.DriverMemoryMB == b.DriverMemoryMB &&
		a.ExecutorMemoryOverheadMB == b.ExecutorMemoryOverheadMB &&
		a.DriverMemoryOverheadMB == b.DriverMemoryOverheadMB && sameStrings(a.Files, b.Files) &&
		a.Supervise == b.Supervise && a.Verbose == b.Verbose && a.AppID == b.AppID &&
		a.Application == b.Application && a.PropertiesFile == b.PropertiesFile && a.ConfDir == b.ConfDir
}

func TestParseGood(t *testing.T) {
	files := map[string]string{
		"/etc/spindle/spindle-defaults.conf": "spark.executor.cores 3\nspark.yarn.tags nightly\n",
		"/other/spindle-defaults.conf":       "spark.executor.cores 5\n",
		"job.conf":                           "spark.executor.cores=4\nspark.driver.cores=2\n",
	}
	po := ParseOptions{ConfDir: "/etc/spindle", ReadFile: fakeFiles(files)}
	tests := []struct {
		name  string
		args  []string
		check func(t *testing.T, o *Options)
	}{
		{"every flag, space-separated", words("--master spindle://rm.example.com:8032 --deploy-mode client --name ingest --queue streaming --num-executors 6 --executor-cores 2 --executor-memory 4g --driver-memory 2048 --driver-cores 3 --files a.conf,/etc/b.conf --supervise --verbose ./job x"),
			func(t *testing.T, o *Options) {
				want := Options{Action: ActionSubmit, Master: "spindle://rm.example.com:8032", DeployMode: "client", Name: "ingest",
					Queue: "streaming", NumExecutors: 6, ExecutorCores: 2, DriverCores: 3, ExecutorMemoryMB: 4096, DriverMemoryMB: 2048,
					Files: []string{"a.conf", "/etc/b.conf"}, Supervise: true, Verbose: true, Application: "./job",
					PropertiesFile: "/etc/spindle/spindle-defaults.conf", ConfDir: "/etc/spindle"}
				if !equalOptions(*o, want) {
					t.Errorf("Options = %+v\nwant      %+v", *o, want)
				}
				for k, v := range map[string]string{"spark.executor.memory": "4g", "spark.driver.memory": "2048", "spark.driver.supervise": "true",
					"spark.yarn.dist.files": "a.conf,/etc/b.conf", "spark.submit.deployMode": "client", "spark.yarn.tags": "nightly"} {
					if o.Conf[k] != v {
						t.Errorf("Conf[%s] = %q, want %q", k, o.Conf[k], v)
					}
				}
			}},
		{"every flag with =", []string{"--master=yarn", "--deploy-mode=cluster", "--name=a=b", "--queue=q", "--num-executors=3", "--executor-cores=2", "--executor-memory=512m", "--driver-memory=1g", "--driver-cores=2", "--files=x", "--conf=spark.foo=1=2", "--properties-file=job.conf", "./job"},
			func(t *testing.T, o *Options) {
				if o.Name != "a=b" || o.Queue != "q" || o.NumExecutors != 3 || o.ExecutorMemoryMB != 512 || o.DriverCores != 2 || o.Conf["spark.foo"] != "1=2" {
					t.Errorf("Options = %+v", *o)
				}
				if o.PropertiesFile != "job.conf" || o.ExecutorCores != 2 {
					t.Errorf("PropertiesFile = %q, ExecutorCores = %d", o.PropertiesFile, o.ExecutorCores)
				}
			}},
		{"application arguments are untouched", words("--queue q ./job --master local --bogus -c x ./other"),
			func(t *testing.T, o *Options) {
				if o.Application != "./job" || !sameStrings(o.AppArgs, words("--master local --bogus -c x ./other")) || o.Master != "yarn" {
					t.Errorf("Application = %q, AppArgs = %q, Master = %q", o.Application, o.AppArgs, o.Master)
				}
			}},
		{"short aliases", words("-c spark.a=1 -v ./job"),
			func(t *testing.T, o *Options) {
				if o.Conf["spark.a"] != "1" || !o.Verbose {
					t.Errorf("Conf = %v, Verbose = %v", o.Conf, o.Verbose)
				}
			}},
		{"the last flag wins", words("--name a --name b --num-executors 3 --num-executors 4 ./job"),
			func(t *testing.T, o *Options) {
				if o.Name != "b" || o.NumExecutors != 4 {
					t.Errorf("Name = %q, NumExecutors = %d", o.Name, o.NumExecutors)
				}
			}},
		{"the last --conf wins", words("--conf spark.a=1 --conf spark.a=2 ./job"),
			func(t *testing.T, o *Options) {
				if o.Conf["spark.a"] != "2" {
					t.Errorf("spark.a = %q", o.Conf["spark.a"])
				}
			}},
		{"kill", words("--master spindle://[::1]:8032 --kill application_1700000000000_0042"),
			func(t *testing.T, o *Options) {
				if o.Action != ActionKill || o.AppID != "application_1700000000000_0042" || o.Application != "" || o.Name != "" || o.Master != "spindle://[::1]:8032" {
					t.Errorf("Options = %+v", *o)
				}
			}},
		{"status", words("--status application_1_0001"),
			func(t *testing.T, o *Options) {
				if o.Action != ActionStatus || o.AppID != "application_1_0001" {
					t.Errorf("Options = %+v", *o)
				}
			}},
		{"help ends the scan", words("--queue q --help --bogus"),
			func(t *testing.T, o *Options) {
				if o.Action != ActionHelp {
					t.Errorf("Action = %v", o.Action)
				}
			}},
		{"-h", words("-h"), func(t *testing.T, o *Options) {
			if o.Action != ActionHelp {
				t.Errorf("Action = %v", o.Action)
			}
		}},
		{"version ends the scan", words("-v --version ./job"),
			func(t *testing.T, o *Options) {
				if o.Action != ActionVersion || !o.Verbose || o.Conf == nil {
					t.Errorf("Options = %+v", *o)
				}
			}},
		{"memory forms", words("--executor-memory 1500k --driver-memory 3G ./job"),
			func(t *testing.T, o *Options) {
				if o.ExecutorMemoryMB != 1 || o.DriverMemoryMB != 3072 {
					t.Errorf("memory = %d, %d", o.ExecutorMemoryMB, o.DriverMemoryMB)
				}
			}},
		{"overheads: new names win over the old", words("--conf spark.yarn.executor.memoryOverhead=1g --conf spark.executor.memoryOverhead=512 --conf spark.yarn.driver.memoryOverhead=600m ./job"),
			func(t *testing.T, o *Options) {
				if o.ExecutorMemoryOverheadMB != 512 || o.DriverMemoryOverheadMB != 600 {
					t.Errorf("overheads = %d, %d", o.ExecutorMemoryOverheadMB, o.DriverMemoryOverheadMB)
				}
			}},
		{"files from keys, merged without duplicates", words("--conf spark.yarn.dist.files=a,b --conf spark.files=b,,c ./job"),
			func(t *testing.T, o *Options) {
				if !sameStrings(o.Files, []string{"a", "b", "c"}) || o.Conf["spark.yarn.dist.files"] != "a,b,c" {
					t.Errorf("Files = %q, spark.yarn.dist.files = %q", o.Files, o.Conf["spark.yarn.dist.files"])
				}
			}},
		{"--files wins over spark.yarn.dist.files", words("--conf spark.yarn.dist.files=a --files x.conf ./job"),
			func(t *testing.T, o *Options) {
				if !sameStrings(o.Files, []string{"x.conf"}) {
					t.Errorf("Files = %q", o.Files)
				}
			}},
		{"the job's spark keys and the client's daemon keys are kept, other daemon keys dropped", words("--conf spark.myjob.mode=fast --conf spindle.client.secret-file=/s --conf spindle.tmp.dir=/data ./job"),
			func(t *testing.T, o *Options) {
				if o.Conf["spark.myjob.mode"] != "fast" || o.Conf["spindle.client.secret-file"] != "/s" || o.Conf["spindle.tmp.dir"] != "" {
					t.Errorf("Conf = %v", o.Conf)
				}
			}},
		{"--conf-dir overrides ParseOptions.ConfDir", words("--conf-dir /other ./job"),
			func(t *testing.T, o *Options) {
				if o.ConfDir != "/other" || o.PropertiesFile != "/other/spindle-defaults.conf" || o.ExecutorCores != 5 {
					t.Errorf("ConfDir = %q, PropertiesFile = %q, ExecutorCores = %d", o.ConfDir, o.PropertiesFile, o.ExecutorCores)
				}
			}},
		{"an empty --conf-dir means no defaults file", []string{"--conf-dir", "", "./job"},
			func(t *testing.T, o *Options) {
				if o.PropertiesFile != "" || o.ExecutorCores != 1 {
					t.Errorf("PropertiesFile = %q, ExecutorCores = %d", o.PropertiesFile, o.ExecutorCores)
				}
			}},
		{"--properties-file replaces the defaults file", words("--properties-file job.conf ./job"),
			func(t *testing.T, o *Options) {
				if o.ExecutorCores != 4 || o.Conf["spark.yarn.tags"] != "" {
					t.Errorf("ExecutorCores = %d, tags = %q", o.ExecutorCores, o.Conf["spark.yarn.tags"])
				}
			}},
		{"--load-spark-defaults reads both, the properties file winning", words("--load-spark-defaults --properties-file job.conf ./job"),
			func(t *testing.T, o *Options) {
				if o.ExecutorCores != 4 || o.Conf["spark.yarn.tags"] != "nightly" || o.PropertiesFile != "job.conf" {
					t.Errorf("ExecutorCores = %d, tags = %q, PropertiesFile = %q", o.ExecutorCores, o.Conf["spark.yarn.tags"], o.PropertiesFile)
				}
			}},
		{"keys of Keys are checked only when set", words("--conf spark.locality.wait=0 --conf spark.yarn.maxAppAttempts=1 ./job"),
			func(t *testing.T, o *Options) {
				if o.Conf["spark.locality.wait"] != "0" {
					t.Errorf("Conf = %v", o.Conf)
				}
			}},
		{"spark.master and the name from keys", words("--conf spark.master=spindle://h:1 --conf spark.app.name=x ./job"),
			func(t *testing.T, o *Options) {
				if o.Master != "spindle://h:1" || o.Name != "x" {
					t.Errorf("Master = %q, Name = %q", o.Master, o.Name)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, _ := mustParse(t, tt.args, po)
			tt.check(t, o)
		})
	}
}

func TestParseBad(t *testing.T) {
	files := map[string]string{
		"bad.conf":  "spark.a 1\n\nspark.b\n",
		"mem.conf":  "spark.executor.memory lots\n",
		"good.conf": "spark.a 1\n",
	}
	po := ParseOptions{ReadFile: fakeFiles(files)}
	tests := []struct {
		name string
		args []string
		want error
		msg  []string
	}{
		{"misspelt flag", words("--executor-memroy 4g ./job"), ErrUnknownFlag, []string{"unknown flag --executor-memroy: did you mean --executor-memory?"}},
		{"misspelt flag with =", words("--num-executor=4 ./job"), ErrUnknownFlag, []string{"--num-executor:", "did you mean --num-executors?"}},
		{"single dash", words("- ./job"), ErrUnknownFlag, []string{"unknown flag -:"}},
		{"--conf without =", words("--conf spark.a ./job"), ErrUsage, []string{`"spark.a"`, "--conf KEY=VALUE"}},
		{"--conf without key", words("--conf =1 ./job"), ErrUsage, []string{"--conf KEY=VALUE"}},
		{"a flag after the application is the application's", words("./x --master"), nil, nil},
		{"value missing at the end", words("--master"), ErrUsage, []string{"--master needs a value", "--master MASTER_URL"}},
		{"switch with a value", words("--verbose=true ./job"), ErrUsage, []string{"--verbose takes no value"}},
		{"master local", words("--master local[*] ./job"), ErrInvalidValue, []string{"--master", `"local[*]"`, "yarn", "spindle://host:port"}},
		{"master yarn-cluster", words("--master yarn-cluster ./job"), ErrInvalidValue, []string{"--deploy-mode cluster"}},
		{"master without port", words("--master spindle://rm ./job"), ErrInvalidValue, []string{`"spindle://rm"`, "spindle://host:port"}},
		{"master port 0", words("--master spindle://rm:0 ./job"), ErrInvalidValue, []string{"spindle://host:port"}},
		{"master port too big", words("--master spindle://rm:65536 ./job"), ErrInvalidValue, []string{"spindle://host:port"}},
		{"master with a path", words("--master spindle://rm:8032/x ./job"), ErrInvalidValue, []string{"spindle://host:port"}},
		{"master from a key", words("--conf spark.master=mesos://x:1 ./job"), ErrInvalidValue, []string{"spark.master (from --conf)", "mesos://x:1"}},
		{"deploy mode", words("--deploy-mode remote ./job"), ErrInvalidValue, []string{"--deploy-mode", `"remote"`, "use one of cluster, client"}},
		{"zero executors", words("--num-executors 0 ./job"), ErrInvalidValue, []string{"--num-executors", `"0"`, "at least 1"}},
		{"executors not a number", words("--num-executors many ./job"), ErrInvalidValue, []string{"--num-executors", `"many"`}},
		{"negative cores", words("--executor-cores -2 ./job"), ErrInvalidValue, []string{"--executor-cores", `"-2"`}},
		{"driver cores too big", words("--driver-cores 99999999999 ./job"), ErrInvalidValue, []string{"--driver-cores"}},
		{"bad memory", words("--executor-memory 3x ./job"), ErrInvalidValue, []string{"--executor-memory", `"3x"`, "512m", "MiB"}},
		{"fractional memory", words("--driver-memory 1.5g ./job"), ErrInvalidValue, []string{"--driver-memory", `"1.5g"`, "fractions"}},
		{"zero memory", words("--executor-memory 0 ./job"), ErrInvalidValue, []string{"--executor-memory", "at least 1m"}},
		{"memory under 1 MiB", words("--executor-memory 100k ./job"), ErrInvalidValue, []string{"at least 1m"}},
		{"-1 memory", words("--executor-memory -1 ./job"), ErrInvalidValue, []string{"at least 1m"}},
		{"bad memory key", words("--conf spark.executor.memory=abc ./job"), ErrInvalidValue, []string{"spark.executor.memory (from --conf)", `"abc"`}},
		{"bad memory in a properties file", words("--properties-file mem.conf ./job"), ErrInvalidValue, []string{"spark.executor.memory (from mem.conf)", `"lots"`}},
		{"bad overhead", words("--conf spark.driver.memoryOverhead=-5m ./job"), ErrInvalidValue, []string{"spark.driver.memoryOverhead", `"-5m"`}},
		{"bad legacy overhead", words("--conf spark.yarn.executor.memoryOverhead=big ./job"), ErrInvalidValue, []string{"spark.yarn.executor.memoryOverhead", `"big"`}},
		{"bad attempts", words("--conf spark.yarn.maxAppAttempts=0 ./job"), ErrInvalidValue, []string{"spark.yarn.maxAppAttempts (from --conf)", `"0"`, "at least 1"}},
		{"bad interval", []string{"--conf", "spark.yarn.am.attemptFailuresValidityInterval=1 hour", "./job"}, ErrInvalidValue, []string{"spark.yarn.am.attemptFailuresValidityInterval", `"1 hour"`, "5min"}},
		{"zero report interval", words("--conf spark.yarn.report.interval=0 ./job"), ErrInvalidValue, []string{"spark.yarn.report.interval", "use at least 1ms"}},
		{"bad bool", words("--conf spark.yarn.submit.waitAppCompletion=yes ./job"), ErrInvalidValue, []string{"spark.yarn.submit.waitAppCompletion", `"yes"`, "true or false"}},
		{"bad supervise key", words("--conf spark.driver.supervise=1 ./job"), ErrInvalidValue, []string{"spark.driver.supervise (from --conf)"}},
		{"no arguments", nil, ErrNoApplication, []string{"job binary"}},
		{"no application", words("--master yarn --queue q"), ErrNoApplication, []string{"job binary"}},
		{"empty application", []string{"--queue", "q", ""}, ErrNoApplication, []string{"empty"}},
		{"bad application id", words("--kill app_1"), ErrInvalidValue, []string{"--kill", `"app_1"`, "application_<clusterTimestamp>_<seq>"}},
		{"two actions", words("--kill application_1_0001 --status application_1_0001"), ErrUsage, []string{"--kill and --status"}},
		{"kill with an application", words("--kill application_1_0001 ./job"), ErrUsage, []string{"--kill needs no job binary"}},
		{"missing properties file", words("--properties-file nope.conf ./job"), ErrPropertiesFile, []string{"nope.conf"}},
		{"empty properties file name", []string{"--properties-file=", "./job"}, ErrUsage, []string{"--properties-file FILE"}},
		{"malformed properties file", words("--properties-file bad.conf ./job"), ErrPropertiesFile, []string{"bad.conf:3:", "spark.b"}},
		{"empty name", []string{"--name", "", "./job"}, ErrInvalidValue, []string{"--name", "empty"}},
		{"empty queue", []string{"--conf", "spark.yarn.queue=", "./job"}, ErrInvalidValue, []string{"spark.yarn.queue (from --conf)", "empty"}},
		{"files with the same name", words("--files conf/a.conf,other/a.conf ./job"), ErrInvalidValue, []string{"--files", `"conf/a.conf"`, `"other/a.conf"`, `"a.conf"`}},
		{"spark.files colliding with --files", words("--files conf/a.conf --conf spark.files=b/a.conf ./job"), ErrInvalidValue, []string{"spark.files (from --conf)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, _, err := Parse(tt.args, po)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Parse(%q): %v", tt.args, err)
				}
				return
			}
			if o != nil {
				t.Errorf("Options = %+v with an error", *o)
			}
			checkError(t, err, tt.want, tt.msg...)
		})
	}
}

func TestParseWarnings(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"ignored flags, once each", words("--class A --jars x.jar --class B --driver-java-options -Dx=1 --py-files a.py --principal p --keytab k --proxy-user u --total-executor-cores 8 --packages a:b:1 --exclude-packages a:c --repositories r --driver-library-path l --driver-class-path c --remote sc://h ./job"),
			[]string{
				"Warning: --class is a JVM option; Spindle ignores it.",
				"Warning: --jars is a JVM option; Spindle ignores it.",
				"Warning: --driver-java-options is a JVM option; Spindle ignores it.",
				"Warning: --py-files is a Python option; Spindle ignores it.",
				"Warning: --principal is a Kerberos option; Spindle ignores it.",
				"Warning: --keytab is a Kerberos option; Spindle ignores it.",
				"Warning: --proxy-user is a Hadoop impersonation option; Spindle ignores it.",
				"Warning: --total-executor-cores is a Spark standalone option; Spindle ignores it.",
				"Warning: --packages is a JVM option; Spindle ignores it.",
				"Warning: --exclude-packages is a JVM option; Spindle ignores it.",
				"Warning: --repositories is a JVM option; Spindle ignores it.",
				"Warning: --driver-library-path is a JVM option; Spindle ignores it.",
				"Warning: --driver-class-path is a JVM option; Spindle ignores it.",
				"Warning: --remote is a Spark Connect option; Spindle ignores it.",
			}},
		{"ignored keys, once each", words("--conf spark.sql.shuffle.partitions=64 --conf spark.serializer=org.apache.spark.serializer.KryoSerializer --conf spark.kryo.registrationRequired=true --conf spark.kerberos.principal=p --conf spark.yarn.keytab=k --conf spark.jars=a.jar --conf spark.jars.packages=a:b:1 --conf spark.executor.extraClassPath=x --conf spark.sql.shuffle.partitions=32 ./job"),
			[]string{
				"Warning: spark.serializer is a JVM serializer option; Spindle ignores it.",
				"Warning: spark.kryo.registrationRequired is a JVM serializer option; Spindle ignores it.",
				"Warning: spark.kerberos.principal is a Kerberos option; Spindle ignores it.",
				"Warning: spark.yarn.keytab is a Kerberos option; Spindle ignores it.",
				"Warning: spark.jars is a JVM option; Spindle ignores it.",
				"Warning: spark.jars.packages is a JVM option; Spindle ignores it.",
				"Warning: spark.executor.extraClassPath is a JVM option; Spindle ignores it.",
				"Warning: spark.sql.shuffle.partitions is a Spark SQL option; Spindle ignores it.",
			}},
		{"non-Spark keys", words("--conf foo.bar=1 --conf yarn.resourcemanager.address=h:1 --conf foo.bar=2 ./job"),
			[]string{
				"Warning: Ignoring non-Spark config property: yarn.resourcemanager.address",
				"Warning: Ignoring non-Spark config property: foo.bar",
			}},
		{"a key with a space is quoted", []string{"--conf", "my key=1", "./job"},
			[]string{`Warning: Ignoring non-Spark config property: "my key"`}},
		{"zero overhead", words("--conf spark.executor.memoryOverhead=0 ./job"),
			[]string{`Warning: spark.executor.memoryOverhead (from --conf) is "0", under 1 MiB, so the RM's default overhead applies: max(384m, spark.executor.memoryOverheadFactor × spark.executor.memory).`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, warnings := mustParse(t, tt.args, ParseOptions{ReadFile: fakeFiles(nil)})
			if !sameStrings(warnings, tt.want) {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(tt.want, "\n"))
			}
			for k := range o.Conf {
				if key, ok := conf.LookupAppKey(k); ok && key.Ignored != "" || !strings.HasPrefix(k, "spark.") && !strings.HasPrefix(k, "spindle.") {
					t.Errorf("Conf keeps ignored key %q", k)
				}
			}
		})
	}
}

func TestParseIgnoredFlagConsumesItsValue(t *testing.T) {
	o, _ := mustParse(t, words("--class ./not-the-app --jars ./neither ./job"), ParseOptions{ReadFile: fakeFiles(nil)})
	if o.Application != "./job" {
		t.Errorf("Application = %q, want ./job", o.Application)
	}
}

func TestParseWarningsKeptWithError(t *testing.T) {
	_, warnings, err := Parse(words("--class A --master local ./job"), ParseOptions{ReadFile: fakeFiles(nil)})
	checkError(t, err, ErrInvalidValue, "--master")
	if !sameStrings(warnings, []string{"Warning: --class is a JVM option; Spindle ignores it."}) {
		t.Errorf("warnings = %q", warnings)
	}
}
