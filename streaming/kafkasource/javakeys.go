package kafkasource

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/IBM/sarama"
)

// Kafka client keys with the Java client's names, as Spark's Kafka source
// takes them (kafka.sasl.jaas.config there is spindle.kafka.sasl.jaas.config
// here). ConfigFromConf reads them beside the librdkafka-style keys.
const (
	// KeySASLJAASConfig is one JAAS login module line with username and
	// password: PlainLoginModule for PLAIN, ScramLoginModule for SCRAM.
	KeySASLJAASConfig = "spindle.kafka.sasl.jaas.config"
	// KeySSLTruststoreLocation is a PEM file of CA certificates (a JKS or
	// PKCS12 truststore is refused with how to convert it).
	KeySSLTruststoreLocation = "spindle.kafka.ssl.truststore.location"
	// KeySSLTruststoreType is PEM (JKS and PKCS12 are refused).
	KeySSLTruststoreType = "spindle.kafka.ssl.truststore.type"
	// KeySSLTruststorePassword is accepted and unused: a PEM truststore
	// has no password.
	KeySSLTruststorePassword = "spindle.kafka.ssl.truststore.password"
	// KeySSLKeystoreLocation is a PEM file with the client certificate
	// chain and its unencrypted private key.
	KeySSLKeystoreLocation = "spindle.kafka.ssl.keystore.location"
	// KeySSLKeystoreType is PEM (JKS and PKCS12 are refused).
	KeySSLKeystoreType = "spindle.kafka.ssl.keystore.type"
	// KeySSLKeystorePassword is accepted and unused: a PEM keystore has no
	// password.
	KeySSLKeystorePassword = "spindle.kafka.ssl.keystore.password"
	// KeySSLKeyPassword would decrypt an encrypted private key, which is
	// refused with how to decrypt it.
	KeySSLKeyPassword = "spindle.kafka.ssl.key.password"
	// KeySSLEndpointIdentification is https (the default: the broker's
	// certificate must name the host dialled) or empty (any host name,
	// the certificate chain still verified).
	KeySSLEndpointIdentification = "spindle.kafka.ssl.endpoint.identification.algorithm"
)

// javaKeys collects the Java-named keys of one configuration.
type javaKeys struct {
	values map[string]string
}

// take keeps key when it is a Java-named key, and says whether it was.
func (j *javaKeys) take(key, raw string) bool {
	switch key {
	case KeySASLJAASConfig, KeySSLTruststoreLocation, KeySSLTruststoreType, KeySSLTruststorePassword,
		KeySSLKeystoreLocation, KeySSLKeystoreType, KeySSLKeystorePassword, KeySSLKeyPassword, KeySSLEndpointIdentification:
	default:
		return false
	}
	if j.values == nil {
		j.values = map[string]string{}
	}
	j.values[key] = raw
	return true
}

func (j *javaKeys) has(key string) bool {
	_, ok := j.values[key]
	return ok
}

func (j *javaKeys) get(key string) string { return strings.TrimSpace(j.values[key]) }

// security is the librdkafka-style security settings that ConfigFromConf
// collected, which the Java-named keys fill in.
type security struct {
	mechanism                 *string
	caPath, certPath, keyPath *string
	saslKeys, sslKeys         *[]string
}

// apply turns the Java-named keys into the librdkafka-style settings and
// sarama's SASL credentials, before applySecurity checks them against
// security.protocol. A key given both ways is an error.
func (j *javaKeys) apply(sc *sarama.Config, sec security) error {
	for _, k := range []string{KeySSLTruststoreLocation, KeySSLTruststoreType, KeySSLTruststorePassword, KeySSLKeystoreLocation,
		KeySSLKeystoreType, KeySSLKeystorePassword, KeySSLKeyPassword, KeySSLEndpointIdentification} {
		if j.has(k) {
			*sec.sslKeys = append(*sec.sslKeys, k)
		}
	}
	slices.Sort(*sec.sslKeys)
	if j.has(KeySASLJAASConfig) {
		if err := j.applyJAAS(sc, sec); err != nil {
			return err
		}
	}
	if j.has(KeySSLTruststoreLocation) {
		if *sec.caPath != "" {
			return fmt.Errorf("%w: %s and %s both name CA certificates: set one", ErrInvalidConfig, KeySSLTruststoreLocation, KeySSLCALocation)
		}
		path := j.get(KeySSLTruststoreLocation)
		if err := checkPEMStore(KeySSLTruststoreLocation, path, j.get(KeySSLTruststoreType), KeySSLTruststoreType, false); err != nil {
			return err
		}
		*sec.caPath = path
	} else if j.has(KeySSLTruststoreType) {
		return fmt.Errorf("%w: %s is set without %s", ErrInvalidConfig, KeySSLTruststoreType, KeySSLTruststoreLocation)
	}
	if j.has(KeySSLKeyPassword) {
		return fmt.Errorf("%w: %s is set, but Spindle cannot read an encrypted private key: decrypt it once, e.g. `openssl pkey -in client.key -out client-plain.key` (it asks for the password; keep the file readable by the job's user only), and leave %s out",
			ErrInvalidConfig, KeySSLKeyPassword, KeySSLKeyPassword)
	}
	if j.has(KeySSLKeystoreLocation) {
		if *sec.certPath != "" || *sec.keyPath != "" {
			return fmt.Errorf("%w: %s and %s/%s both name the client certificate: set one", ErrInvalidConfig, KeySSLKeystoreLocation, KeySSLCertLocation, KeySSLKeyLocation)
		}
		path := j.get(KeySSLKeystoreLocation)
		if err := checkPEMStore(KeySSLKeystoreLocation, path, j.get(KeySSLKeystoreType), KeySSLKeystoreType, true); err != nil {
			return err
		}
		// One PEM file holds the chain and the key; tls reads each kind.
		*sec.certPath, *sec.keyPath = path, path
	} else if j.has(KeySSLKeystoreType) {
		return fmt.Errorf("%w: %s is set without %s", ErrInvalidConfig, KeySSLKeystoreType, KeySSLKeystoreLocation)
	}
	if j.has(KeySSLEndpointIdentification) {
		if alg := strings.ToLower(j.get(KeySSLEndpointIdentification)); alg != "" && alg != "https" {
			return fmt.Errorf("%w: %s=%q: must be https or empty", ErrInvalidConfig, KeySSLEndpointIdentification, j.values[KeySSLEndpointIdentification])
		}
	}
	return nil
}

// applyJAAS takes the SASL credentials from sasl.jaas.config.
func (j *javaKeys) applyJAAS(sc *sarama.Config, sec security) error {
	for _, k := range []string{KeySASLUsername, KeySASLPassword} {
		if slices.Contains(*sec.saslKeys, k) {
			return fmt.Errorf("%w: %s and %s both give SASL credentials: set one", ErrInvalidConfig, KeySASLJAASConfig, k)
		}
	}
	login, err := parseJAAS(j.values[KeySASLJAASConfig])
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalidConfig, KeySASLJAASConfig, err)
	}
	mech := *sec.mechanism
	switch {
	case login.scram && mech == "":
		return fmt.Errorf("%w: %s names ScramLoginModule: set %s to SCRAM-SHA-256 or SCRAM-SHA-512", ErrInvalidConfig, KeySASLJAASConfig, KeySASLMechanism)
	case login.scram && mech != sarama.SASLTypeSCRAMSHA256 && mech != sarama.SASLTypeSCRAMSHA512,
		!login.scram && mech != "" && mech != sarama.SASLTypePlaintext:
		module := "PlainLoginModule"
		if login.scram {
			module = "ScramLoginModule"
		}
		return fmt.Errorf("%w: %s names %s, which does not log in with %s=%s", ErrInvalidConfig, KeySASLJAASConfig, module, KeySASLMechanism, mech)
	}
	sc.Net.SASL.User, sc.Net.SASL.Password = login.username, login.password
	*sec.saslKeys = append(*sec.saslKeys, KeySASLJAASConfig)
	slices.Sort(*sec.saslKeys)
	return nil
}

// finish applies what needs the TLS configuration applySecurity built: an
// empty ssl.endpoint.identification.algorithm verifies the broker's
// certificate chain but not the host name it names.
func (j *javaKeys) finish(sc *sarama.Config) {
	if !j.has(KeySSLEndpointIdentification) || j.get(KeySSLEndpointIdentification) != "" || sc.Net.TLS.Config == nil {
		return
	}
	tc := sc.Net.TLS.Config
	roots := tc.RootCAs
	tc.InsecureSkipVerify = true // replaced by the chain check below
	tc.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("kafkasource: the broker sent no certificate")
		}
		opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
			return fmt.Errorf("kafkasource: broker certificate: %w", err)
		}
		return nil
	}
}

// checkPEMStore checks that the store at path, of type typ (as
// ssl.*store.type says, "" when unset), is PEM, and says how to convert it
// when it is not. withKey is true for a keystore, which must also hold an
// unencrypted private key.
func checkPEMStore(key, path, typ, typeKey string, withKey bool) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalidConfig, key, err)
	}
	format := storeFormat(data)
	if t := strings.ToUpper(typ); t != "" && t != "PEM" {
		format = t
	}
	if format != "PEM" {
		return fmt.Errorf("%w: %s=%s is a %s store, which Spindle, a Go program, cannot read: convert it to PEM, %s, then set %s to the PEM file%s",
			ErrInvalidConfig, key, path, format, convertHint(path, withKey), key, typeHint(typeKey, typ))
	}
	if withKey {
		if bytes.Contains(data, []byte("ENCRYPTED PRIVATE KEY")) || bytes.Contains(data, []byte("Proc-Type: 4,ENCRYPTED")) {
			return fmt.Errorf("%w: %s=%s holds an encrypted private key, which Spindle cannot read: decrypt it once, e.g. `openssl pkey -in %s -out client.key` and `openssl x509 -in %s -out client.pem` joined into one file (keep it readable by the job's user only)",
				ErrInvalidConfig, key, path, path, path)
		}
		if _, err := tls.X509KeyPair(data, data); err != nil {
			return fmt.Errorf("%w: %s=%s: want the client certificate and its private key, PEM, in one file: %w", ErrInvalidConfig, key, path, err)
		}
		return nil
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		return fmt.Errorf("%w: %s=%s: no PEM certificate in the file", ErrInvalidConfig, key, path)
	}
	return nil
}

// storeFormat sniffs a key or trust store: PEM, JKS, JCEKS, PKCS12, or
// "binary" for anything else.
func storeFormat(data []byte) string {
	switch {
	case bytes.Contains(data, []byte("-----BEGIN ")):
		return "PEM"
	case bytes.HasPrefix(data, []byte{0xfe, 0xed, 0xfe, 0xed}):
		return "JKS"
	case bytes.HasPrefix(data, []byte{0xce, 0xce, 0xce, 0xce}):
		return "JCEKS"
	case len(data) > 1 && data[0] == 0x30 && data[1] >= 0x80:
		// A DER SEQUENCE with a long length: what PKCS12 files start with.
		return "PKCS12"
	}
	return "binary"
}

// convertHint is the commands that turn the store at path into PEM.
func convertHint(path string, withKey bool) string {
	toP12 := fmt.Sprintf("`keytool -importkeystore -srckeystore %s -destkeystore store.p12 -deststoretype PKCS12` (for a JKS store)", path)
	if withKey {
		return fmt.Sprintf("e.g. %s, then `openssl pkcs12 -in store.p12 -nodes -out client.pem` (certificate chain and key in one file; keep it readable by the job's user only)", toP12)
	}
	return fmt.Sprintf("e.g. `keytool -exportcert -rfc -keystore %s -alias <alias> -file ca.pem` for each CA certificate (`keytool -list -keystore %s` lists the aliases), or %s then `openssl pkcs12 -in store.p12 -nokeys -out ca.pem`",
		path, path, toP12)
}

// typeHint asks to drop or change a store type key that names the store
// as not PEM.
func typeHint(typeKey, typ string) string {
	if typ == "" || strings.EqualFold(typ, "PEM") {
		return ""
	}
	return fmt.Sprintf(" and %s to PEM", typeKey)
}
