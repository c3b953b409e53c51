package localizer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	pb "github.com/spindlehq/spindle/api/spindlepb"
	"github.com/spindlehq/spindle/staging"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// srcFile is a file to stage.
type srcFile struct {
	name    string
	content []byte
	mode    os.FileMode
}

// stageFiles writes files to a source dir and stages them with the staging
// package, as a client does at submission.
func stageFiles(t testing.TB, files ...srcFile) []*pb.LocalResource {
	t.Helper()
	src := t.TempDir()
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(src, f.name)
		if err := os.WriteFile(paths[i], f.content, f.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(paths[i], f.mode); err != nil {
			t.Fatal(err)
		}
	}
	root := (&url.URL{Scheme: "file", Path: t.TempDir()}).String()
	res, err := staging.Stage(context.Background(), staging.Config{Root: root, AppID: "application_1_0001"}, paths)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// stagedPath is the local path of a staged resource's file URI.
func stagedPath(t *testing.T, r *pb.LocalResource) string {
	t.Helper()
	u, err := url.Parse(r.GetUri())
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// newTestLocalizer returns a Localizer whose logs are observed.
func newTestLocalizer(t *testing.T, fetchers map[string]Fetcher) (*Localizer, *observer.ObservedLogs) {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	l, err := New(Config{Fetchers: fetchers, Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	return l, logs
}

// dirNames lists dir's entries.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// countingFetcher counts Opens and delegates to next.
type countingFetcher struct {
	next  Fetcher
	opens atomic.Int32
}

func (c *countingFetcher) Open(ctx context.Context, uri string) (io.ReadCloser, error) {
	c.opens.Add(1)
	return c.next.Open(ctx, uri)
}

// endlessFetcher serves a never-ending stream that cancels a context on
// its cancelAt-th read, standing in for a resource too large to copy
// before cancellation.
type endlessFetcher struct {
	cancel   context.CancelFunc
	cancelAt int
	reads    atomic.Int32
}

func (e *endlessFetcher) Open(context.Context, string) (io.ReadCloser, error) {
	return io.NopCloser(e), nil
}

func (e *endlessFetcher) Read(p []byte) (int, error) {
	if int(e.reads.Add(1)) == e.cancelAt {
		e.cancel()
	}
	return len(p), nil
}

// stringField is a zap string field, for filtering observed logs.
func stringField(key, val string) zap.Field { return zap.String(key, val) }
