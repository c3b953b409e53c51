package conf

import (
	"fmt"
	"os"
	"strings"
)

// WriteSiteFile writes a Hadoop-style site file (a <configuration> of
// <property> elements) at path holding the KEY=VALUE pairs kvs in order,
// with comment above them when it is not empty: the client configuration a
// local cluster hands its users.
func WriteSiteFile(path, comment string, kvs []string) error {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;")
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	if comment != "" {
		b.WriteString("<!-- " + strings.ReplaceAll(comment, "--", "- -") + " -->\n")
	}
	b.WriteString("<configuration>\n")
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "  <property>\n    <name>%s</name>\n    <value>%s</value>\n  </property>\n", esc.Replace(k), esc.Replace(v))
	}
	b.WriteString("</configuration>\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("conf: write %s: %w", path, err)
	}
	return nil
}
