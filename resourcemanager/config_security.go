package resourcemanager

import (
	"errors"
	"fmt"

	"github.com/spindlehq/spindle/acl"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/pki"
)

// securityFrom reads the RM's TLS material, application CA and ACLs.
func (c *Config) securityFrom(cc *conf.Config) error {
	var err error
	if c.TLS, err = pki.FromConf(cc, true, nil); err != nil {
		return fmt.Errorf("resourcemanager: %w", err)
	}
	c.InsecurePlaintext = c.TLS == nil
	if c.TLS != nil {
		certFile, keyFile := cc.Get(pki.KeyAppCACertFile), cc.Get(pki.KeyAppCAKeyFile)
		if certFile == "" || keyFile == "" {
			return fmt.Errorf("resourcemanager: set %s and %s: the RM issues each ApplicationMaster's certificate with the application CA (spindle tls cert create --application-ca)", pki.KeyAppCACertFile, pki.KeyAppCAKeyFile)
		}
		if c.AppCA, err = pki.LoadAuthority(certFile, keyFile); err != nil {
			return fmt.Errorf("resourcemanager: application CA (%s): %w", pki.KeyAppCACertFile, err)
		}
	}
	if c.ACLs, err = acl.PolicyFromConf(cc, nil); err != nil {
		return fmt.Errorf("resourcemanager: %w", err)
	}
	return nil
}

// validateSecurity refuses a configuration without TLS unless plain text
// was asked for, and TLS without an application CA.
func (c Config) validateSecurity() error {
	switch {
	case c.TLS == nil && !c.InsecurePlaintext:
		return fmt.Errorf("resourcemanager: %w", pki.ErrNoTLS)
	case c.TLS != nil && c.InsecurePlaintext:
		return errors.New("resourcemanager: both TLS material and insecure plain text are configured")
	case c.TLS != nil && c.AppCA == nil:
		return fmt.Errorf("resourcemanager: no application CA: set %s and %s", pki.KeyAppCACertFile, pki.KeyAppCAKeyFile)
	}
	return nil
}
