package localizer

import (
	"context"
	"errors"
	"strings"
	"testing"

	pb "github.com/spindlehq/spindle/api/spindlepb"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantMsg string // "" means valid
	}{
		{name: "default", cfg: DefaultConfig()},
		{name: "zero", cfg: Config{}},
		{name: "custom", cfg: Config{Fetchers: map[string]Fetcher{"file": FileFetcher{}, "hdfs+ha": FileFetcher{}}}},
		{name: "empty map", cfg: Config{Fetchers: map[string]Fetcher{}}, wantMsg: "Fetchers is empty"},
		{name: "nil fetcher", cfg: Config{Fetchers: map[string]Fetcher{"file": nil}}, wantMsg: `scheme "file" is nil`},
		{name: "upper case", cfg: Config{Fetchers: map[string]Fetcher{"FILE": FileFetcher{}}}, wantMsg: `"FILE"`},
		{name: "empty scheme", cfg: Config{Fetchers: map[string]Fetcher{"": FileFetcher{}}}, wantMsg: `key ""`},
		{name: "bad scheme", cfg: Config{Fetchers: map[string]Fetcher{"a b": FileFetcher{}}}, wantMsg: `"a b"`},
		{name: "digit first", cfg: Config{Fetchers: map[string]Fetcher{"3fs": FileFetcher{}}}, wantMsg: `"3fs"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if _, nerr := New(tt.cfg); (nerr == nil) != (err == nil) {
				t.Fatalf("New = %v but Validate = %v", nerr, err)
			}
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("Validate = %v, want ErrInvalidConfig mentioning %q", err, tt.wantMsg)
			}
		})
	}
}

// The Localizer keeps its own copy of Fetchers.
func TestNewCopiesFetchers(t *testing.T) {
	fetchers := map[string]Fetcher{"mem": FileFetcher{}}
	l, err := New(Config{Fetchers: fetchers})
	if err != nil {
		t.Fatal(err)
	}
	delete(fetchers, "mem")
	fetchers["file"] = FileFetcher{}
	res := []*pb.LocalResource{{Name: "a", Uri: "file:///nonexistent", Sha256: strings.Repeat("0", 64)}}
	err = l.Localize(context.Background(), container, t.TempDir(), res)
	if !errors.Is(err, ErrUnsupportedScheme) || !strings.Contains(err.Error(), "supported: mem") {
		t.Fatalf("Localize after caller changed its map = %v, want the original schemes", err)
	}
}
