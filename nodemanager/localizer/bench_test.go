package localizer

import (
	"context"
	"crypto/rand"
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
		if err := l.Localize(ctx, container, work, res); err != nil {
			b.Fatal(err)
		}
	}
}
