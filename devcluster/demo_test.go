package devcluster

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCommandLine(t *testing.T) {
	got := commandLine("/opt/spindle", []string{"submit", "--master", "spindle://h:1", "--verbose", "--conf", "a=b c", "/jobs/retail", "--regions", "r.csv"})
	want := "  /opt/spindle submit --master spindle://h:1 \\\n" +
		"      --verbose \\\n" +
		"      --conf 'a=b c' \\\n" +
		"      /jobs/retail \\\n" +
		"      --regions r.csv"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if q := shellQuote("it's"); q != `'it'\''s'` {
		t.Fatalf("shellQuote = %s", q)
	}
}

func TestReadStores(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "regions.csv")
	writeFile(t, p, "# store,region\n\ns-01,north\n s-02 , south\n")
	got, err := readStores(p)
	if err != nil || strings.Join(got, " ") != "s-01 s-02" {
		t.Fatalf("stores %q, %v", got, err)
	}
	writeFile(t, p, "# nothing\n")
	if _, err := readStores(p); err == nil {
		t.Fatal("a table without stores was read")
	}
	writeFile(t, p, "s-01\n")
	if _, err := readStores(p); err == nil || !strings.Contains(err.Error(), "store,region") {
		t.Fatalf("bad line: %v", err)
	}
}

func TestDemoConfigValidate(t *testing.T) {
	good := DefaultDemoConfig()
	good.Job, good.Regions = "/bin/retail", "/r.csv"
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*DemoConfig){
		"no job":       func(c *DemoConfig) { c.Job = "" },
		"no topic":     func(c *DemoConfig) { c.Topic = "" },
		"no batch":     func(c *DemoConfig) { c.BatchDuration = 0 },
		"no executors": func(c *DemoConfig) { c.Executors = 0 },
		"no rate":      func(c *DemoConfig) { c.Traffic.Rate = 0 },
		"no day":       func(c *DemoConfig) { c.Traffic.Day = -time.Second },
	} {
		c := good
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: validated", name)
		}
	}
}
