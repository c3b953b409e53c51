package containermonitor

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"default", func(*Config) {}, ""},
		{"zero interval", func(c *Config) { c.Interval = 0 }, "Interval"},
		{"negative interval", func(c *Config) { c.Interval = -time.Second }, "Interval"},
		{"empty proc root", func(c *Config) { c.ProcRoot = "" }, "ProcRoot"},
		{"nil logger", func(c *Config) { c.Logger = nil }, "Logger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.mutate(&cfg)
			err := cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate() = %v, want ErrInvalidConfig naming %s", err, tt.wantErr)
			}
			if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New() = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	cfg := DefaultConfig()
	if cfg.Interval != 3*time.Second || cfg.ProcRoot != "/proc" || cfg.Logger == nil || cfg.OnExceeded != nil {
		t.Fatalf("DefaultConfig() = %+v, want 3s, /proc, a logger and no callback", cfg)
	}
}

func TestNewChecksProcRoot(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.ProcRoot = filepath.Join(dir, "missing")
	if _, err := New(cfg); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), cfg.ProcRoot) {
		t.Errorf("New with a missing proc root = %v, want a not-exist error naming it", err)
	}
	cfg.ProcRoot = file
	if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), file) {
		t.Errorf("New with a file as proc root = %v, want ErrInvalidConfig naming it", err)
	}
}

func TestContainerValidate(t *testing.T) {
	tests := []struct {
		c       Container
		wantErr bool
	}{
		{Container{ID: "c", PID: 1, LimitBytes: 1}, false},
		{Container{ID: "c", PID: 1}, false},
		{Container{ID: "", PID: 1}, true},
		{Container{ID: "c", PID: 0}, true},
		{Container{ID: "c", PID: -5}, true},
	}
	for _, tt := range tests {
		err := tt.c.Validate()
		if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, ErrInvalidContainer)) {
			t.Errorf("%+v.Validate() = %v, want error %v wrapping ErrInvalidContainer", tt.c, err, tt.wantErr)
		}
	}
}
