package submit

import (
	"fmt"
	"testing"
)

// TestPrecedence checks, for each flag-mapped key, that the flag wins over
// --conf, which wins over the properties file, which wins over the default.
func TestPrecedence(t *testing.T) {
	type values struct{ flag, conf, file, deflt string }
	tests := []struct {
		flag, key string
		set       values // what the flag, --conf and the file give
		want      values // what each resolves to, and the default
		get       func(*Options) string
	}{
		{flagMaster, "spark.master", values{"spindle://a:1", "spindle://b:2", "spindle://c:3", ""}, values{"spindle://a:1", "spindle://b:2", "spindle://c:3", "yarn"}, func(o *Options) string { return o.Master }},
		{flagDeployMode, "spark.submit.deployMode", values{"client", "cluster", "client", ""}, values{"client", "cluster", "client", "cluster"}, func(o *Options) string { return o.DeployMode }},
		{flagName, "spark.app.name", values{"flag", "conf", "file", ""}, values{"flag", "conf", "file", "job"}, func(o *Options) string { return o.Name }},
		{flagQueue, "spark.yarn.queue", values{"flag", "conf", "file", ""}, values{"flag", "conf", "file", "default"}, func(o *Options) string { return o.Queue }},
		{flagNumExecutors, "spark.executor.instances", values{"7", "6", "5", ""}, values{"7", "6", "5", "2"}, func(o *Options) string { return fmt.Sprint(o.NumExecutors) }},
		{flagExecutorCores, "spark.executor.cores", values{"7", "6", "5", ""}, values{"7", "6", "5", "1"}, func(o *Options) string { return fmt.Sprint(o.ExecutorCores) }},
		{flagDriverCores, "spark.driver.cores", values{"7", "6", "5", ""}, values{"7", "6", "5", "1"}, func(o *Options) string { return fmt.Sprint(o.DriverCores) }},
		{flagExecutorMemory, "spark.executor.memory", values{"4g", "3g", "2g", ""}, values{"4096", "3072", "2048", "1024"}, func(o *Options) string { return fmt.Sprint(o.ExecutorMemoryMB) }},
		{flagDriverMemory, "spark.driver.memory", values{"4g", "3g", "2g", ""}, values{"4096", "3072", "2048", "1024"}, func(o *Options) string { return fmt.Sprint(o.DriverMemoryMB) }},
		{flagFiles, "spark.yarn.dist.files", values{"f", "c", "p", ""}, values{"[f]", "[c]", "[p]", "[]"}, func(o *Options) string { return fmt.Sprint(o.Files) }},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			po := ParseOptions{ReadFile: fakeFiles(map[string]string{"p.conf": tt.key + "=" + tt.set.file + "\n"})}
			flag := []string{tt.flag, tt.set.flag}
			conf := []string{"--conf", tt.key + "=" + tt.set.conf}
			file := []string{"--properties-file", "p.conf"}
			cases := []struct {
				name          string
				args          [][]string
				want, wantKey string
			}{
				{"flag over --conf and file", [][]string{file, conf, flag}, tt.want.flag, tt.set.flag},
				{"flag first on the line", [][]string{flag, conf, file}, tt.want.flag, tt.set.flag},
				{"--conf over file", [][]string{conf, file}, tt.want.conf, tt.set.conf},
				{"file over default", [][]string{file}, tt.want.file, tt.set.file},
				{"default", nil, tt.want.deflt, ""},
			}
			for _, c := range cases {
				var args []string
				for _, a := range c.args {
					args = append(args, a...)
				}
				args = append(args, "./job")
				o, _ := mustParse(t, args, po)
				if got := tt.get(o); got != c.want {
					t.Errorf("%s: %q gives %s, want %s", c.name, args, got, c.want)
				}
				if c.wantKey != "" && o.Conf[tt.key] != c.wantKey {
					t.Errorf("%s: Conf[%s] = %q, want %q", c.name, tt.key, o.Conf[tt.key], c.wantKey)
				}
			}
		})
	}
}

func TestPrecedenceSupervise(t *testing.T) {
	po := ParseOptions{ReadFile: fakeFiles(map[string]string{"p.conf": "spark.driver.supervise true\n"})}
	for _, c := range []struct {
		args string
		want bool
	}{
		{"./job", false},
		{"--properties-file p.conf ./job", true},
		{"--properties-file p.conf --conf spark.driver.supervise=false ./job", false},
		{"--conf spark.driver.supervise=false --supervise ./job", true},
	} {
		o, _ := mustParse(t, words(c.args), po)
		if o.Supervise != c.want {
			t.Errorf("%s: Supervise = %v, want %v", c.args, o.Supervise, c.want)
		}
	}
}

func TestPrecedenceDefaultsFile(t *testing.T) {
	po := ParseOptions{ConfDir: "/c", ReadFile: fakeFiles(map[string]string{
		"/c/spindle-defaults.conf": "spark.executor.cores 2\nspark.driver.cores 2\nspark.task.maxFailures 9\n",
		"p.conf":                   "spark.executor.cores 3\n",
	})}
	o, _ := mustParse(t, words("--load-spark-defaults --properties-file p.conf --conf spark.driver.cores=4 ./job"), po)
	if o.ExecutorCores != 3 || o.DriverCores != 4 || o.Conf["spark.task.maxFailures"] != "9" {
		t.Errorf("ExecutorCores = %d, DriverCores = %d, spark.task.maxFailures = %q; want 3, 4, 9", o.ExecutorCores, o.DriverCores, o.Conf["spark.task.maxFailures"])
	}
}
