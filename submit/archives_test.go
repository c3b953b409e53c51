package submit

import (
	"testing"
)

func TestParseArchives(t *testing.T) {
	po := ParseOptions{ReadFile: fakeFiles(nil)}
	o, _ := mustParse(t, words("--archives deps.tgz#env,hdfs:///pkgs/site.zip --conf spark.archives=more.tar --files conf.properties#app.properties ./job"), po)
	if !sameStrings(o.Archives, []string{"deps.tgz#env", "hdfs:///pkgs/site.zip", "more.tar"}) {
		t.Errorf("Archives = %q", o.Archives)
	}
	if got := o.Conf["spark.yarn.dist.archives"]; got != "deps.tgz#env,hdfs:///pkgs/site.zip,more.tar" {
		t.Errorf("spark.yarn.dist.archives = %q", got)
	}
	if !sameStrings(o.Files, []string{"conf.properties#app.properties"}) {
		t.Errorf("Files = %q", o.Files)
	}

	for _, tc := range []struct {
		args string
		msg  []string
	}{
		{"--archives deps.gz ./job", []string{"--archives", "deps.gz", "archive extension"}},
		{"--files a.txt#env --archives deps.tgz#env ./job", []string{"--archives", `"env"`}},
		{"--files a.txt#x,b.txt#x ./job", []string{"--files", `"x"`}},
		{"--files a.txt#sub/b ./job", []string{"--files", "path separator"}},
	} {
		_, _, err := Parse(words(tc.args), po)
		checkError(t, err, ErrInvalidValue, tc.msg...)
	}
}
