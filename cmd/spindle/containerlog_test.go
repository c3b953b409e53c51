package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/launch"
	"github.com/spindlehq/spindle/sdk"
)

func TestResolveLogLevels(t *testing.T) {
	tests := []struct {
		name      string
		file      string // spindle-log.properties; "" = none
		conf      map[string]string
		framework string
		app       string
		ignored   []string
		wantErr   string
	}{
		{name: "nothing"},
		{name: "conf", conf: map[string]string{conf.KeyAppFrameworkLogLevel: "warn", conf.KeyAppJobLogLevel: "debug"}, framework: "warn", app: "DEBUG"},
		{name: "file", file: "level=WARN\napp.level = trace\n", framework: "warn", app: "TRACE"},
		{name: "conf wins over file", file: "level=error\napp.level=OFF\n", conf: map[string]string{conf.KeyAppJobLogLevel: "info"}, framework: "error", app: "INFO"},
		{name: "unknown keys", file: "# comment\nlog4j.rootLogger=INFO, console\nlevel=info\n", framework: "info", ignored: []string{"log4j.rootLogger"}},
		{name: "bad framework level in file", file: "level=TRACE\n", wantErr: "spindle-log.properties: level: \"TRACE\" is not allowed: use one of debug, info, warn, error (in any case)"},
		{name: "bad app level in file", file: "app.level=verbose\n", wantErr: "spindle-log.properties: app.level: \"verbose\" is not allowed: use one of ALL, TRACE"},
		{name: "malformed file", file: "level\n", wantErr: "spindle-log.properties"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.file != "" {
				if err := os.WriteFile(filepath.Join(dir, logPropertiesFile), []byte(tc.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var settings conf.AppConf
			for k, v := range tc.conf {
				if err := settings.Set(k, v); err != nil {
					t.Fatal(err)
				}
			}
			got, err := resolveLogLevels(dir, settings)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("resolveLogLevels = %+v, %v; want an error with %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.framework != tc.framework || got.app != tc.app || !slices.Equal(got.ignored, tc.ignored) {
				t.Fatalf("resolveLogLevels = %+v, want framework %q, app %q, ignored %v", got, tc.framework, tc.app, tc.ignored)
			}
		})
	}
}

// TestContainerLoggersLevels: in a container, spindle.log logs at the
// framework level and the job's level reaches its conf as spark.log.level.
func TestContainerLoggersLevels(t *testing.T) {
	work, logDir := t.TempDir(), t.TempDir()
	t.Chdir(work)
	t.Setenv(launch.EnvLogDir, logDir)
	if err := os.WriteFile(filepath.Join(work, logPropertiesFile), []byte("level=warn\napp.level=DEBUG\nextra=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	jobConf := map[string]string{sdk.ConfLogLevel: "ERROR"}
	lg, appLog, closeLogs, err := containerLoggers(launch.Spec{Conf: jobConf})
	if err != nil {
		t.Fatal(err)
	}
	lg.Info("framework-info-line")
	lg.Warn("framework-warn-line")
	if _, err := appLog.Write([]byte("job-line\n")); err != nil {
		t.Fatal(err)
	}
	closeLogs()
	if jobConf[sdk.ConfLogLevel] != "DEBUG" {
		t.Fatalf("spark.log.level = %q, want DEBUG from app.level", jobConf[sdk.ConfLogLevel])
	}
	framework, err := os.ReadFile(filepath.Join(logDir, "spindle.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		line string
		want bool
	}{{"framework-warn-line", true}, {"framework-info-line", false}, {"job-line", false}, {"extra", true}} {
		if strings.Contains(string(framework), c.line) != c.want {
			t.Errorf("spindle.log has %q: %v, want %v:\n%s", c.line, !c.want, c.want, framework)
		}
	}
	app, err := os.ReadFile(filepath.Join(logDir, "app.log"))
	if err != nil || string(app) != "job-line\n" {
		t.Fatalf("app.log %q, %v; want the job's line only", app, err)
	}

	// Without a conf map (no launch spec) the job's level is left alone.
	if _, _, closeLogs, err = containerLoggers(launch.Spec{}); err != nil {
		t.Fatal(err)
	}
	closeLogs()
}

// FuzzParseLogProperties: any file gives levels that are valid or empty,
// or an error naming the file; nothing panics.
func FuzzParseLogProperties(f *testing.F) {
	for _, s := range []string{"level=warn\napp.level=DEBUG\n", "level", "app.level=\\u00", "a=b\n#c\n!d\nlevel : ERROR", "\uFEFFapp.level=off"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lv, err := parseLogProperties(data, logPropertiesFile)
		if err != nil {
			if !strings.Contains(err.Error(), logPropertiesFile) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		frameworkKey, _ := conf.LookupAppKey(conf.KeyAppFrameworkLogLevel)
		if lv.framework != "" && !slices.Contains(frameworkKey.Values, lv.framework) {
			t.Fatalf("framework level %q", lv.framework)
		}
		appKey, _ := conf.LookupAppKey(conf.KeyAppJobLogLevel)
		if lv.app != "" && !slices.Contains(appKey.Values, lv.app) {
			t.Fatalf("app level %q", lv.app)
		}
		if !slices.IsSorted(lv.ignored) || slices.Contains(lv.ignored, propLevel) || slices.Contains(lv.ignored, propAppLevel) {
			t.Fatalf("ignored keys %v", lv.ignored)
		}
	})
}
