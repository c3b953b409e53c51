package localizer

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/zap"
)

// BenchmarkLocalize fetches, hashes and verifies one 50 MB resource per
// iteration; MB/s is the localization throughput.
func BenchmarkLocalize(b *testing.B) {
	const size = 50 << 20
	content := make([]byte, size)
	if _, err := rand.Read(content); err != nil {
		b.Fatal(err)
	}
	res := stageFiles(b, srcFile{"app.jar", content, 0o644})
	l, err := New(Config{Logger: zap.NewNop()})
	if err != nil {
		b.Fatal(err)
	}
	work := b.TempDir()
	ctx := context.Background()
	b.SetBytes(size)
	for b.Loop() {
		if err := l.Localize(ctx, Request{ContainerID: container, WorkDir: work, Resources: res}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLocalizeCached20MB localizes one 20 MB resource that the cache
// already holds into a fresh working dir per iteration: the cost a cached
// container launch pays for its job binary.
func BenchmarkLocalizeCached20MB(b *testing.B) {
	content := make([]byte, 20<<20)
	if _, err := rand.Read(content); err != nil {
		b.Fatal(err)
	}
	res := stageFiles(b, srcFile{"job", content, 0o755})
	local := b.TempDir()
	l, err := New(Config{LocalDirs: []string{local}, CacheTargetBytes: 10 << 30, Logger: zap.NewNop()})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	i := 0
	work := func() string {
		i++
		w := filepath.Join(local, "application_1_0001", fmt.Sprintf("container_1_0001_01_%06d", i))
		if err := os.MkdirAll(w, 0o750); err != nil {
			b.Fatal(err)
		}
		return w
	}
	if err := l.Localize(ctx, Request{ContainerID: container, User: "alice", WorkDir: work(), Resources: res}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		w := work()
		b.StartTimer()
		if err := l.Localize(ctx, Request{ContainerID: container, User: "alice", WorkDir: w, Resources: res}); err != nil {
			b.Fatal(err)
		}
	}
}
