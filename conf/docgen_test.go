package conf

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md from spindle-default.xml")

// docPath is docs/configuration.md, relative to this package.
var docPath = filepath.Join("..", "docs", "configuration.md")

func TestConfigurationDocUpToDate(t *testing.T) {
	want := generateDoc(Known(), AppKeys())
	if *update {
		if err := os.WriteFile(docPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("%v; run `go test ./conf -run TestConfigurationDocUpToDate -update`", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date with spindle-default.xml; run `go test ./conf -run TestConfigurationDocUpToDate -update`", docPath)
	}
}

func TestGenerateDoc(t *testing.T) {
	keys := []Key{
		{Name: "a.size", Default: "1", Type: TypeSize, Unit: "m", Group: "First", Description: "A size."},
		{Name: "b.fam.*", Type: TypeString, Group: "Second", Description: "A family | with a pipe."},
		{Name: "a.level", Default: "info", Type: TypeString, Group: "First", Description: "A level.", Values: []string{"info", "debug"}},
		{Name: "a.empty", Type: TypeAddress, Group: "First", Description: "Empty."},
		{Name: "a.wait", Default: "5", Type: TypeDuration, Unit: "s", Group: "First", Description: "A wait."},
	}
	doc := string(generateDoc(keys, nil))
	wantInOrder := []string{
		"# Configuration",
		"## First",
		"| `a.size` | `1` | size (bare number: MiB) | A size. |",
		"| `a.level` | `info` | one of `info`, `debug` | A level. |",
		"| `a.empty` | (empty) | address | Empty. |",
		"| `a.wait` | `5` | duration (bare number: seconds) | A wait. |",
		"## Second",
		"| `b.fam.*` | (none) | string | A family \\| with a pipe. |",
	}
	pos := 0
	for _, w := range wantInOrder {
		i := strings.Index(doc[pos:], w)
		if i < 0 {
			t.Fatalf("generated doc lacks %q after offset %d:\n%s", w, pos, doc)
		}
		pos += i + len(w)
	}
}
