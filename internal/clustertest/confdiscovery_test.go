package clustertest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/internal/netns"
	"github.com/spindlehq/spindle/internal/testutil"
)

// submittedRE finds the application id spindle submit prints.
var submittedRE = regexp.MustCompile(`Submitted application (application_\d+_\d+)`)

// confEnvVars are the variables that say where configuration is; a test
// that sets some of them clears the others, so that the machine's own
// cannot leak in.
var confEnvVars = []string{conf.EnvConfDir, conf.EnvYarnConfDir, conf.EnvHadoopConfDir, conf.EnvHadoopHome, conf.EnvSparkConfDir, conf.EnvSparkHome}

// confEnv is this process's environment without confEnvVars, plus vars
// (NAME=VALUE).
func confEnv(vars ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, v := range confEnvVars {
			keep = keep && name != v
		}
		if keep {
			env = append(env, kv)
		}
	}
	return append(env, vars...)
}

// siteXML is a Hadoop configuration file of name and value pairs.
func siteXML(pairs ...string) string {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<configuration>\n")
	for i := 0; i+1 < len(pairs); i += 2 {
		b.WriteString("  <property><name>" + pairs[i] + "</name><value>" + pairs[i+1] + "</value></property>\n")
	}
	b.WriteString("</configuration>\n")
	return b.String()
}

// TestCommandsFindConfigurationWhereHadoopAndSparkKeepIt submits with only
// HADOOP_CONF_DIR and SPARK_CONF_DIR set, as on a Spark-on-YARN gateway
// host: the RM comes from HADOOP_CONF_DIR's yarn-site.xml and the
// application's tag from spark-defaults.conf. `spindle application -list`
// then finds the same RM with only HADOOP_CONF_DIR, only YARN_CONF_DIR,
// only HADOOP_HOME, and with YARN_CONF_DIR's yarn-site.xml winning over
// HADOOP_CONF_DIR's, and SPINDLE_CONF_DIR's over both; none prints a
// warning for the keys a Hadoop yarn-site.xml holds for Hadoop's own
// daemons unless the file is in Spindle's own directory.
func TestCommandsFindConfigurationWhereHadoopAndSparkKeepIt(t *testing.T) {
	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 1})
	dir := t.TempDir()
	// The client's keys, the RM's address among them, go into
	// yarn-site.xml, with keys Hadoop's daemons use and Spindle does not.
	var pairs []string
	for _, arg := range c.ConfArgs() {
		if k, v, ok := strings.Cut(arg, "="); ok && arg != "--conf" {
			pairs = append(pairs, k, v)
		}
	}
	yarnSite := siteXML(append(pairs,
		"yarn.nodemanager.aux-services", "mapreduce_shuffle,spark_shuffle",
		"yarn.nodemanager.aux-services.spark_shuffle.class", "org.apache.spark.network.yarn.YarnShuffleService",
		"yarn.nodemanager.vmem-check-enabled", "false",
	)...)
	hadoopConf := filepath.Join(dir, "hadoop-conf")
	testutil.WriteFile(t, hadoopConf, "yarn-site.xml", yarnSite)
	testutil.WriteFile(t, hadoopConf, "core-site.xml", siteXML("fs.defaultFS", "hdfs://namenode.invalid:8020"))
	hadoopHome := filepath.Join(dir, "hadoop-home")
	testutil.WriteFile(t, filepath.Join(hadoopHome, "etc", "hadoop"), "yarn-site.xml", yarnSite)
	yarnConf := filepath.Join(dir, "yarn-conf")
	testutil.WriteFile(t, yarnConf, "yarn-site.xml", yarnSite)
	decoy := filepath.Join(dir, "decoy")
	testutil.WriteFile(t, decoy, "yarn-site.xml", siteXML("yarn.resourcemanager.address", "127.0.0.1:1"))
	sparkConf := filepath.Join(dir, "spark-conf")
	testutil.WriteFile(t, sparkConf, "spark-defaults.conf", "spark.yarn.tags from-spark-defaults\nspark.executor.memory 256m\n")

	stop := filepath.Join(dir, "stop")
	submit := exec.Command(testutil.SpindleBinary(t), "submit", "--master", "yarn", "--name", "discovered",
		"--num-executors", "1", "--driver-memory", "256m",
		"--conf", "spark.yarn.stagingDir=file://"+filepath.Join(dir, "staging"),
		"--conf", "spark.yarn.submit.waitAppCompletion=false",
		"--conf", "spindle.driver.mode=process",
		testutil.TestJobBinary(t), "--until-file", stop)
	submit.Env = confEnv("HADOOP_CONF_DIR="+hadoopConf, "SPARK_CONF_DIR="+sparkConf)
	out, err := submit.CombinedOutput()
	if err != nil {
		t.Fatalf("spindle submit with HADOOP_CONF_DIR and SPARK_CONF_DIR: %v\n%s", err, out)
	}
	m := submittedRE.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("spindle submit printed no application id:\n%s", out)
	}
	appID := m[1]
	t.Cleanup(func() { os.WriteFile(stop, nil, 0o644) })

	for _, tc := range []struct {
		name string
		env  []string
		// warns: the yarn-site.xml is in Spindle's own directory, whose
		// keys Spindle does not use are warned about.
		warns bool
	}{
		{"only HADOOP_CONF_DIR", []string{"HADOOP_CONF_DIR=" + hadoopConf}, false},
		{"only YARN_CONF_DIR", []string{"YARN_CONF_DIR=" + yarnConf}, false},
		{"only HADOOP_HOME", []string{"HADOOP_HOME=" + hadoopHome}, false},
		{"YARN_CONF_DIR before HADOOP_CONF_DIR", []string{"YARN_CONF_DIR=" + yarnConf, "HADOOP_CONF_DIR=" + decoy}, false},
		{"SPINDLE_CONF_DIR before both", []string{"SPINDLE_CONF_DIR=" + yarnConf, "YARN_CONF_DIR=" + decoy, "HADOOP_CONF_DIR=" + decoy}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// -appTags shows that spark-defaults.conf's tag reached the RM.
			list := exec.Command(testutil.SpindleBinary(t), "application", "-list", "-appTags", "from-spark-defaults")
			list.Env = confEnv(tc.env...)
			out, err := list.CombinedOutput()
			if err != nil {
				t.Fatalf("spindle application -list: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "Total number of applications") || !strings.Contains(string(out), appID) || !strings.Contains(string(out), "discovered") {
				t.Errorf("application -list does not list %s (discovered):\n%s", appID, out)
			}
			if warned := strings.Contains(string(out), "warning: yarn.nodemanager.aux-services (from "); warned != tc.warns {
				t.Errorf("application -list warns about yarn-site.xml's unused keys: %v, want %v:\n%s", warned, tc.warns, out)
			}
		})
	}
}

// TestClientWithoutConfigurationSaysWhereItLooked runs `spindle application
// -list`, `spindle node -list` and `spindle submit --status` in a test host
// where no RM listens on the default 0.0.0.0:8032: with nothing naming the
// RM, the error lists every directory looked in for yarn-site.xml and the
// variable that named it; once --conf names an RM, it does not.
func TestClientWithoutConfigurationSaysWhereItLooked(t *testing.T) {
	host := netns.New(t, "client").Host("client")
	dir := t.TempDir()
	hadoopConf := filepath.Join(dir, "hadoop-conf")
	testutil.WriteFile(t, hadoopConf, "core-site.xml", siteXML("fs.defaultFS", "hdfs://namenode.invalid:8020"))
	noYarnAddress := filepath.Join(dir, "spindle-conf")
	testutil.WriteFile(t, noYarnAddress, "yarn-site.xml", siteXML("yarn.nodemanager.resource.memory-mb", "4096"))
	missing := filepath.Join(dir, "missing")
	env := confEnv("HADOOP_CONF_DIR="+hadoopConf, "YARN_CONF_DIR="+missing)

	// The user has a certificate (given by --conf): what is missing is
	// where the RM is.
	var tlsArgs []string
	for _, kv := range testutil.NewClusterTLS(t, filepath.Join(dir, "tls")).ClientConf() {
		tlsArgs = append(tlsArgs, "--conf", kv)
	}
	run := func(t *testing.T, env []string, args ...string) string {
		t.Helper()
		args = append(append([]string{args[0]}, tlsArgs...), args[1:]...)
		cmd := host.Command(testutil.SpindleBinary(t), args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("spindle %s succeeded with no RM:\n%s", strings.Join(args, " "), out)
		}
		return string(out)
	}
	lookedIn := []string{
		"so the default 0.0.0.0:8032 was dialed",
		"yarn-site.xml was looked for in:\n" +
			"  SPINDLE_CONF_DIR is not set\n" +
			"  " + missing + " (YARN_CONF_DIR): no such directory\n" +
			"  " + hadoopConf + " (HADOOP_CONF_DIR): no yarn-site.xml\n",
	}
	for _, args := range [][]string{
		{"application", "-list"},
		{"node", "-list"},
		{"submit", "--status", "application_1700000000000_0001"},
	} {
		t.Run(args[0], func(t *testing.T) {
			out := run(t, env, args...)
			for _, want := range lookedIn {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if args[0] != "submit" && !strings.Contains(out, "warning: configuration directory "+missing+" (YARN_CONF_DIR) does not exist") {
				t.Errorf("no warning about the missing YARN_CONF_DIR:\n%s", out)
			}
		})
	}
	t.Run("a yarn-site.xml without the address", func(t *testing.T) {
		out := run(t, append(env, "SPINDLE_CONF_DIR="+noYarnAddress), "application", "-list")
		want := "  " + noYarnAddress + " (SPINDLE_CONF_DIR): " + filepath.Join(noYarnAddress, "yarn-site.xml") + " read\n"
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	})
	t.Run("an RM named by --conf", func(t *testing.T) {
		out := run(t, env, "application", "-list", "--conf", "yarn.resourcemanager.address=127.0.0.1:1")
		if !strings.Contains(out, "127.0.0.1:1") || strings.Contains(out, "looked for") {
			t.Errorf("an unreachable RM named by --conf: want the error without where configuration was looked for:\n%s", out)
		}
	})
}
