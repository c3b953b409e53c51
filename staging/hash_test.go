package staging

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestHashFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{name: "empty", content: "", want: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{name: "abc", content: "abc", want: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, dir, tt.name, []byte(tt.content), 0o644)
			got, n, err := HashFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || n != int64(len(tt.content)) {
				t.Fatalf("HashFile = %s, %d; want %s, %d", got, n, tt.want, len(tt.content))
			}
		})
	}
}

func TestHashFileLargerThanBuffer(t *testing.T) {
	content := []byte(strings.Repeat("0123456789abcdef", copyBufferSize/16*3+7))
	p := writeFile(t, t.TempDir(), "big", content, 0o644)
	got, n, err := HashFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got != sha256Hex(content) || n != int64(len(content)) {
		t.Fatalf("HashFile = %s, %d; want %s, %d", got, n, sha256Hex(content), len(content))
	}
}

func TestHashFileMissing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope")
	_, _, err := HashFile(p)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), p) {
		t.Fatalf("HashFile(missing) = %v, want ErrNotExist naming %s", err, p)
	}
}
