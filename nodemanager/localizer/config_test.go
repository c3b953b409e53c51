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
		{name: "custom", cfg: Config{Fetchers: map[string]Fetcher{"file": NewStoreFetcher(), "hdfs+ha": NewStoreFetcher()}}},
		{name: "empty map", cfg: Config{Fetchers: map[string]Fetcher{}}, wantMsg: "Fetchers is empty"},
		{name: "nil fetcher", cfg: Config{Fetchers: map[string]Fetcher{"file": nil}}, wantMsg: `scheme "file" is nil`},
		{name: "upper case", cfg: Config{Fetchers: map[string]Fetcher{"FILE": NewStoreFetcher()}}, wantMsg: `"FILE"`},
		{name: "empty scheme", cfg: Config{Fetchers: map[string]Fetcher{"": NewStoreFetcher()}}, wantMsg: `key ""`},
		{name: "bad scheme", cfg: Config{Fetchers: map[string]Fetcher{"a b": NewStoreFetcher()}}, wantMsg: `"a b"`},
		{name: "digit first", cfg: Config{Fetchers: map[string]Fetcher{"3fs": NewStoreFetcher()}}, wantMsg: `"3fs"`},
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
	fetchers := map[string]Fetcher{"mem": NewStoreFetcher()}
	l, err := New(Config{Fetchers: fetchers})
	if err != nil {
		t.Fatal(err)
	}
	delete(fetchers, "mem")
	fetchers["file"] = NewStoreFetcher()
	res := []*pb.LocalResource{{Name: "a", Uri: "file:///nonexistent", Sha256: strings.Repeat("0", 64)}}
	err = l.Localize(context.Background(), Request{ContainerID: container, WorkDir: t.TempDir(), Resources: res})
	if !errors.Is(err, ErrUnsupportedScheme) || !strings.Contains(err.Error(), "supported: mem") {
		t.Fatalf("Localize after caller changed its map = %v, want the original schemes", err)
	}
}
