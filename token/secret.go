package token

import (
	"errors"
	"fmt"
	"os"
)

// minSecretLen guards against a truncated or placeholder secret file.
const minSecretLen = 16

// LoadSecret reads a secret file, such as the client secret
// (spindle.client.secret-file).
func LoadSecret(path string) ([]byte, error) {
	if path == "" {
		return nil, errors.New("token: no secret file configured")
	}
	secret, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("token: read secret %s: %w", path, err)
	}
	if len(secret) < minSecretLen {
		return nil, fmt.Errorf("token: secret %s holds %d bytes, want at least %d", path, len(secret), minSecretLen)
	}
	return secret, nil
}
