package localizer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/dfs"
	"github.com/spindlehq/spindle/staging"
	"google.golang.org/protobuf/proto"
)

const container = "container_1_0001_01_000002"

var (
	jarContent    = bytes.Repeat([]byte("jar bytes "), 300000) // spans several copy buffers
	scriptContent = []byte("#!/bin/sh\necho hi\n")
)

func stageJarAndScript(t *testing.T) []*pb.LocalResource {
	t.Helper()
	return stageFiles(t,
		srcFile{"app.jar", jarContent, 0o640},
		srcFile{"run.sh", scriptContent, 0o700},
	)
}

func TestStageThenLocalize(t *testing.T) {
	res := stageJarAndScript(t)
	l, logs := newTestLocalizer(t, nil)
	work := t.TempDir()

	if err := l.Localize(context.Background(), Request{ContainerID: container, WorkDir: work, Resources: res}); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name    string
		content []byte
		mode    os.FileMode
	}{
		{"app.jar", jarContent, 0o644},
		{"run.sh", scriptContent, 0o755},
	}
	for i, w := range want {
		p := filepath.Join(work, w.name)
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, w.content) {
			t.Errorf("%s localized content differs from source", w.name)
		}
		if sum, n, err := staging.HashFile(p); err != nil || sum != res[i].GetSha256() || n != res[i].GetSize() {
			t.Errorf("%s localized hash %s size %d (%v), staged %s size %d", w.name, sum, n, err, res[i].GetSha256(), res[i].GetSize())
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != w.mode {
			t.Errorf("%s mode %s, want %s", w.name, fi.Mode().Perm(), w.mode)
		}
	}
	if got := dirNames(t, work); !slices.Equal(got, []string{"app.jar", "run.sh"}) {
		t.Errorf("work dir holds %v, want only the two resources", got)
	}
	fetched := logs.FilterMessage("resource fetched").FilterField(stringField("container", container))
	if fetched.FilterField(stringField("resource", "run.sh")).Len() != 1 ||
		fetched.FilterField(stringField("resource", "app.jar")).Len() != 1 {
		t.Errorf("want one 'resource fetched' log per resource with container and resource fields, got %v", logs.All())
	}
}

func TestLocalizeAcceptsUpperCaseSha(t *testing.T) {
	res := stageFiles(t, srcFile{"a.txt", []byte("abc"), 0o644})
	res[0].Sha256 = strings.ToUpper(res[0].GetSha256())
	l, _ := newTestLocalizer(t, nil)
	if err := l.Localize(context.Background(), Request{ContainerID: container, WorkDir: t.TempDir(), Resources: res}); err != nil {
		t.Fatalf("Localize with upper-case hex = %v", err)
	}
}

func TestLocalizeNoResources(t *testing.T) {
	l, _ := newTestLocalizer(t, nil)
	work := t.TempDir()
	if err := l.Localize(context.Background(), Request{ContainerID: container, WorkDir: work, Resources: nil}); err != nil {
		t.Fatal(err)
	}
	if got := dirNames(t, work); len(got) != 0 {
		t.Errorf("work dir holds %v", got)
	}
}

func TestLocalizeTamperedStagedCopy(t *testing.T) {
	res := stageJarAndScript(t)
	// Same length, so only the hash can tell.
	tampered := bytes.ReplaceAll(scriptContent, []byte("hi"), []byte("ha"))
	if err := os.WriteFile(stagedPath(t, res[1]), tampered, 0o755); err != nil {
		t.Fatal(err)
	}
	l, logs := newTestLocalizer(t, nil)
	work := t.TempDir()

	err := l.Localize(context.Background(), Request{ContainerID: container, WorkDir: work, Resources: res})
	if !errors.Is(err, ErrChecksumMismatch) {
		t.Fatalf("Localize(tampered) = %v, want ErrChecksumMismatch", err)
	}
	for _, m := range []string{container, `"run.sh"`, res[1].GetUri(), res[1].GetSha256(), sha256Hex(tampered)} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
	if strings.Contains(err.Error(), "expected size") {
		t.Errorf("error %q reports a size mismatch, but the size is right", err)
	}
	// The untampered jar was fetched first; it must not stay either.
	if got := dirNames(t, work); len(got) != 0 {
		t.Errorf("work dir holds %v after a checksum mismatch, want nothing", got)
	}
	warned := logs.FilterMessage("resource checksum mismatch").
		FilterField(stringField("container", container)).
		FilterField(stringField("resource", "run.sh"))
	if warned.Len() != 1 {
		t.Errorf("want one mismatch log with container and resource, got %v", logs.All())
	}
}

func TestLocalizeWrongSize(t *testing.T) {
	tests := []struct {
		name    string
		delta   int64
		wantErr bool
	}{
		{name: "larger", delta: 1, wantErr: true},
		{name: "smaller", delta: -1, wantErr: true},
		{name: "unknown size is not checked", delta: 0, wantErr: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := stageFiles(t, srcFile{"data.bin", []byte("0123456789"), 0o644})
			if tt.delta == 0 {
				res[0].Size = 0
			} else {
				res[0].Size += tt.delta
			}
			l, _ := newTestLocalizer(t, nil)
			work := t.TempDir()
			err := l.Localize(context.Background(), Request{ContainerID: container, WorkDir: work, Resources: res})
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Localize = %v", err)
				}
				return
			}
			if !errors.Is(err, ErrChecksumMismatch) {
				t.Fatalf("Localize(size %d) = %v, want ErrChecksumMismatch", res[0].GetSize(), err)
			}
			for _, m := range []string{container, `"data.bin"`, "expected size", res[0].GetSha256()} {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
			if got := dirNames(t, work); len(got) != 0 {
				t.Errorf("work dir holds %v, want nothing", got)
			}
		})
	}
}

func TestLocalizeRefusesBadResources(t *testing.T) {
	good := stageFiles(t, srcFile{"good.txt", []byte("good"), 0o644})[0]
	with := func(edit func(r *pb.LocalResource)) *pb.LocalResource {
		r := proto.Clone(good).(*pb.LocalResource)
		edit(r)
		return r
	}
	named := func(name string) *pb.LocalResource {
		return with(func(r *pb.LocalResource) { r.Name = name })
	}
	tests := []struct {
		name    string
		res     *pb.LocalResource
		wantErr error
		wantMsg string
	}{
		{"dotdot prefix", named("../x"), ErrInvalidResource, `resource "../x": name contains a path separator`},
		{"nested", named("a/b"), ErrInvalidResource, `resource "a/b": name contains a path separator`},
		{"absolute", named("/etc/passwd"), ErrInvalidResource, "path separator"},
		{"dot", named("."), ErrInvalidResource, "dir reference"},
		{"dotdot", named(".."), ErrInvalidResource, "dir reference"},
		{"empty", named(""), ErrInvalidResource, "is empty"},
		{"nul", named("a\x00b"), ErrInvalidResource, "NUL"},
		{"too long", named(strings.Repeat("x", 256)), ErrInvalidResource, "longer than 255"},
		{"duplicate", named("good.txt"), ErrInvalidResource, "given twice"},
		{"short sha", with(func(r *pb.LocalResource) { r.Name = "b"; r.Sha256 = "abc" }), ErrInvalidResource, "64 hex"},
		{"non-hex sha", with(func(r *pb.LocalResource) { r.Name = "b"; r.Sha256 = strings.Repeat("zz", 32) }), ErrInvalidResource, "64 hex"},
		{"negative size", with(func(r *pb.LocalResource) { r.Name = "b"; r.Size = -1 }), ErrInvalidResource, "negative"},
		{"URI does not parse", with(func(r *pb.LocalResource) { r.Name = "b"; r.Uri = "file:///%zz" }), ErrInvalidResource, "does not parse"},
		{"unknown scheme", with(func(r *pb.LocalResource) { r.Name = "b"; r.Uri = "hdfs://nn:8020/x" }), ErrUnsupportedScheme, `scheme "hdfs"`},
		{"no scheme", with(func(r *pb.LocalResource) { r.Name = "b"; r.Uri = "/abs/path" }), ErrUnsupportedScheme, "supported: file"},
		{"nil", nil, ErrInvalidResource, "resource 1 is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counter := &countingFetcher{next: NewStoreFetcher()}
			l, _ := newTestLocalizer(t, map[string]Fetcher{"file": counter})
			work := t.TempDir()
			// The good resource comes first: it must not be fetched either.
			err := l.Localize(context.Background(), Request{ContainerID: container, WorkDir: work, Resources: []*pb.LocalResource{good, tt.res}})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Localize = %v, want %v", err, tt.wantErr)
			}
			for _, m := range []string{container, tt.wantMsg} {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
			if n := counter.opens.Load(); n != 0 {
				t.Errorf("%d resources fetched before the request was refused", n)
			}
			if got := dirNames(t, work); len(got) != 0 {
				t.Errorf("work dir holds %v", got)
			}
		})
	}
}

func TestLocalizeCustomFetchers(t *testing.T) {
	res := stageFiles(t, srcFile{"a.txt", []byte("a"), 0o644})
	// A non-nil map replaces the default: file is no longer supported.
	l, _ := newTestLocalizer(t, map[string]Fetcher{"mem": NewStoreFetcher()})
	err := l.Localize(context.Background(), Request{ContainerID: container, WorkDir: t.TempDir(), Resources: res})
	if !errors.Is(err, ErrUnsupportedScheme) || !strings.Contains(err.Error(), "supported: mem") {
		t.Fatalf("Localize(file with mem only) = %v, want ErrUnsupportedScheme listing mem", err)
	}
}

func TestLocalizeMissingStagedFile(t *testing.T) {
	res := stageFiles(t, srcFile{"a.txt", []byte("a"), 0o644})
	if err := os.Remove(stagedPath(t, res[0])); err != nil {
		t.Fatal(err)
	}
	l, _ := newTestLocalizer(t, nil)
	work := t.TempDir()
	err := l.Localize(context.Background(), Request{ContainerID: container, WorkDir: work, Resources: res})
	if !errors.Is(err, dfs.ErrNotFound) {
		t.Fatalf("Localize(missing) = %v, want dfs.ErrNotFound", err)
	}
	for _, m := range []string{container, `"a.txt"`, res[0].GetUri()} {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
	if got := dirNames(t, work); len(got) != 0 {
		t.Errorf("work dir holds %v", got)
	}
}

func TestLocalizeCancelledContext(t *testing.T) {
	res := stageJarAndScript(t)
	l, _ := newTestLocalizer(t, nil)
	work := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Localize(ctx, Request{ContainerID: container, WorkDir: work, Resources: res}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Localize(cancelled) = %v, want context.Canceled", err)
	}
	if got := dirNames(t, work); len(got) != 0 {
		t.Errorf("work dir holds %v", got)
	}
}

func TestLocalizeCancelStopsLongCopy(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	endless := &endlessFetcher{cancel: cancel, cancelAt: 3}
	l, _ := newTestLocalizer(t, map[string]Fetcher{"endless": endless})
	work := t.TempDir()
	res := []*pb.LocalResource{{Name: "huge", Uri: "endless://x", Sha256: sha256Hex(nil)}}

	err := l.Localize(ctx, Request{ContainerID: container, WorkDir: work, Resources: res})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Localize = %v, want context.Canceled", err)
	}
	if n := endless.reads.Load(); n != 3 {
		t.Errorf("source read %d times after cancellation at read 3", n)
	}
	if got := dirNames(t, work); len(got) != 0 {
		t.Errorf("work dir holds %v", got)
	}
}

func TestLocalizeRollsBackWhenMoveFails(t *testing.T) {
	res := stageJarAndScript(t)
	work := t.TempDir()
	// A non-empty dir where run.sh should go makes its rename fail after
	// app.jar has already been moved into place.
	if err := os.MkdirAll(filepath.Join(work, "run.sh", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	l, _ := newTestLocalizer(t, nil)
	err := l.Localize(context.Background(), Request{ContainerID: container, WorkDir: work, Resources: res})
	if err == nil || !strings.Contains(err.Error(), `"run.sh"`) || !strings.Contains(err.Error(), container) {
		t.Fatalf("Localize = %v, want an error naming run.sh and the container", err)
	}
	if got := dirNames(t, work); !slices.Equal(got, []string{"run.sh"}) {
		t.Errorf("work dir holds %v, want only the pre-existing run.sh dir", got)
	}
}

func TestLocalizeInvalidRequest(t *testing.T) {
	l, _ := newTestLocalizer(t, nil)
	tests := []struct {
		name, container, work, wantMsg string
	}{
		{"no container", "", t.TempDir(), "container id is empty"},
		{"relative work dir", container, "work", `"work" is not an absolute path`},
		{"empty work dir", container, "", `"" is not an absolute path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := l.Localize(context.Background(), Request{ContainerID: tt.container, WorkDir: tt.work, Resources: nil})
			if !errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("Localize = %v, want ErrInvalidRequest mentioning %q", err, tt.wantMsg)
			}
		})
	}
}

func TestLocalizeConcurrentContainers(t *testing.T) {
	res := stageJarAndScript(t)
	l, _ := newTestLocalizer(t, nil)
	const n = 4
	works := make([]string, n)
	errs := make(chan error, n)
	for i := range works {
		works[i] = t.TempDir()
		go func() {
			errs <- l.Localize(context.Background(), Request{ContainerID: container + string(rune('a'+i)), WorkDir: works[i], Resources: res})
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, w := range works {
		if got := dirNames(t, w); !slices.Equal(got, []string{"app.jar", "run.sh"}) {
			t.Errorf("%s holds %v", w, got)
		}
	}
}
