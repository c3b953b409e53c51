package conf

import (
	"errors"
	"strings"
	"testing"
)

func TestParseHadoopXML(t *testing.T) {
	data := `<?xml version="1.0"?>
<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>
<!-- a comment -->
<configuration>
  <property>
    <name> yarn.a </name>
    <value>
      1g
    </value>
    <final>true</final>
    <source>yarn-site.xml</source>
  </property>
  <property name="yarn.b" value="x &amp; y"/>
  <property><name>yarn.c</name><value/></property>
  <unknown><property><name>ignored</name><value>1</value></property></unknown>
</configuration>
`
	props, err := parseHadoopXML("site.xml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	type nv struct {
		name, value string
		line        int
	}
	var got []nv
	for _, p := range props {
		got = append(got, nv{p.name, p.value, p.line})
	}
	want := []nv{{"yarn.a", "1g", 5}, {"yarn.b", "x & y", 13}, {"yarn.c", "", 14}}
	if len(got) != len(want) {
		t.Fatalf("got %v; want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("property %d = %+v; want %+v", i, got[i], want[i])
		}
	}
}

func TestParseHadoopXMLLatin1(t *testing.T) {
	data := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><configuration><property><name>a</name><value>caf\xe9</value></property></configuration>")
	props, err := parseHadoopXML("site.xml", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(props) != 1 || props[0].value != "café" {
		t.Fatalf("got %+v; want a = café", props)
	}
}

func TestParseHadoopXMLErrors(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"empty", "", "site.xml: no <configuration> element"},
		{"comment only", "<!-- nothing -->", "no <configuration> element"},
		{"wrong root", "<conf/>", "site.xml line 1: top-level element is <conf>"},
		{"two roots", "<configuration/>\n<configuration/>", "site.xml line 2: second top-level element"},
		{"text outside", "<configuration/>\nstray", "site.xml line 2: text outside <configuration>"},
		{"unclosed", "<configuration>\n<property>\n<name>a</name>\n</configuration>", "site.xml line 4: malformed XML"},
		{"not XML", "key=value", "site.xml"},
		{"no name", "<configuration>\n\n<property><value>1</value></property></configuration>", "site.xml line 3: <property> has no <name>"},
		{"no value", "<configuration>\n<property><name>a</name></property></configuration>", "site.xml line 2: property a has no <value>"},
		{"space in name", "<configuration><property><name>a b</name><value>1</value></property></configuration>", `key "a b" contains whitespace`},
		{"include", "<configuration xmlns:xi=\"http://www.w3.org/2001/XInclude\">\n<xi:include href=\"other.xml\"/></configuration>", "site.xml line 2: <include> (XInclude) is not supported"},
		{"encoding", `<?xml version="1.0" encoding="EBCDIC"?><configuration/>`, "unsupported encoding EBCDIC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseHadoopXML("site.xml", []byte(tt.data))
			if err == nil {
				t.Fatalf("parse succeeded; want an error containing %q", tt.want)
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("error %v does not wrap ErrSyntax", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}
