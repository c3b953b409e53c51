package conf

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDiscoverOrder(t *testing.T) {
	flag := SearchDir{Path: "/flag", From: FromConfDirFlag}
	tests := []struct {
		name       string
		confDir    SearchDir
		env        map[string]string
		wantHadoop []SearchDir
		wantSpark  []SearchDir
	}{
		{"nothing set", SearchDir{}, nil,
			[]SearchDir{{From: EnvConfDir}, {From: EnvYarnConfDir}, {From: EnvHadoopConfDir}, {From: EnvHadoopHome}},
			[]SearchDir{{From: EnvSparkConfDir}, {From: EnvSparkHome}}},
		{"every variable", SearchDir{}, map[string]string{
			EnvConfDir: "/s", EnvYarnConfDir: "/y", EnvHadoopConfDir: "/h", EnvHadoopHome: "/opt/hadoop",
			EnvSparkConfDir: "/sc", EnvSparkHome: "/opt/spark"},
			// HADOOP_HOME is HADOOP_CONF_DIR's default, and SPARK_HOME
			// SPARK_CONF_DIR's: neither is looked at when the other is set.
			[]SearchDir{{"/s", EnvConfDir}, {"/y", EnvYarnConfDir}, {"/h", EnvHadoopConfDir}},
			[]SearchDir{{"/sc", EnvSparkConfDir}}},
		{"homes only", SearchDir{}, map[string]string{EnvHadoopHome: "/opt/hadoop", EnvSparkHome: "/opt/spark"},
			[]SearchDir{{From: EnvConfDir}, {From: EnvYarnConfDir}, {From: EnvHadoopConfDir},
				{"/opt/hadoop/etc/hadoop", "$HADOOP_HOME/etc/hadoop"}, {"/opt/hadoop/conf", "$HADOOP_HOME/conf"}},
			[]SearchDir{{"/opt/spark/conf", "$SPARK_HOME/conf"}}},
		{"--conf-dir replaces SPINDLE_CONF_DIR", flag, map[string]string{EnvConfDir: "/s", EnvHadoopConfDir: "/h"},
			[]SearchDir{flag, {From: EnvYarnConfDir}, {"/h", EnvHadoopConfDir}},
			[]SearchDir{{From: EnvSparkConfDir}, {From: EnvSparkHome}}},
		{"empty variables are not set", SearchDir{}, map[string]string{EnvConfDir: "", EnvHadoopConfDir: "", EnvHadoopHome: "/opt/hadoop", EnvSparkConfDir: ""},
			[]SearchDir{{From: EnvConfDir}, {From: EnvYarnConfDir}, {From: EnvHadoopConfDir},
				{"/opt/hadoop/etc/hadoop", "$HADOOP_HOME/etc/hadoop"}, {"/opt/hadoop/conf", "$HADOOP_HOME/conf"}},
			[]SearchDir{{From: EnvSparkConfDir}, {From: EnvSparkHome}}},
		{"one directory named twice is searched once", SearchDir{}, map[string]string{EnvYarnConfDir: "/etc/hadoop/conf", EnvHadoopConfDir: "/etc/hadoop/conf/"},
			[]SearchDir{{From: EnvConfDir}, {"/etc/hadoop/conf", EnvYarnConfDir + ", " + EnvHadoopConfDir}},
			[]SearchDir{{From: EnvSparkConfDir}, {From: EnvSparkHome}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Discover(tt.confDir, envOf(tt.env))
			if !slices.Equal(s.Hadoop, tt.wantHadoop) {
				t.Errorf("Hadoop = %v\nwant     %v", s.Hadoop, tt.wantHadoop)
			}
			if !slices.Equal(s.Spark, tt.wantSpark) {
				t.Errorf("Spark = %v\nwant    %v", s.Spark, tt.wantSpark)
			}
			if s.Spindle != tt.wantHadoop[0] {
				t.Errorf("Spindle = %v, want %v", s.Spindle, tt.wantHadoop[0])
			}
		})
	}
}

// TestLoadFindsEachFileInTheFirstDirectoryHoldingIt: Spindle's directory,
// YARN_CONF_DIR and HADOOP_CONF_DIR are searched in that order for each of
// Hadoop's files; spindle-site.xml is read from Spindle's directory only.
func TestLoadFindsEachFileInTheFirstDirectoryHoldingIt(t *testing.T) {
	spindle := confDir(t, map[string]string{
		"spindle-site.xml": site("spindle.log.level", "debug"),
	})
	yarn := confDir(t, map[string]string{
		"yarn-site.xml": site("yarn.resourcemanager.address", "rm.yarn:8032", "yarn.nodemanager.resource.cpu-vcores", "6"),
	})
	hadoop := confDir(t, map[string]string{
		"yarn-site.xml":          site("yarn.resourcemanager.address", "rm.hadoop:8032", "yarn.nodemanager.resource.memory-mb", "9g"),
		"capacity-scheduler.xml": site("yarn.scheduler.capacity.root.default.capacity", "70"),
		"spindle-site.xml":       site("spindle.log.level", "error"),
	})
	s := Discover(SearchDir{}, envOf(map[string]string{EnvConfDir: spindle, EnvYarnConfDir: yarn, EnvHadoopConfDir: hadoop}))
	c := mustLoad(t, LoadOptions{Search: &s})
	for key, want := range map[string][2]string{
		"yarn.resourcemanager.address":                  {"rm.yarn:8032", filepath.Join(yarn, "yarn-site.xml")},
		"yarn.nodemanager.resource.cpu-vcores":          {"6", filepath.Join(yarn, "yarn-site.xml")},
		"yarn.nodemanager.resource.memory-mb":           {"-1", SourceDefault}, // HADOOP_CONF_DIR's yarn-site.xml is not read
		"yarn.scheduler.capacity.root.default.capacity": {"70", filepath.Join(hadoop, "capacity-scheduler.xml")},
		"spindle.log.level":                             {"debug", filepath.Join(spindle, "spindle-site.xml")},
	} {
		if got, src := c.Get(key), c.Source(key); got != want[0] || src != want[1] {
			t.Errorf("%s = %q from %s; want %q from %s", key, got, src, want[0], want[1])
		}
	}
	wantFiles := []ConfFile{
		{FileYarnSite, filepath.Join(yarn, "yarn-site.xml"), SearchDir{yarn, EnvYarnConfDir}},
		{FileCapacityScheduler, filepath.Join(hadoop, "capacity-scheduler.xml"), SearchDir{hadoop, EnvHadoopConfDir}},
		{FileSpindleSite, filepath.Join(spindle, "spindle-site.xml"), SearchDir{spindle, EnvConfDir}},
	}
	if got := c.Files(); !slices.Equal(got, wantFiles) {
		t.Errorf("Files() = %v\nwant      %v", got, wantFiles)
	}
	// The yarn-site.xml of Spindle's own directory comes first of all.
	if err := os.WriteFile(filepath.Join(spindle, "yarn-site.xml"), []byte(site("yarn.resourcemanager.address", "rm.spindle:8032")), 0o644); err != nil {
		t.Fatal(err)
	}
	c = mustLoad(t, LoadOptions{Search: &s})
	if got := c.Get("yarn.resourcemanager.address"); got != "rm.spindle:8032" {
		t.Errorf("with a yarn-site.xml in SPINDLE_CONF_DIR, address = %q; want rm.spindle:8032", got)
	}
}

// TestLoadHadoopDirectoriesDoNotWarn: a yarn-site.xml written for Hadoop's
// daemons has many keys Spindle does not use; found in a Hadoop directory
// they are kept without a warning, while in Spindle's directory they are
// warned about, and an unknown spindle.* key is refused in either.
func TestLoadHadoopDirectoriesDoNotWarn(t *testing.T) {
	yarnSite := site(
		"yarn.nodemanager.aux-services", "mapreduce_shuffle,spark_shuffle",
		"yarn.nodemanager.vmem-check-enabled", "false",
		"spark.shuffle.service.port", "7337",
		"yarn.resourcemanager.address", "rm.example.com:8032",
	)
	hadoop := confDir(t, map[string]string{"yarn-site.xml": yarnSite})
	s := Discover(SearchDir{}, envOf(map[string]string{EnvHadoopConfDir: hadoop}))
	c := mustLoad(t, LoadOptions{Search: &s})
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("a yarn-site.xml of HADOOP_CONF_DIR gives warnings: %q", w)
	}
	if got := c.Get("yarn.nodemanager.aux-services"); got != "mapreduce_shuffle,spark_shuffle" {
		t.Errorf("unknown key not kept: %q", got)
	}
	spindle := confDir(t, map[string]string{"yarn-site.xml": yarnSite})
	c = mustLoad(t, LoadOptions{Dir: spindle})
	if w := c.Warnings(); len(w) != 3 {
		t.Errorf("the same yarn-site.xml in Spindle's directory gives warnings %q; want 3", w)
	}
	bad := confDir(t, map[string]string{"yarn-site.xml": site("spindle.log.levle", "debug")})
	s = Discover(SearchDir{}, envOf(map[string]string{EnvHadoopConfDir: bad}))
	if _, err := Load(LoadOptions{Search: &s, LookupEnv: noEnv}); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown spindle key in HADOOP_CONF_DIR: error %v, want ErrUnknownKey", err)
	}
}

func TestLoadSearchDirectoryChecks(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir() // has neither etc/hadoop nor conf
	tests := []struct {
		name        string
		confDir     SearchDir
		env         map[string]string
		wantErr     string
		wantWarning string
	}{
		{"missing --conf-dir", SearchDir{missing, FromConfDirFlag}, nil,
			"configuration directory " + missing + " (--conf-dir) does not exist", ""},
		{"missing SPINDLE_CONF_DIR", SearchDir{}, map[string]string{EnvConfDir: missing},
			"configuration directory " + missing + " (SPINDLE_CONF_DIR) does not exist", ""},
		{"HADOOP_CONF_DIR is a file", SearchDir{}, map[string]string{EnvHadoopConfDir: file},
			file + " (HADOOP_CONF_DIR) is not a directory", ""},
		{"missing YARN_CONF_DIR is passed over", SearchDir{}, map[string]string{EnvYarnConfDir: missing},
			"", "configuration directory " + missing + " (YARN_CONF_DIR) does not exist; nothing is read from it"},
		{"missing SPARK_CONF_DIR is passed over", SearchDir{}, map[string]string{EnvSparkConfDir: missing},
			"", "configuration directory " + missing + " (SPARK_CONF_DIR) does not exist; nothing is read from it"},
		{"HADOOP_HOME without etc/hadoop is passed over in silence", SearchDir{}, map[string]string{EnvHadoopHome: home}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Discover(tt.confDir, envOf(tt.env))
			c, err := Load(LoadOptions{Search: &s, LookupEnv: noEnv})
			if tt.wantErr != "" {
				if !errors.Is(err, ErrConfDir) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load error = %v; want ErrConfDir with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			if tt.wantWarning != "" {
				want = []string{tt.wantWarning}
			}
			if got := c.Warnings(); !slices.Equal(got, want) {
				t.Errorf("Warnings() = %q; want %q", got, want)
			}
		})
	}
}

func TestSearchLookedIn(t *testing.T) {
	spindle := confDir(t, map[string]string{"spindle-site.xml": site()})
	yarn := confDir(t, map[string]string{"yarn-site.xml": site()})
	hadoop := confDir(t, map[string]string{"yarn-site.xml": site(), "core-site.xml": site()})
	missing := filepath.Join(t.TempDir(), "missing")
	s := Discover(SearchDir{}, envOf(map[string]string{EnvConfDir: spindle, EnvYarnConfDir: yarn, EnvHadoopConfDir: hadoop, EnvSparkConfDir: missing}))
	want := []string{
		spindle + " (SPINDLE_CONF_DIR): no yarn-site.xml",
		yarn + " (YARN_CONF_DIR): " + filepath.Join(yarn, "yarn-site.xml") + " read",
		hadoop + " (HADOOP_CONF_DIR): " + filepath.Join(hadoop, "yarn-site.xml") + " not read, an earlier directory has yarn-site.xml",
	}
	if got := s.LookedIn(FileYarnSite); !slices.Equal(got, want) {
		t.Errorf("LookedIn(yarn-site.xml) =\n%q\nwant\n%q", got, want)
	}
	if got, want := s.LookedIn(FileSpindleSite), []string{spindle + " (SPINDLE_CONF_DIR): " + filepath.Join(spindle, "spindle-site.xml") + " read"}; !slices.Equal(got, want) {
		t.Errorf("LookedIn(spindle-site.xml) = %q; want %q", got, want)
	}
	if got, want := s.LookedIn(FileSparkDefaults), []string{missing + " (SPARK_CONF_DIR): no such directory"}; !slices.Equal(got, want) {
		t.Errorf("LookedIn(spark-defaults.conf) = %q; want %q", got, want)
	}
	none := Discover(SearchDir{}, noEnv)
	want = []string{"SPINDLE_CONF_DIR is not set", "YARN_CONF_DIR is not set", "HADOOP_CONF_DIR is not set", "HADOOP_HOME is not set"}
	if got := none.LookedIn(FileYarnSite); !slices.Equal(got, want) {
		t.Errorf("LookedIn with nothing set = %q; want %q", got, want)
	}
}
