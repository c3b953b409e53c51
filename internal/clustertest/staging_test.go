package clustertest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spindlehq/spindle/dfs/dfstest"
	"github.com/spindlehq/spindle/internal/testutil"
	"github.com/spindlehq/spindle/staging"
)

// TestSubmitStagesOnHDFS stages on the in-process HDFS a job with a file
// already on HDFS under another name (#alias), a local file and an
// archive: every executor finds them in its working dir, the archive
// unpacked, and the staging dir is gone once the application ends.
func TestSubmitStagesOnHDFS(t *testing.T) {
	hdfs := dfstest.StartHDFS(t, 0) // sets HADOOP_CONF_DIR and HADOOP_USER_NAME for the daemons too
	st := dfstest.NewHDFSStore(t, hdfs.Addr(), nil)
	ctx := context.Background()
	if err := st.WriteFile(ctx, "/conf/prod.conf", []byte("topic=orders\n")); err != nil {
		t.Fatal(err)
	}
	dir := testutil.SharedDir(t)
	lookup := filepath.Join(dir, "lookup.csv")
	if err := os.WriteFile(lookup, []byte("sku,price\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deps := filepath.Join(dir, "deps.tgz")
	if err := os.WriteFile(deps, tarGz(t, "lib/regions.csv", "eu,us\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stop := filepath.Join(dir, "stop")

	c := testutil.StartCluster(t, testutil.ClusterConfig{NodeManagers: 2, NMMemory: "4g"})
	stagingRoot := hdfs.URL() + "/user/spindle/staging"
	sub := c.Submit(
		"--num-executors", "2", "--executor-memory", "256m", "--driver-memory", "256m",
		"--files", hdfs.URL()+"/conf/prod.conf#app.conf,"+lookup,
		"--archives", deps+"#env",
		"--conf", "spark.yarn.stagingDir="+stagingRoot,
		"--conf", "spindle.driver.mode=process", testutil.TestJobBinary(t), "--until-file", stop)
	appID := sub.AppID()
	got := waitExecutors(t, c, appID, 2, 30*time.Second)
	for id, nm := range got {
		work := filepath.Join(c.Dir, fmt.Sprintf("nm%d", nm), "nm-local-dir", appID, id)
		for name, want := range map[string]string{"app.conf": "topic=orders\n", "lookup.csv": "sku,price\n", "env/lib/regions.csv": "eu,us\n"} {
			if raw, err := os.ReadFile(filepath.Join(work, name)); err != nil || string(raw) != want {
				t.Errorf("executor %s: %s = %q, %v; want %q", id, name, raw, err, want)
			}
		}
	}
	appDir := "/user/spindle/staging/" + staging.DirName + "/" + appID
	if ok, err := st.Exists(ctx, appDir); err != nil || !ok {
		t.Fatalf("staging dir %s on HDFS: exists %v, %v", appDir, ok, err)
	}
	os.WriteFile(stop, nil, 0o644)
	if err := sub.Wait(60 * time.Second); err != nil {
		t.Fatalf("spindle submit: %v\n%s", err, sub.Output())
	}
	if ok, err := st.Exists(ctx, appDir); err != nil || ok {
		t.Errorf("staging dir %s still on HDFS after the application ended (exists %v, %v)", appDir, ok, err)
	}
}

// tarGz is a .tar.gz holding one file.
func tarGz(t *testing.T, name, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write([]byte(body))
	tw.Close()
	zw.Close()
	return buf.Bytes()
}
