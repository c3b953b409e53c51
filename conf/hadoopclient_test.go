package conf

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestHadoopClientConf(t *testing.T) {
	spindle := confDir(t, map[string]string{
		"core-site.xml": site("fs.defaultFS", "hdfs://${dfs.nameservices}", "hadoop.tmp.dir", "/tmp/hadoop-${user.name}"),
	})
	hadoop := confDir(t, map[string]string{
		"core-site.xml": site("fs.defaultFS", "hdfs://not-read:8020"),
		"hdfs-site.xml": site(
			"dfs.nameservices", "prod",
			"dfs.ha.namenodes.prod", "nn1,nn2",
			"dfs.namenode.rpc-address.prod.nn1", "${env.NN1}:8020",
			"fs.defaultFS", "hdfs://${dfs.nameservices}-override",
			"dfs.client.use.datanode.hostname", "${unset.key}",
		),
	})
	s := Discover(SearchDir{}, envOf(map[string]string{EnvConfDir: spindle, EnvHadoopConfDir: hadoop}))
	got, files, err := HadoopClientConf(s, envOf(map[string]string{"NN1": "nn1.example", "USER": "alice"}))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		// hdfs-site.xml is read after core-site.xml and wins, as in Hadoop.
		"fs.defaultFS":                      "hdfs://prod-override",
		"dfs.namenode.rpc-address.prod.nn1": "nn1.example:8020",
		"dfs.ha.namenodes.prod":             "nn1,nn2",
		"dfs.client.use.datanode.hostname":  "${unset.key}",
	} {
		if got[key] != want {
			t.Errorf("%s = %q; want %q", key, got[key], want)
		}
	}
	if !strings.HasPrefix(got["hadoop.tmp.dir"], "/tmp/hadoop-") || strings.Contains(got["hadoop.tmp.dir"], "$") {
		t.Errorf("hadoop.tmp.dir = %q; want ${user.name} expanded", got["hadoop.tmp.dir"])
	}
	wantFiles := []ConfFile{
		{FileCoreSite, filepath.Join(spindle, "core-site.xml"), SearchDir{spindle, EnvConfDir}},
		{FileHDFSSite, filepath.Join(hadoop, "hdfs-site.xml"), SearchDir{hadoop, EnvHadoopConfDir}},
	}
	if !slices.Equal(files, wantFiles) {
		t.Errorf("files = %v\nwant    %v", files, wantFiles)
	}

	none, files, err := HadoopClientConf(Discover(SearchDir{}, noEnv), noEnv)
	if err != nil || len(none) != 0 || len(files) != 0 {
		t.Errorf("with no directories: %v, %v, %v; want an empty configuration", none, files, err)
	}
}

func TestHadoopClientConfErrors(t *testing.T) {
	malformed := confDir(t, map[string]string{"hdfs-site.xml": "<configuration>\n<property><name>a</name><value>b</vale></property>\n</configuration>\n"})
	cycle := confDir(t, map[string]string{"core-site.xml": site("a", "${b}", "b", "${a}")})
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name string
		env  map[string]string
		kind error
		want string
	}{
		{"malformed", map[string]string{EnvHadoopConfDir: malformed}, ErrSyntax, filepath.Join(malformed, "hdfs-site.xml") + " line 2"},
		{"cycle", map[string]string{EnvHadoopConfDir: cycle}, ErrExpansion, "(from " + filepath.Join(cycle, "core-site.xml") + " line "},
		{"missing Spindle directory", map[string]string{EnvConfDir: missing}, ErrConfDir, missing + " (SPINDLE_CONF_DIR) does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := HadoopClientConf(Discover(SearchDir{}, envOf(tt.env)), noEnv)
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v; want %v with %q", err, tt.kind, tt.want)
			}
		})
	}
}
