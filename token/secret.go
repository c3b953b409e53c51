package token

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// secretLen is the size of a generated cluster secret.
const secretLen = 32

// minSecretLen guards against a truncated or placeholder secret file.
const minSecretLen = 16

// LoadOrCreateSecret reads the cluster secret at path, creating it with a
// random secret (mode 0600) when it does not exist. The RM calls it at start.
func LoadOrCreateSecret(path string) ([]byte, error) {
	secret, err := LoadSecret(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return secret, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("token: create directory for cluster secret %s: %w", path, err)
	}
	secret = make([]byte, secretLen)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("token: generate cluster secret: %w", err)
	}
	// O_EXCL: when two processes race to create it, the loser reads the winner's.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return LoadSecret(path)
	}
	if err != nil {
		return nil, fmt.Errorf("token: create cluster secret %s: %w", path, err)
	}
	if _, err := f.Write(secret); err != nil {
		f.Close()
		return nil, fmt.Errorf("token: write cluster secret %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("token: write cluster secret %s: %w", path, err)
	}
	return secret, nil
}

// LoadSecret reads the cluster secret at path. NMs call it: they must share
// the RM's secret to verify container tokens.
func LoadSecret(path string) ([]byte, error) {
	if path == "" {
		return nil, errors.New("token: no cluster secret file configured: set spindle.cluster.secret-file")
	}
	secret, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("token: read cluster secret %s (set spindle.cluster.secret-file to the RM's secret file): %w", path, err)
	}
	if len(secret) < minSecretLen {
		return nil, fmt.Errorf("token: cluster secret %s holds %d bytes, want at least %d", path, len(secret), minSecretLen)
	}
	return secret, nil
}
