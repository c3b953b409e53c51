package conf

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestWriteSiteFileReadsBack: what WriteSiteFile writes, the loader reads
// back as it was, values with XML's special characters and '=' included.
func TestWriteSiteFileReadsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spindle-site.xml")
	kvs := []string{"spindle.tmp.dir=/tmp/a & b", "spindle.tls.cert-file=/x/<ann>.pem", "yarn.admin.acl= admins", "k=a=b\"c"}
	if err := WriteSiteFile(path, "for the cluster in /tmp/x--y", kvs); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	props, err := parseHadoopXML(path, raw)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range props {
		got = append(got, p.name+"="+p.value)
	}
	if !slices.Equal(got, kvs) {
		t.Errorf("read back %q, want %q", got, kvs)
	}
}
