package pki

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// File names `spindle tls` writes, in the directory it is given.
const (
	CAFile      = "spindle-ca.pem"
	CAKeyFile   = "spindle-ca-key.pem"
	ServerFile  = "spindle-server.pem"
	NMFile      = "spindle-nm.pem"
	AppCAFile   = "spindle-application-ca.pem"
	clientStem  = "spindle-client-"
	keySuffix   = "-key.pem"
	certSuffix  = ".pem"
	maxNumbered = 1000
)

// ClientFile is the file name of user's client certificate.
func ClientFile(user string) string { return clientStem + user + certSuffix }

// KeyFileFor is the key file written beside certificate file cert.
func KeyFileFor(cert string) string { return strings.TrimSuffix(cert, certSuffix) + keySuffix }

// WritePair writes kp as dir/name and its key beside it. When numbered is
// true and name is taken, it writes name-1, name-2, … instead, as Nomad's
// `tls cert create` does; otherwise a taken name is an error. It returns
// the certificate's and the key's paths.
func WritePair(dir, name string, certPEM, keyPEM []byte, numbered bool) (certPath, keyPath string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("pki: %w", err)
	}
	stem := strings.TrimSuffix(name, certSuffix)
	for i := 0; i < maxNumbered; i++ {
		n := stem
		if i > 0 {
			n += "-" + strconv.Itoa(i)
		}
		certPath = filepath.Join(dir, n+certSuffix)
		keyPath = filepath.Join(dir, n+keySuffix)
		if exists(certPath) || exists(keyPath) {
			if !numbered {
				return "", "", fmt.Errorf("pki: %s already exists: move it away or choose another directory", certPath)
			}
			continue
		}
		if err := WriteFile(keyPath, keyPEM, true); err != nil {
			return "", "", err
		}
		if err := WriteFile(certPath, certPEM, false); err != nil {
			os.Remove(keyPath)
			return "", "", err
		}
		return certPath, keyPath, nil
	}
	return "", "", fmt.Errorf("pki: %s and %d numbered copies exist in %s", name, maxNumbered, dir)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
