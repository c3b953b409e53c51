package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
)

const iso8601 = "2006-01-02T15:04:05.000Z0700"

// TestNewFormats checks that both formats write the same parseable lines
// to stderr and to the log file, whose directory New creates.
func TestNewFormats(t *testing.T) {
	tests := []struct {
		format string
		parse  func(t *testing.T, line string) map[string]any
	}{
		{FormatJSON, parseJSONLine},
		{FormatConsole, parseConsoleLine},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			var stderr bytes.Buffer
			cfg := DefaultConfig()
			cfg.Format = tc.format
			cfg.File = filepath.Join(t.TempDir(), "logs", "nm", "spindle.log")
			cfg.Stderr = &stderr
			log, closer, err := New(cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			before := time.Now().Add(-time.Second)
			log.Debug("dropped at info level")
			log.Info("container started", zap.String("container", "container_1_0001_01_000002"), zap.Int("attempt", 3))
			log.Warn("container slow", zap.String("container", "c2"))
			if err := closer.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := closer.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			log.Info("after close") // reaches stderr only, without error reports

			file := mustRead(t, cfg.File)
			lines := strings.Split(strings.TrimSuffix(file, "\n"), "\n")
			if len(lines) != 2 {
				t.Fatalf("file has %d lines, want 2:\n%s", len(lines), file)
			}
			errLines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			if len(errLines) != 3 || strings.Join(errLines[:2], "\n") != strings.Join(lines, "\n") {
				t.Fatalf("stderr does not hold the file's lines plus the post-close one:\nstderr:\n%s\nfile:\n%s", stderr.String(), file)
			}

			want := []struct{ level, msg, container string }{
				{"info", "container started", "container_1_0001_01_000002"},
				{"warn", "container slow", "c2"},
			}
			for i, w := range want {
				got := tc.parse(t, lines[i])
				if got["level"] != w.level || got["msg"] != w.msg || got["container"] != w.container {
					t.Errorf("line %d = %v, want level %q msg %q container %q", i, got, w.level, w.msg, w.container)
				}
				ts, err := time.Parse(iso8601, got["ts"].(string))
				if err != nil {
					t.Errorf("line %d: time %q is not ISO8601: %v", i, got["ts"], err)
				} else if ts.Before(before) || ts.After(time.Now().Add(time.Second)) {
					t.Errorf("line %d: time %s is not now", i, ts)
				}
				if c, _ := got["caller"].(string); !strings.HasPrefix(c, "logging/logger_test.go:") {
					t.Errorf("line %d: caller %q, want logging/logger_test.go:N", i, c)
				}
			}
			if got := tc.parse(t, lines[0])["attempt"]; got != 3.0 {
				t.Errorf("attempt = %v, want 3", got)
			}
		})
	}
}

// parseJSONLine decodes one JSON log line.
func parseJSONLine(t *testing.T, line string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("line %q is not JSON: %v", line, err)
	}
	return m
}

// parseConsoleLine splits a console line (time, level, caller, message,
// JSON fields, tab-separated) into the same shape as a JSON line.
func parseConsoleLine(t *testing.T, line string) map[string]any {
	t.Helper()
	parts := strings.Split(line, "\t")
	if len(parts) != 5 {
		t.Fatalf("console line %q has %d tab-separated parts, want 5", line, len(parts))
	}
	m := parseJSONLine(t, parts[4])
	m["ts"], m["level"], m["caller"], m["msg"] = parts[0], parts[1], parts[2], parts[3]
	return m
}

// TestNewLevels checks that each level drops the entries below it.
func TestNewLevels(t *testing.T) {
	tests := []struct {
		level string
		want  []string
	}{
		{LevelDebug, []string{"debug", "info", "warn", "error"}},
		{LevelInfo, []string{"info", "warn", "error"}},
		{LevelWarn, []string{"warn", "error"}},
		{LevelError, []string{"error"}},
	}
	for _, tc := range tests {
		t.Run(tc.level, func(t *testing.T) {
			var stderr bytes.Buffer
			cfg := DefaultConfig()
			cfg.Level = tc.level
			cfg.Format = FormatJSON
			cfg.Stderr = &stderr
			log, closer, err := New(cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer closer.Close()
			log.Debug("m")
			log.Info("m")
			log.Warn("m")
			log.Error("m")
			var got []string
			for _, l := range strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n") {
				if l != "" {
					got = append(got, parseJSONLine(t, l)["level"].(string))
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("levels logged = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestNewRollsFile checks that New's file is bounded by the rolling limits.
func TestNewRollsFile(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Format = FormatJSON
	cfg.File = filepath.Join(t.TempDir(), "spindle.log")
	cfg.MaxSize = 1024
	cfg.MaxBackups = 2
	cfg.Stderr = &bytes.Buffer{}
	log, closer, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	for i := range 200 {
		log.Info("tick", zap.Int("i", i))
	}
	if err := closer.Close(); err != nil {
		t.Fatal(err)
	}
	names, sizes := logFiles(t, filepath.Dir(cfg.File), "spindle.log")
	if strings.Join(names, " ") != "spindle.log spindle.log.1 spindle.log.2" {
		t.Fatalf("files = %v, want spindle.log and two rolled files", names)
	}
	for _, n := range names {
		if sizes[n] > cfg.MaxSize {
			t.Errorf("%s is %d bytes, want <= %d", n, sizes[n], cfg.MaxSize)
		}
	}
	last := strings.Split(strings.TrimSuffix(mustRead(t, cfg.File), "\n"), "\n")
	if got := parseJSONLine(t, last[len(last)-1])["i"]; got != 199.0 {
		t.Fatalf("last line in %s has i = %v, want 199", cfg.File, got)
	}
}

// TestNewErrors checks that bad configurations are rejected.
func TestNewErrors(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		mutate   func(*Config)
		sentinel error // nil: any error
		mention  []string
	}{
		{"bad level", func(c *Config) { c.Level = "verbose" }, ErrInvalidLevel, []string{`"verbose"`, "debug, info, warn, error"}},
		{"upper-case level", func(c *Config) { c.Level = "INFO" }, ErrInvalidLevel, []string{`"INFO"`}},
		{"empty level", func(c *Config) { c.Level = "" }, ErrInvalidLevel, []string{`""`}},
		{"bad format", func(c *Config) { c.Format = "xml" }, ErrInvalidFormat, []string{`"xml"`, "console, json"}},
		{"bad max size", func(c *Config) { c.File = "x.log"; c.MaxSize = 0 }, ErrInvalidConfig, []string{"x.log", "max size 0"}},
		{"bad max backups", func(c *Config) { c.File = "x.log"; c.MaxBackups = -2 }, ErrInvalidConfig, []string{"max backups -2"}},
		{"bad max age", func(c *Config) { c.File = "x.log"; c.MaxAge = -time.Minute }, ErrInvalidConfig, []string{"max age -1m0s"}},
		{"unopenable file", func(c *Config) { c.File = filepath.Join(blocker, "x.log") }, nil, []string{blocker}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Stderr = &bytes.Buffer{}
			tc.mutate(&cfg)
			log, closer, err := New(cfg)
			if err == nil {
				_ = closer.Close()
				t.Fatalf("New succeeded, want error")
			}
			if log != nil || closer != nil {
				t.Errorf("New returned a logger or closer with an error")
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("error %v does not wrap %v", err, tc.sentinel)
			}
			for _, m := range tc.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

// TestRollingSettingsIgnoredWithoutFile checks that rolling limits are not
// validated when no file is configured.
func TestRollingSettingsIgnoredWithoutFile(t *testing.T) {
	cfg := Config{Level: LevelInfo, Format: FormatConsole}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v, want nil", cfg, err)
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
}
