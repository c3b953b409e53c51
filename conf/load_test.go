package conf

import (
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoadDefaults(t *testing.T) {
	c := mustLoad(t, LoadOptions{})
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	tmp := "/tmp/spindle-" + u.Username
	for key, want := range map[string]string{
		"spindle.tmp.dir":                               tmp,
		"yarn.resourcemanager.address":                  "0.0.0.0:8032",
		"yarn.resourcemanager.resource-tracker.address": "0.0.0.0:8031",
		"yarn.resourcemanager.webapp.address":           "0.0.0.0:8088",
		"yarn.nodemanager.address":                      "0.0.0.0:0",
		"yarn.nodemanager.webapp.address":               "0.0.0.0:8042",
		"yarn.nodemanager.local-dirs":                   tmp + "/nm-local-dir",
		"spindle.resourcemanager.state-dir":             tmp + "/rm",
		"spindle.memberlist.advertise-address":          "",
		"spindle.log.dir":                               tmp + "/logs",
	} {
		if got := c.Get(key); got != want {
			t.Errorf("Get(%s) = %q; want %q", key, got, want)
		}
		if got := c.Source(key); got != SourceDefault {
			t.Errorf("Source(%s) = %q; want %q", key, got, SourceDefault)
		}
	}
	if w := c.Warnings(); len(w) != 0 {
		t.Errorf("defaults give warnings: %q", w)
	}
	durations := map[string]time.Duration{
		"yarn.resourcemanager.nodemanagers.heartbeat-interval-ms":         time.Second,
		"yarn.nm.liveness-monitor.expiry-interval-ms":                     10 * time.Second,
		"yarn.resourcemanager.rm.container-allocation.expiry-interval-ms": 10 * time.Minute,
		"yarn.nodemanager.sleep-delay-before-sigkill.ms":                  250 * time.Millisecond,
		"yarn.nodemanager.delete.debug-delay-sec":                         0,
		"spindle.memberlist.probe-interval":                               300 * time.Millisecond,
		"spindle.log.maxAge":                                              7 * 24 * time.Hour,
	}
	for key, want := range durations {
		if got, err := c.Duration(key); err != nil || got != want {
			t.Errorf("Duration(%s) = %v, %v; want %v", key, got, err, want)
		}
	}
	sizesMB := map[string]int64{
		"yarn.scheduler.minimum-allocation-mb": 1,
		"yarn.scheduler.maximum-allocation-mb": 8192,
		"yarn.nodemanager.resource.memory-mb":  -1,
		"spindle.log.maxSize":                  128,
	}
	for key, want := range sizesMB {
		if got, err := c.SizeMB(key); err != nil || got != want {
			t.Errorf("SizeMB(%s) = %d, %v; want %d", key, got, err, want)
		}
	}
	if got, err := c.Int("yarn.resourcemanager.am.max-attempts"); err != nil || got != 2 {
		t.Errorf("Int(am.max-attempts) = %d, %v; want 2", got, err)
	}
	if got, err := c.Bool("yarn.nodemanager.pmem-check-enabled"); err != nil || !got {
		t.Errorf("Bool(pmem-check-enabled) = %v, %v; want true", got, err)
	}
	if got := c.Strings("yarn.scheduler.capacity.root.queues"); !slices.Equal(got, []string{"default"}) {
		t.Errorf("Strings(root.queues) = %q", got)
	}
}

// TestLoadEveryDefaultReadsAsItsType reads every known key with the
// accessor of its type, so a default that only looks valid is caught.
func TestLoadEveryDefaultReadsAsItsType(t *testing.T) {
	c := mustLoad(t, LoadOptions{})
	for _, k := range Known() {
		if k.IsFamily() {
			if c.Source(k.Name) != "" {
				t.Errorf("family %s is set", k.Name)
			}
			continue
		}
		var err error
		v := c.Get(k.Name)
		if v == "" {
			continue
		}
		switch k.Type {
		case TypeInt:
			_, err = c.Int(k.Name)
		case TypeBool:
			_, err = c.Bool(k.Name)
		case TypeSize:
			_, err = c.SizeBytes(k.Name)
		case TypeDuration:
			_, err = c.Duration(k.Name)
		case TypeAddress:
			err = checkAddress(v)
		case TypePercent:
			_, err = parsePercent(v)
		}
		if err != nil {
			t.Errorf("%s: %v", k.Name, err)
		}
	}
}

func TestLoadPrecedence(t *testing.T) {
	dir := confDir(t, map[string]string{
		"yarn-site.xml": site(
			"yarn.nodemanager.resource.memory-mb", "4096",
			"yarn.scheduler.maximum-allocation-mb", "2048",
			"yarn.nodemanager.resource.cpu-vcores", "8",
			"yarn.scheduler.capacity.root.default.capacity", "50",
		),
		"capacity-scheduler.xml": site(
			"yarn.scheduler.capacity.root.default.capacity", "60",
		),
		"spindle-site.xml": site(
			"yarn.nodemanager.resource.memory-mb", "8g",
			"yarn.scheduler.maximum-allocation-mb", "4096",
		),
	})
	c := mustLoad(t, LoadOptions{
		Dir: dir,
		Overrides: []string{
			"yarn.nodemanager.resource.memory-mb=16g",
			"spindle.log.level=debug",
			"spindle.log.level = warn ",
		},
	})
	yarnSite := filepath.Join(dir, "yarn-site.xml")
	capSite := filepath.Join(dir, "capacity-scheduler.xml")
	spindleSite := filepath.Join(dir, "spindle-site.xml")
	tests := []struct {
		key, value, source string
	}{
		{"yarn.nodemanager.resource.memory-mb", "16g", SourceOverride},
		{"yarn.scheduler.maximum-allocation-mb", "4096", spindleSite},
		{"yarn.nodemanager.resource.cpu-vcores", "8", yarnSite},
		{"yarn.scheduler.capacity.root.default.capacity", "60", capSite},
		{"spindle.log.level", "warn", SourceOverride},
		{"yarn.scheduler.minimum-allocation-mb", "1", SourceDefault},
	}
	for _, tt := range tests {
		if got := c.Get(tt.key); got != tt.value {
			t.Errorf("Get(%s) = %q; want %q", tt.key, got, tt.value)
		}
		if got := c.Source(tt.key); got != tt.source {
			t.Errorf("Source(%s) = %q; want %q", tt.key, got, tt.source)
		}
	}
	if got, err := c.SizeMB("yarn.nodemanager.resource.memory-mb"); err != nil || got != 16<<10 {
		t.Errorf("SizeMB(memory-mb) = %d, %v; want 16384", got, err)
	}
}

func TestLoadOverrideValues(t *testing.T) {
	c := mustLoad(t, LoadOptions{Overrides: []string{
		"spindle.memberlist.seeds=",
		"spindle.tmp.dir=/data/a=b",
		"spindle.memberlist.advertise-address=",
	}})
	if got := c.Strings("spindle.memberlist.seeds"); got != nil {
		t.Errorf("Strings(seeds) = %q; want none", got)
	}
	if got := c.Get("spindle.tmp.dir"); got != "/data/a=b" {
		t.Errorf("Get(spindle.tmp.dir) = %q; want /data/a=b", got)
	}
}

func TestLoadInvalidValues(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		// overrides are --conf values.
		overrides []string
		// want are substrings of the error; "DIR" stands for the directory.
		want []string
	}{
		{
			name:  "size in yarn-site.xml",
			files: map[string]string{"yarn-site.xml": site("yarn.nodemanager.resource.memory-mb", "12x")},
			want: []string{"yarn.nodemanager.resource.memory-mb (from DIR/yarn-site.xml line 2)",
				`"12x" is not a size`, "a bare number means MiB"},
		},
		{
			name:  "percent in capacity-scheduler.xml",
			files: map[string]string{"capacity-scheduler.xml": site("yarn.scheduler.capacity.root.default.capacity", "120")},
			want: []string{"yarn.scheduler.capacity.root.default.capacity (from DIR/capacity-scheduler.xml line 2)",
				`"120" is not a percentage`, "from 0 to 100"},
		},
		{
			name:  "family member in capacity-scheduler.xml",
			files: map[string]string{"capacity-scheduler.xml": site("yarn.scheduler.capacity.root.streaming.maximum-capacity", "lots")},
			want:  []string{"yarn.scheduler.capacity.root.streaming.maximum-capacity (from DIR/capacity-scheduler.xml line 2)", `"lots" is not a percentage`},
		},
		{
			name:  "duration in spindle-site.xml",
			files: map[string]string{"spindle-site.xml": site("spindle.log.level", "info", "spindle.memberlist.probe-interval", "soon")},
			want: []string{"spindle.memberlist.probe-interval (from DIR/spindle-site.xml line 3)",
				`"soon" is not a duration`, "a bare number means milliseconds"},
		},
		{
			name:      "bool from --conf",
			overrides: []string{"yarn.nodemanager.pmem-check-enabled=yes"},
			want:      []string{"yarn.nodemanager.pmem-check-enabled (from --conf)", `"yes" is not a boolean: use true or false`},
		},
		{
			name:      "int from --conf",
			overrides: []string{"yarn.resourcemanager.am.max-attempts=two"},
			want:      []string{"yarn.resourcemanager.am.max-attempts (from --conf)", `"two" is not a whole number`},
		},
		{
			name:      "address from --conf",
			overrides: []string{"yarn.resourcemanager.address=rm.example.com"},
			want:      []string{"yarn.resourcemanager.address (from --conf)", `"rm.example.com" is not an address`, "host:port"},
		},
		{
			name:      "port out of range",
			overrides: []string{"yarn.nodemanager.webapp.address=nm:70000"},
			want:      []string{`"nm:70000" is not an address`},
		},
		{
			name:      "choice from --conf",
			overrides: []string{"spindle.log.format=xml"},
			want:      []string{"spindle.log.format (from --conf)", `"xml" is not allowed: use one of console, json`},
		},
		{
			name:      "empty where empty means nothing",
			overrides: []string{"yarn.scheduler.maximum-allocation-mb="},
			want:      []string{"yarn.scheduler.maximum-allocation-mb (from --conf)", `"" is not a size`},
		},
		{
			name:  "default broken by the key it uses",
			files: map[string]string{"spindle-site.xml": site("yarn.resourcemanager.hostname", "rm host")},
			want: []string{
				`yarn.resourcemanager.address (from default) = "${yarn.resourcemanager.hostname}:8032" using yarn.resourcemanager.hostname (from DIR/spindle-site.xml line 2)`,
				`"rm host:8032" is not an address`,
				"yarn.resourcemanager.webapp.address (from default)",
			},
		},
		{
			name:      "unset environment variable",
			overrides: []string{"spindle.memberlist.bind-address=${env.SPINDLE_BIND}"},
			want:      []string{"spindle.memberlist.bind-address (from --conf) with ${env.SPINDLE_BIND} not set", "is not an address"},
		},
		{
			name:      "every error at once",
			overrides: []string{"spindle.log.format=xml", "spindle.log.maxBackups=many"},
			want:      []string{"spindle.log.format (from --conf)", "spindle.log.maxBackups (from --conf)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := confDir(t, tt.files)
			_, err := Load(LoadOptions{Dir: dir, Overrides: tt.overrides, LookupEnv: noEnv})
			if err == nil {
				t.Fatal("Load succeeded; want an error")
			}
			if !errors.Is(err, ErrInvalidValue) {
				t.Errorf("error %v does not wrap ErrInvalidValue", err)
			}
			for _, w := range tt.want {
				w = strings.ReplaceAll(w, "DIR", dir)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadUnknownSpindleKey(t *testing.T) {
	dir := confDir(t, map[string]string{"spindle-site.xml": site("spindle.memberlist.seed", "rm:7946")})
	tests := []struct {
		name string
		opts LoadOptions
		want string
	}{
		{"--conf", LoadOptions{Overrides: []string{"spindle.log.levle=debug"}},
			"conf: unknown key spindle.log.levle (from --conf); did you mean spindle.log.level?"},
		{"case", LoadOptions{Overrides: []string{"spindle.log.maxsize=1g"}},
			"did you mean spindle.log.maxSize?"},
		{"file", LoadOptions{Dir: dir},
			"conf: unknown key spindle.memberlist.seed (from " + filepath.Join(dir, "spindle-site.xml") + " line 2); did you mean spindle.memberlist.seeds?"},
		{"other prefix", LoadOptions{Overrides: []string{"spindle.nodemanager.local-dirs=/x"}},
			"did you mean yarn.nodemanager.local-dirs?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.LookupEnv = noEnv
			_, err := Load(tt.opts)
			if !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("Load error = %v; want ErrUnknownKey", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadUnknownOtherKeysWarn(t *testing.T) {
	dir := confDir(t, map[string]string{"yarn-site.xml": site(
		"yarn.resourcemanager.scheduler.class", "org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity.CapacityScheduler",
		"yarn.nodemanager.resource.memory-md", "4096",
		"hadoop.tmp.dir", "/data/tmp",
	)})
	c := mustLoad(t, LoadOptions{Dir: dir, Overrides: []string{"spark.executor.memory=2g"}})
	yarnSite := filepath.Join(dir, "yarn-site.xml")
	want := []string{
		"hadoop.tmp.dir (from " + yarnSite + " line 4) is not used by Spindle",
		"spark.executor.memory (from --conf) is an application key: set it with `spindle submit --conf` or in spindle-defaults.conf; the daemons ignore it",
		"yarn.nodemanager.resource.memory-md (from " + yarnSite + " line 3) is not used by Spindle; did you mean yarn.nodemanager.resource.memory-mb?",
		"yarn.resourcemanager.scheduler.class (from " + yarnSite + " line 2) is not used by Spindle",
	}
	if got := c.Warnings(); !slices.Equal(got, want) {
		t.Errorf("Warnings() =\n%q\nwant\n%q", got, want)
	}
	if got := c.Get("hadoop.tmp.dir"); got != "/data/tmp" {
		t.Errorf("unknown key not kept: Get(hadoop.tmp.dir) = %q", got)
	}
	if got, err := c.SizeMB("spark.executor.memory"); err != nil || got != 2048 {
		t.Errorf("SizeMB(spark.executor.memory) = %d, %v; want 2048", got, err)
	}
}

func TestLoadDirErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-dir")
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dirSite := t.TempDir()
	if err := os.Mkdir(filepath.Join(dirSite, "yarn-site.xml"), 0o755); err != nil {
		t.Fatal(err)
	}
	malformed := confDir(t, map[string]string{
		"spindle-site.xml": "<configuration>\n<property>\n<name>spindle.log.level</name>\n<value>debug</vale>\n</property>\n</configuration>\n",
	})
	tests := []struct {
		name string
		dir  string
		kind error
		want string
	}{
		{"missing", missing, ErrConfDir, "configuration directory " + missing + " does not exist"},
		{"not a directory", file, ErrConfDir, file + " is not a directory"},
		{"site file is a directory", dirSite, nil, "reading " + filepath.Join(dirSite, "yarn-site.xml")},
		{"malformed", malformed, ErrSyntax, filepath.Join(malformed, "spindle-site.xml") + " line 4: malformed XML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(LoadOptions{Dir: tt.dir, LookupEnv: noEnv})
			if err == nil {
				t.Fatal("Load succeeded; want an error")
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("error %v does not wrap %v", err, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadOverrideSyntax(t *testing.T) {
	for _, o := range []string{"spindle.log.level", "=debug", " =debug", "spindle log level=debug", ""} {
		_, err := Load(LoadOptions{Overrides: []string{o}, LookupEnv: noEnv})
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("override %q: error = %v; want ErrSyntax", o, err)
			continue
		}
		if !strings.Contains(err.Error(), "is not KEY=VALUE (e.g. --conf ") {
			t.Errorf("override %q: error %q does not show the expected form", o, err)
		}
	}
}

func FuzzLoadXML(f *testing.F) {
	f.Add([]byte(site("spindle.log.level", "debug")))
	f.Add([]byte(site("yarn.nodemanager.resource.memory-mb", "4g", "yarn.nodemanager.hostname", "${env.HOST}")))
	f.Add([]byte(site("spindle.tmp.dir", "${spindle.log.dir}")))
	f.Add([]byte(site("spindle.log.levle", "debug")))
	f.Add([]byte(site("yarn.a", "${yarn.b}", "yarn.b", "${yarn.a}")))
	f.Add([]byte(`<configuration><property name="a" value="b"/></configuration>`))
	f.Add([]byte("<configuration><property><name>x</name></property>"))
	f.Add([]byte(""))
	f.Add([]byte("\xff\xfe<"))
	// Each fuzzing process runs inputs one at a time, so they can share a
	// directory.
	dir := f.TempDir()
	path := filepath.Join(dir, "spindle-site.xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(LoadOptions{Dir: dir, LookupEnv: noEnv})
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name %s", err, path)
			}
			return
		}
		// A loaded configuration reads back every key.
		for _, k := range c.Keys() {
			if c.Source(k) == "" {
				t.Fatalf("key %q has no source", k)
			}
			_ = c.Get(k)
		}
	})
}
