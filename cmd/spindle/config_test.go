package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/internal/testutil"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// isolateConfEnv clears the variables that say where configuration is,
// restored when t ends.
func isolateConfEnv(t *testing.T) {
	t.Helper()
	for _, v := range []string{conf.EnvConfDir, conf.EnvYarnConfDir, conf.EnvHadoopConfDir, conf.EnvHadoopHome, conf.EnvSparkConfDir, conf.EnvSparkHome} {
		t.Setenv(v, "")
	}
}

// TestSubmitVerboseSaysWhereConfigurationCameFrom: with --verbose, submit
// prints each properties file read, Spindle's and Spark's, the
// configuration files read with the variable that named their directory,
// and where the RM's address came from; --conf-dir is exported as an
// absolute SPINDLE_CONF_DIR.
func TestSubmitVerboseSaysWhereConfigurationCameFrom(t *testing.T) {
	isolateConfEnv(t)
	base := t.TempDir()
	t.Chdir(base)
	hadoop, spark := filepath.Join(base, "hadoop"), filepath.Join(base, "spark")
	rm := testutil.ClosedAddr(t)
	testutil.WriteFile(t, "spindle", "spindle-defaults.conf", "spark.executor.cores 4\n")
	testutil.WriteFile(t, hadoop, "yarn-site.xml", "<configuration><property><name>yarn.resourcemanager.address</name><value>"+rm+"</value></property></configuration>\n")
	testutil.WriteFile(t, spark, "spark-defaults.conf", "spark.executor.cores 3\nspark.executor.memory 2g\n")
	t.Setenv(conf.EnvHadoopConfDir, hadoop)
	t.Setenv(conf.EnvSparkConfDir, spark)

	_, stderr, err := runInProcess("submit", "--verbose", "--conf-dir", "spindle", "--status", "application_1700000000000_0001")
	if err == nil {
		t.Fatalf("submit --status against a closed port succeeded; stderr:\n%s", stderr)
	}
	for _, want := range []string{
		"Using properties file: spindle/spindle-defaults.conf\nAdding default property: spark.executor.cores=4\n",
		"Using properties file: " + spark + "/spark-defaults.conf\n",
		"  (spark.executor.cores,4) from spindle/spindle-defaults.conf\n",
		"  (spark.executor.memory,2g) from " + spark + "/spark-defaults.conf\n",
		"Using configuration file: " + hadoop + "/yarn-site.xml (HADOOP_CONF_DIR)\n",
		"ResourceManager: " + rm + " (yarn.resourcemanager.address from " + hadoop + "/yarn-site.xml)\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("--verbose output lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(err.Error(), "looked for") {
		t.Errorf("the RM is configured, yet the error says where configuration was looked for: %v", err)
	}
	if got, want := os.Getenv(conf.EnvConfDir), filepath.Join(base, "spindle"); got != want {
		t.Errorf("after --conf-dir spindle, %s = %q; want %q", conf.EnvConfDir, got, want)
	}
}

func TestExplainNoRM(t *testing.T) {
	dir := t.TempDir()
	s := conf.Discover(conf.SearchDir{}, func(name string) (string, bool) {
		if name == conf.EnvHadoopConfDir {
			return dir, true
		}
		return "", false
	})
	unset, err := conf.Load(conf.LoadOptions{Search: &s})
	if err != nil {
		t.Fatal(err)
	}
	byHost, err := conf.Load(conf.LoadOptions{Search: &s, Overrides: []string{"yarn.resourcemanager.hostname=rm.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	refused := fmt.Errorf("list applications: %w", status.Error(codes.Unavailable, "connection refused"))
	tests := []struct {
		name    string
		cfg     *conf.Config
		err     error
		explain bool
	}{
		{"unreachable, nothing configured", unset, refused, true},
		{"timed out, nothing configured", unset, status.Error(codes.DeadlineExceeded, "deadline"), true},
		{"an answer from the RM", unset, status.Error(codes.NotFound, "no such application"), false},
		{"not a gRPC error", unset, errors.New("bad flag"), false},
		{"unreachable, the hostname configured", byHost, refused, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := explainNoRM(tt.cfg, tt.err, rmByConf)
			if !errors.Is(got, tt.err) {
				t.Fatalf("explainNoRM does not wrap %v: %v", tt.err, got)
			}
			explained := strings.Contains(got.Error(), "yarn-site.xml was looked for in:\n  SPINDLE_CONF_DIR is not set\n  YARN_CONF_DIR is not set\n  "+dir+" (HADOOP_CONF_DIR): no yarn-site.xml")
			if explained != tt.explain {
				t.Errorf("explained = %v, want %v: %v", explained, tt.explain, got)
			}
		})
	}
	if explainNoRM(unset, nil, rmByConf) != nil {
		t.Error("explainNoRM(nil) is not nil")
	}
}
