package conf

import (
	"os"
	"path/filepath"
	"testing"
)

// TestACLKeepsItsLeadingSpace: an ACL written " analysts" names a group,
// as in YARN, from a file or from --conf; other values are trimmed.
func TestACLKeepsItsLeadingSpace(t *testing.T) {
	dir := t.TempDir()
	xml := `<configuration>
  <property><name>yarn.scheduler.capacity.root.default.acl_submit_applications</name><value> analysts</value></property>
  <property><name>yarn.scheduler.capacity.root.acl_administer_queue</name><value>
      sre admins
  </value></property>
</configuration>`
	if err := os.WriteFile(filepath.Join(dir, "capacity-scheduler.xml"), []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(LoadOptions{Dir: dir, Overrides: []string{"yarn.admin.acl= ops", "spindle.tmp.dir= /tmp/x "}})
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"yarn.scheduler.capacity.root.default.acl_submit_applications": " analysts",
		"yarn.scheduler.capacity.root.acl_administer_queue":            "sre admins",
		"yarn.admin.acl":  " ops",
		"spindle.tmp.dir": "/tmp/x",
	} {
		if got := c.Get(key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
}
