package staging

import (
	"errors"
	"path"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr error
		// wantMsg are substrings the error message must contain.
		wantMsg []string
	}{
		{name: "file URI", cfg: Config{Root: "file:///tmp/spindle-me/staging", AppID: "application_1_0001"}},
		{name: "localhost", cfg: Config{Root: "file://localhost/tmp/staging", AppID: "app"}},
		{name: "empty root", cfg: Config{AppID: "app"}, wantErr: ErrInvalidConfig, wantMsg: []string{"Root is empty"}},
		{name: "hdfs", cfg: Config{Root: "hdfs://nn:8020/user/me", AppID: "app"}},
		{name: "hdfs with user", cfg: Config{Root: "hdfs://me@nn:8020/user/me", AppID: "app"}},
		{name: "s3", cfg: Config{Root: "s3://bucket/staging", AppID: "app"},
			wantErr: ErrUnsupportedScheme, wantMsg: []string{`"s3"`, "supported: file, hdfs"}},
		{name: "escapes", cfg: Config{Root: "hdfs://nn/../x", AppID: "app"},
			wantErr: ErrInvalidConfig, wantMsg: []string{"escapes"}},
		{name: "no scheme", cfg: Config{Root: "/tmp/staging", AppID: "app"},
			wantErr: ErrUnsupportedScheme, wantMsg: []string{"scheme missing", "supported: file, hdfs"}},
		{name: "does not parse", cfg: Config{Root: "file:///tmp/%zz", AppID: "app"},
			wantErr: ErrInvalidConfig, wantMsg: []string{"does not parse"}},
		{name: "remote host", cfg: Config{Root: "file://otherhost/tmp", AppID: "app"},
			wantErr: ErrInvalidConfig, wantMsg: []string{`host "otherhost" is not local`}},
		{name: "relative", cfg: Config{Root: "file:tmp/staging", AppID: "app"},
			wantErr: ErrInvalidConfig, wantMsg: []string{"not absolute"}},
		{name: "query", cfg: Config{Root: "file:///tmp/staging?x=1", AppID: "app"},
			wantErr: ErrInvalidConfig, wantMsg: []string{"no query"}},
		{name: "user", cfg: Config{Root: "file://me@/tmp/staging", AppID: "app"},
			wantErr: ErrInvalidConfig, wantMsg: []string{"user"}},
		{name: "empty app", cfg: Config{Root: "file:///tmp/staging"},
			wantErr: ErrInvalidConfig, wantMsg: []string{"AppID is empty"}},
		{name: "dotdot app", cfg: Config{Root: "file:///tmp/staging", AppID: ".."},
			wantErr: ErrInvalidConfig, wantMsg: []string{`".."`}},
		{name: "separator app", cfg: Config{Root: "file:///tmp/staging", AppID: "a/b"},
			wantErr: ErrInvalidConfig, wantMsg: []string{`"a/b"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Validate() = %v, want %v", err, tt.wantErr)
			}
			for _, m := range tt.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("Validate() = %q, want it to mention %q", err, m)
				}
			}
		})
	}
}

// FuzzConfigValidate checks that any Root and AppID either fail with one
// of the package's errors or give an app dir that is a direct child of
// Root/.sparkStaging, so Stage and Remove never reach outside it.
func FuzzConfigValidate(f *testing.F) {
	for _, s := range []struct{ root, app string }{
		{"file:///tmp/staging", "application_1_0001"},
		{"file://localhost/tmp/x/../y", "app"},
		{"hdfs://nn/user", "app"},
		{"file:///tmp", ".."},
		{"file:///tmp", "a/b"},
		{"file:tmp", "app"},
		{"file:///%2e%2e/x", "app"},
		{"", ""},
	} {
		f.Add(s.root, s.app)
	}
	f.Fuzz(func(t *testing.T, root, app string) {
		cfg := Config{Root: root, AppID: app}
		u, dir, err := cfg.location()
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) && !errors.Is(err, ErrUnsupportedScheme) {
				t.Fatalf("Validate(%q, %q) = %v, want a staging sentinel", root, app, err)
			}
			if cfg.Validate() == nil {
				t.Fatal("Validate accepts what location refuses")
			}
			return
		}
		base := path.Clean(u.Path)
		if path.Dir(dir) != path.Join(base, DirName) || path.Base(dir) != app {
			t.Fatalf("app %q under %q gives dir %q, not a direct child of %s", app, base, dir, DirName)
		}
	})
}
