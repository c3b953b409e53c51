package logging

import (
	"bytes"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkRollingWrite measures write throughput, including rolls, for
// several write sizes; MB/s is reported through SetBytes.
func BenchmarkRollingWrite(b *testing.B) {
	for _, size := range []int{128, 4 << 10, 64 << 10} {
		line := append(bytes.Repeat([]byte("x"), size-1), '\n')
		cfg := func(b *testing.B) RollingConfig {
			return RollingConfig{Path: filepath.Join(b.TempDir(), "bench.log"), MaxSize: 8 << 20, MaxBackups: 2}
		}
		b.Run("size="+strconv.Itoa(size), func(b *testing.B) {
			r, err := OpenRolling(cfg(b))
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := r.Write(line); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("parallel/size="+strconv.Itoa(size), func(b *testing.B) {
			r, err := OpenRolling(cfg(b))
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			b.SetBytes(int64(size))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := r.Write(line); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
