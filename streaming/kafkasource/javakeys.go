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
	"github.com/spindlehq/spindle/conf"
)

// javaKeyNames are the keys with the Java client's names of security
// settings, as Spark's Kafka source takes them (kafka.sasl.jaas.config
// there is spindle.kafka.sasl.jaas.config here), read beside the
// librdkafka-style keys.
var javaKeyNames = []string{conf.KeyKafkaSASLJAASConfig, conf.KeyKafkaSSLTruststoreLocation, conf.KeyKafkaSSLTruststoreType,
	conf.KeyKafkaSSLTruststorePassword, conf.KeyKafkaSSLKeystoreLocation, conf.KeyKafkaSSLKeystoreType, conf.KeyKafkaSSLKeystorePassword,
	conf.KeyKafkaSSLKeyPassword, conf.KeyKafkaSSLEndpointIdentification}

// javaKeys collects the Java-named keys of one configuration.
type javaKeys struct {
	values map[string]string
}

// javaKeysFrom collects the Java-named keys that a sets.
func javaKeysFrom(a conf.AppConf) javaKeys {
	j := javaKeys{values: map[string]string{}}
	for _, k := range javaKeyNames {
		if a.IsSet(k) {
			j.values[k] = a.String(k)
		}
	}
	return j
}

func (j *javaKeys) has(key string) bool {
	_, ok := j.values[key]
	return ok
}

func (j *javaKeys) get(key string) string { return strings.TrimSpace(j.values[key]) }

// security is the librdkafka-style security settings that applySecurity
// collected, which the Java-named keys fill in.
type security struct {
	mechanism                 *string
	caPath, certPath, keyPath *string
	saslKeys, sslKeys         *[]string
}

// apply turns the Java-named keys into the librdkafka-style settings and
// sarama's SASL credentials, before applySecurity checks them against
// security.protocol. A key given both ways is an error. Without readFiles
// (at submit, away from the cluster's nodes) the stores are not read.
func (j *javaKeys) apply(sc *sarama.Config, sec security, readFiles bool) error {
	for _, k := range javaKeyNames[1:] {
		if j.has(k) {
			*sec.sslKeys = append(*sec.sslKeys, k)
		}
	}
	slices.Sort(*sec.sslKeys)
	if j.has(conf.KeyKafkaSASLJAASConfig) {
		if err := j.applyJAAS(sc, sec); err != nil {
			return err
		}
	}
	if j.has(conf.KeyKafkaSSLTruststoreLocation) {
		if *sec.caPath != "" {
			return fmt.Errorf("%w: %s and %s both name CA certificates: set one", ErrInvalidConfig, conf.KeyKafkaSSLTruststoreLocation, conf.KeyKafkaSSLCALocation)
		}
		path := j.get(conf.KeyKafkaSSLTruststoreLocation)
		if err := checkStoreType(conf.KeyKafkaSSLTruststoreLocation, path, j.get(conf.KeyKafkaSSLTruststoreType), conf.KeyKafkaSSLTruststoreType, false); err != nil {
			return err
		}
		if readFiles {
			if err := checkPEMStore(conf.KeyKafkaSSLTruststoreLocation, path, j.get(conf.KeyKafkaSSLTruststoreType), conf.KeyKafkaSSLTruststoreType, false); err != nil {
				return err
			}
		}
		*sec.caPath = path
	} else if j.has(conf.KeyKafkaSSLTruststoreType) {
		return fmt.Errorf("%w: %s is set without %s", ErrInvalidConfig, conf.KeyKafkaSSLTruststoreType, conf.KeyKafkaSSLTruststoreLocation)
	}
	if j.has(conf.KeyKafkaSSLKeyPassword) {
		return fmt.Errorf("%w: %s is set, but Spindle cannot read an encrypted private key: decrypt it once, e.g. `openssl pkey -in client.key -out client-plain.key` (it asks for the password; keep the file readable by the job's user only), and leave %s out",
			ErrInvalidConfig, conf.KeyKafkaSSLKeyPassword, conf.KeyKafkaSSLKeyPassword)
	}
	if j.has(conf.KeyKafkaSSLKeystoreLocation) {
		if *sec.certPath != "" || *sec.keyPath != "" {
			return fmt.Errorf("%w: %s and %s/%s both name the client certificate: set one", ErrInvalidConfig, conf.KeyKafkaSSLKeystoreLocation, conf.KeyKafkaSSLCertLocation, conf.KeyKafkaSSLKeyLocation)
		}
		path := j.get(conf.KeyKafkaSSLKeystoreLocation)
		if err := checkStoreType(conf.KeyKafkaSSLKeystoreLocation, path, j.get(conf.KeyKafkaSSLKeystoreType), conf.KeyKafkaSSLKeystoreType, true); err != nil {
			return err
		}
		if readFiles {
			if err := checkPEMStore(conf.KeyKafkaSSLKeystoreLocation, path, j.get(conf.KeyKafkaSSLKeystoreType), conf.KeyKafkaSSLKeystoreType, true); err != nil {
				return err
			}
		}
		// One PEM file holds the chain and the key; tls reads each kind.
		*sec.certPath, *sec.keyPath = path, path
	} else if j.has(conf.KeyKafkaSSLKeystoreType) {
		return fmt.Errorf("%w: %s is set without %s", ErrInvalidConfig, conf.KeyKafkaSSLKeystoreType, conf.KeyKafkaSSLKeystoreLocation)
	}
	return nil
}

// applyJAAS takes the SASL credentials from sasl.jaas.config.
func (j *javaKeys) applyJAAS(sc *sarama.Config, sec security) error {
	for _, k := range []string{conf.KeyKafkaSASLUsername, conf.KeyKafkaSASLPassword} {
		if slices.Contains(*sec.saslKeys, k) {
			return fmt.Errorf("%w: %s and %s both give SASL credentials: set one", ErrInvalidConfig, conf.KeyKafkaSASLJAASConfig, k)
		}
	}
	login, err := parseJAAS(j.values[conf.KeyKafkaSASLJAASConfig])
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalidConfig, conf.KeyKafkaSASLJAASConfig, err)
	}
	mech := *sec.mechanism
	switch {
	case login.scram && mech == "":
		return fmt.Errorf("%w: %s names ScramLoginModule: set %s to SCRAM-SHA-256 or SCRAM-SHA-512", ErrInvalidConfig, conf.KeyKafkaSASLJAASConfig, conf.KeyKafkaSASLMechanism)
	case login.scram && mech != sarama.SASLTypeSCRAMSHA256 && mech != sarama.SASLTypeSCRAMSHA512,
		!login.scram && mech != "" && mech != sarama.SASLTypePlaintext:
		module := "PlainLoginModule"
		if login.scram {
			module = "ScramLoginModule"
		}
		return fmt.Errorf("%w: %s names %s, which does not log in with %s=%s", ErrInvalidConfig, conf.KeyKafkaSASLJAASConfig, module, conf.KeyKafkaSASLMechanism, mech)
	}
	sc.Net.SASL.User, sc.Net.SASL.Password = login.username, login.password
	*sec.saslKeys = append(*sec.saslKeys, conf.KeyKafkaSASLJAASConfig)
	slices.Sort(*sec.saslKeys)
	return nil
}

// finish applies what needs the TLS configuration applySecurity built: an
// empty ssl.endpoint.identification.algorithm verifies the broker's
// certificate chain but not the host name it names.
func (j *javaKeys) finish(sc *sarama.Config) {
	if !j.has(conf.KeyKafkaSSLEndpointIdentification) || j.get(conf.KeyKafkaSSLEndpointIdentification) != "" || sc.Net.TLS.Config == nil {
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
	if err := checkStoreType(key, path, typ, typeKey, withKey); err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalidConfig, key, err)
	}
	if format := storeFormat(data); format != "PEM" {
		return storeError(key, path, format, typ, typeKey, withKey)
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

// checkStoreType refuses a store whose type key names it as not PEM,
// without reading it (as submit does).
func checkStoreType(key, path, typ, typeKey string, withKey bool) error {
	if t := strings.ToUpper(typ); t != "" && t != "PEM" {
		return storeError(key, path, t, typ, typeKey, withKey)
	}
	return nil
}

// storeError says that the store at path is in format, not PEM, and how
// to convert it.
func storeError(key, path, format, typ, typeKey string, withKey bool) error {
	return fmt.Errorf("%w: %s=%s is a %s store, which Spindle, a Go program, cannot read: convert it to PEM, %s, then set %s to the PEM file%s",
		ErrInvalidConfig, key, path, format, convertHint(path, withKey), key, typeHint(typeKey, typ))
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
