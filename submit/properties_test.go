package submit

import (
	"maps"
	"testing"
)

func TestParsePropertiesFile(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"separators", "a 1\nb=2\nc:3\nd\t4\ne = 5\nf : 6\ng\f7\n", map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6", "g": "7"}},
		{"comments and blank lines", "# comment\n  ! also\n\n   \t\nspark.a 1\n#spark.b 2\n", map[string]string{"spark.a": "1"}},
		{"values keep inner blanks, trailing ones trimmed", "spark.driver.extraJavaOptions -Da=1 -Db=2   \t\n", map[string]string{"spark.driver.extraJavaOptions": "-Da=1 -Db=2"}},
		{"only the first separator counts", "k=a=b:c\nk2 : = x\n", map[string]string{"k": "a=b:c", "k2": "= x"}},
		{"empty value after a separator", "k=\nk2:   \n", map[string]string{"k": "", "k2": ""}},
		{"continuation", "spark.a one,\\\n     two,\\\n\tthree\nspark.b 2\n", map[string]string{"spark.a": "one,two,three", "spark.b": "2"}},
		{"continuation in the key", "spark.\\\n  a 1\n", map[string]string{"spark.a": "1"}},
		{"an even number of backslashes does not continue", "k a\\\\\nk2 b\n", map[string]string{"k": `a\`, "k2": "b"}},
		{"a continued line that looks like a comment", "k a\\\n# not a comment\n", map[string]string{"k": "a# not a comment"}},
		{"a comment does not continue", "# c \\\nk 1\n", map[string]string{"k": "1"}},
		{"continuation at end of file", "k a\\", map[string]string{"k": "a"}},
		{"escapes", `k\ ey\=x\:y v\tw\u00e9\n` + "\n", map[string]string{"k ey=x:y": "v\twé"}},
		{"surrogate pair", `k \ud83d\ude00` + "\n", map[string]string{"k": "😀"}},
		{"unknown escapes stand for the character", `k \q\\` + "\n", map[string]string{"k": `q\`}},
		{"CRLF and CR line ends", "a 1\r\nb 2\rc 3", map[string]string{"a": "1", "b": "2", "c": "3"}},
		{"byte order mark", "\uFEFFa 1\n", map[string]string{"a": "1"}},
		{"a later line wins", "a 1\na 2\n", map[string]string{"a": "2"}},
		{"leading whitespace", "   a 1\n", map[string]string{"a": "1"}},
		{"empty file", "", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePropertiesFile([]byte(tt.in), "x.conf")
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParsePropertiesFileErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		msg  []string
	}{
		{"key without a value", "a 1\n\nspark.master\n", []string{"spindle-defaults.conf:3:", "spark.master", "no value", "KEY=VALUE"}},
		{"key without a value, trailing blanks", "spark.master   \n", []string{"spindle-defaults.conf:1:"}},
		{"no key", "a 1\n= 2\n", []string{"spindle-defaults.conf:2:", "no key"}},
		{"no key with colon", ": 2\n", []string{":1:", "no key"}},
		{"malformed unicode escape", "a 1\nb \\u00g1\n", []string{":2:", `\uXXXX`}},
		{"short unicode escape", "b \\u12", []string{":1:", `\uXXXX`}},
		{"unpaired surrogate", "b \\ud83d x\n", []string{":1:", "surrogate"}},
		{"invalid UTF-8", "a 1\nb \xff\n", []string{":2:", "UTF-8"}},
		{"line of a continued error", "a 1\nb \\\n  \\u12zz\n", []string{":2:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePropertiesFile([]byte(tt.in), "spindle-defaults.conf")
			checkError(t, err, ErrPropertiesFile, tt.msg...)
		})
	}
}
