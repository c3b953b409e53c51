package pki

import (
	"errors"
	"fmt"

	"go.uber.org/zap"
)

// Configuration keys (spindle-default.xml, group Security).
const (
	KeyCAFile            = "spindle.tls.ca-file"
	KeyCertFile          = "spindle.tls.cert-file"
	KeyKeyFile           = "spindle.tls.key-file"
	KeyAppCACertFile     = "spindle.tls.application-ca.cert-file"
	KeyAppCAKeyFile      = "spindle.tls.application-ca.key-file"
	KeyInsecurePlaintext = "spindle.tls.insecure-plaintext"
)

// ErrNoTLS refuses to run without TLS when plain text was not asked for.
var ErrNoTLS = errors.New("pki: no TLS configured: set " + KeyCAFile + ", " + KeyCertFile + " and " + KeyKeyFile +
	" (make them with `spindle tls ca create` and `spindle tls cert create`), or " + KeyInsecurePlaintext + "=true to run without authentication or encryption")

// Settings reads configuration; *conf.Config is one.
type Settings interface {
	Get(key string) string
	Bool(key string) (bool, error)
}

// FromConf loads the material the configuration names: nil (and no
// error) when spindle.tls.insecure-plaintext is true; an error when the
// files are not set or do not load. withCert requires a certificate of
// one's own, as every daemon and user has.
func FromConf(c Settings, withCert bool, lg *zap.Logger) (*Material, error) {
	plain, err := c.Bool(KeyInsecurePlaintext)
	if err != nil {
		return nil, err
	}
	f := Files{CA: c.Get(KeyCAFile), Cert: c.Get(KeyCertFile), Key: c.Get(KeyKeyFile)}
	if plain {
		if f.CA != "" || f.Cert != "" {
			return nil, fmt.Errorf("pki: %s is true but %s or %s is set: remove one or the other", KeyInsecurePlaintext, KeyCAFile, KeyCertFile)
		}
		return nil, nil
	}
	if f.CA == "" {
		return nil, ErrNoTLS
	}
	if withCert && f.Cert == "" {
		return nil, fmt.Errorf("pki: %s is set but %s is not: this daemon or user needs a certificate of its own (`spindle tls cert create`)", KeyCAFile, KeyCertFile)
	}
	return LoadFiles(f, lg)
}

// WarnPlaintext is the WARN every daemon logs at start without TLS.
func WarnPlaintext(lg *zap.Logger, daemon string) {
	lg.Warn("running WITHOUT TLS ("+KeyInsecurePlaintext+"=true): every call is unauthenticated and in clear; anyone who can connect can submit and kill applications and read their logs",
		zap.String("daemon", daemon))
}
