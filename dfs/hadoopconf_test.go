package dfs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHDFSFindsHadoopFilesAsCommandsDo: the HDFS client reads core-site.xml
// and hdfs-site.xml from the directories every command searches, each file
// from the first that holds it, with ${...} expanded.
func TestHDFSFindsHadoopFilesAsCommandsDo(t *testing.T) {
	hadoop := isolateHadoopEnv(t)
	c := startMiniHDFS(t, 1<<20)
	t.Setenv("HADOOP_USER_NAME", "spindle")
	open := func(t *testing.T) {
		t.Helper()
		s, p, err := Open(context.Background(), "hdfs:///discovered/file")
		if err != nil {
			t.Fatalf("Open(hdfs:///discovered/file): %v", err)
		}
		defer s.Close()
		mustWriteFile(t, s, p, "x")
		if got := mustReadFile(t, s, p); got != "x" {
			t.Fatalf("read %q", got)
		}
	}

	t.Run("core-site.xml of SPINDLE_CONF_DIR, hdfs-site.xml of HADOOP_CONF_DIR", func(t *testing.T) {
		spindle := t.TempDir()
		t.Setenv("SPINDLE_CONF_DIR", spindle)
		writeHadoopConf(t, spindle, "core-site.xml", map[string]string{"fs.defaultFS": "hdfs://${dfs.nameservices}"})
		// HADOOP_CONF_DIR's core-site.xml names a dead NameNode: it must
		// not be read, since SPINDLE_CONF_DIR has one.
		writeHadoopConf(t, hadoop, "core-site.xml", map[string]string{"fs.defaultFS": "hdfs://" + deadAddr(t)})
		writeHadoopConf(t, hadoop, "hdfs-site.xml", map[string]string{
			"dfs.nameservices":                        "discovered",
			"dfs.ha.namenodes.discovered":             "nn1",
			"dfs.namenode.rpc-address.discovered.nn1": c.Addr(),
		})
		open(t)
	})

	t.Run("core-site.xml of $HADOOP_HOME/etc/hadoop", func(t *testing.T) {
		home := t.TempDir()
		etc := filepath.Join(home, "etc", "hadoop")
		if err := os.MkdirAll(etc, 0o755); err != nil {
			t.Fatal(err)
		}
		writeHadoopConf(t, etc, "core-site.xml", map[string]string{"fs.defaultFS": c.URL()})
		t.Setenv("SPINDLE_CONF_DIR", "")
		t.Setenv("HADOOP_CONF_DIR", "")
		t.Setenv("HADOOP_HOME", home)
		open(t)
	})

	t.Run("nothing names a NameNode", func(t *testing.T) {
		t.Setenv("SPINDLE_CONF_DIR", "")
		t.Setenv("HADOOP_CONF_DIR", "")
		t.Setenv("HADOOP_HOME", "")
		_, _, err := Open(context.Background(), "hdfs:///x")
		if err == nil {
			t.Fatal("Open(hdfs:///x) succeeded with no configuration")
		}
		for _, want := range []string{"set fs.defaultFS in core-site.xml", "looked for core-site.xml in: SPINDLE_CONF_DIR is not set; YARN_CONF_DIR is not set; HADOOP_CONF_DIR is not set; HADOOP_HOME is not set"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
	})
}
