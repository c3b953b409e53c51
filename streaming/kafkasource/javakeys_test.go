package kafkasource

import (
	"crypto/tls"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/internal/kafkatest"
)

const (
	plainJAAS = `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cret";`
	scramJAAS = `org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="s3cret";`
)

func TestParseJAAS(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     jaasLogin
	}{
		{"plain", plainJAAS, jaasLogin{username: "alice", password: "s3cret"}},
		{"scram", scramJAAS, jaasLogin{scram: true, username: "alice", password: "s3cret"}},
		{"shaded, spread over lines, bare words", "kafkashaded.org.apache.kafka.common.security.plain.PlainLoginModule\n  REQUIRED\n  username=svc-etl\n  password = \"p;w \\\"q\\\" \\\\ x\" ;\n",
			jaasLogin{username: "svc-etl", password: `p;w "q" \ x`}},
		{"scram tokenauth false", `org.apache.kafka.common.security.scram.ScramLoginModule optional username="u" password="p" tokenauth="false";`,
			jaasLogin{scram: true, username: "u", password: "p"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseJAAS(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("parseJAAS = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	for _, tc := range []struct{ in, want string }{
		{"", "want a login module class name, at the end"},
		{`com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;`, "Krb5LoginModule is not supported"},
		{`org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;`, "OAUTHBEARER are not supported"},
		{`org.apache.kafka.common.security.plain.PlainLoginModule username="a" password="topsecret";`, `control flag "username"`},
		{`org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="topsecret"`, "want an option name or ';' at the end of the login module, at the end"},
		{`org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="topsecret`, "option password: unterminated quoted value"},
		{`org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password;`, "want '=' after option password"},
		{`org.apache.kafka.common.security.plain.PlainLoginModule required username="a";`, "username and password options are required"},
		{`org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="topsecret" serviceName="kafka";`, "option serviceName is not supported by Spindle's PlainLoginModule"},
		{`org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="topsecret" password="topsecret";`, "option password is given twice"},
		{`org.apache.kafka.common.security.scram.ScramLoginModule required username="a" password="topsecret" tokenauth=true;`, "delegation tokens"},
		{`org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="topsecret"; org.apache.kafka.common.security.plain.PlainLoginModule required;`, "one login module"},
	} {
		_, err := parseJAAS(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseJAAS(%.60q) = %v, want an error with %q", tc.in, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "topsecret") {
			t.Errorf("parseJAAS(%.60q): error %q repeats the password", tc.in, err)
		}
	}
}

// FuzzParseJAAS: any sasl.jaas.config value parses or fails without
// panicking, and a failure never repeats the password.
func FuzzParseJAAS(f *testing.F) {
	f.Add("org.apache.kafka.common.security.plain.PlainLoginModule required", `p4ssword`, " ;")
	f.Add("x.security.scram.ScramLoginModule", `pa"ss\`, `" tokenauth=true;`)
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, head, password, tail string) {
		in := head + ` username="u" password="` + password + `"` + tail
		login, err := parseJAAS(in)
		if err == nil {
			if login.username == "" || login.password == "" {
				t.Fatalf("%q accepted without credentials: %+v", in, login)
			}
			return
		}
		if len(password) >= 6 && !strings.Contains(head+tail, password) && strings.Contains(err.Error(), password) {
			t.Fatalf("error %q repeats the password %q", err, password)
		}
	})
}

// javaConf is a source configuration for the embedded broker b with the
// Java-named keys kv.
func javaConf(b *kafkatest.Broker, topic string, kv ...string) map[string]string {
	return confWith(map[string]string{
		conf.KeyKafkaBootstrapServers: strings.Join(b.Addrs(), ","),
		conf.KeyKafkaTopics:           topic,
		conf.KeyKafkaAutoOffsetReset:  "earliest",
	}, kv...)
}

// confWith is a copy of base with the keys and values kv set.
func confWith(base map[string]string, kv ...string) map[string]string {
	m := maps.Clone(base)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestConfigFromAppJavaKeys(t *testing.T) {
	pki := newTestPKI(t)
	dir := t.TempDir()
	keystore := filepath.Join(dir, "client-store.pem")
	certPEM, _ := os.ReadFile(pki.certFile)
	keyPEM, _ := os.ReadFile(pki.keyFile)
	os.WriteFile(keystore, append(certPEM, keyPEM...), 0o600)
	base := map[string]string{conf.KeyKafkaBootstrapServers: "k:9093", conf.KeyKafkaTopics: "t"}
	with := func(kv ...string) map[string]string { return confWith(base, kv...) }

	cfg, err := fromConf(with(conf.KeyKafkaSecurityProtocol, "sasl_ssl", conf.KeyKafkaSASLMechanism, "SCRAM-SHA-512", conf.KeyKafkaSASLJAASConfig, scramJAAS,
		conf.KeyKafkaSSLTruststoreLocation, pki.caFile, conf.KeyKafkaSSLTruststoreType, "PEM", conf.KeyKafkaSSLTruststorePassword, "changeit",
		conf.KeyKafkaSSLKeystoreLocation, keystore, conf.KeyKafkaSSLKeystoreType, "pem", conf.KeyKafkaSSLEndpointIdentification, "https"))
	if err != nil {
		t.Fatal(err)
	}
	sc := cfg.ClientConfig
	if !sc.Net.SASL.Enable || sc.Net.SASL.Mechanism != sarama.SASLTypeSCRAMSHA512 || sc.Net.SASL.User != "alice" || sc.Net.SASL.Password != "s3cret" ||
		sc.Net.SASL.SCRAMClientGeneratorFunc == nil || !sc.Net.TLS.Enable || sc.Net.TLS.Config.RootCAs == nil ||
		len(sc.Net.TLS.Config.Certificates) != 1 || sc.Net.TLS.Config.InsecureSkipVerify {
		t.Fatalf("sarama config: SASL %+v, TLS enabled %v, config %+v", sc.Net.SASL, sc.Net.TLS.Enable, sc.Net.TLS.Config)
	}
	cfg, err = fromConf(with(conf.KeyKafkaSecurityProtocol, "SASL_PLAINTEXT", conf.KeyKafkaSASLJAASConfig, plainJAAS))
	if err != nil || cfg.ClientConfig.Net.SASL.Mechanism != sarama.SASLTypePlaintext || cfg.ClientConfig.Net.SASL.User != "alice" {
		t.Fatalf("PLAIN from JAAS: %+v, %v", cfg.ClientConfig, err)
	}

	jks := filepath.Join(dir, "truststore.jks")
	os.WriteFile(jks, []byte{0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2}, 0o600)
	p12 := filepath.Join(dir, "keystore.p12")
	os.WriteFile(p12, []byte{0x30, 0x82, 0x0a, 0x10, 2, 1, 3}, 0o600)
	encrypted := filepath.Join(dir, "encrypted.pem")
	os.WriteFile(encrypted, append(certPEM, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n")...), 0o600)
	for _, tc := range []struct {
		name     string
		settings map[string]string
		want     []string
	}{
		{"JKS truststore", with(conf.KeyKafkaSecurityProtocol, "SSL", conf.KeyKafkaSSLTruststoreLocation, jks, conf.KeyKafkaSSLTruststorePassword, "changeit"),
			[]string{"spindle.kafka.ssl.truststore.location=" + jks + " is a JKS store", "keytool -exportcert -rfc -keystore " + jks, "openssl pkcs12 -in store.p12 -nokeys -out ca.pem"}},
		{"PEM truststore said to be JKS", with(conf.KeyKafkaSecurityProtocol, "SSL", conf.KeyKafkaSSLTruststoreLocation, pki.caFile, conf.KeyKafkaSSLTruststoreType, "JKS"),
			[]string{"is a JKS store", "and spindle.kafka.ssl.truststore.type to PEM"}},
		{"PKCS12 keystore", with(conf.KeyKafkaSecurityProtocol, "SSL", conf.KeyKafkaSSLKeystoreLocation, p12, conf.KeyKafkaSSLKeystorePassword, "changeit"),
			[]string{"is a PKCS12 store", "openssl pkcs12 -in store.p12 -nodes -out client.pem"}},
		{"encrypted key", with(conf.KeyKafkaSecurityProtocol, "SSL", conf.KeyKafkaSSLKeystoreLocation, encrypted),
			[]string{"holds an encrypted private key", "openssl pkey -in " + encrypted}},
		{"key password", with(conf.KeyKafkaSecurityProtocol, "SSL", conf.KeyKafkaSSLKeystoreLocation, keystore, conf.KeyKafkaSSLKeyPassword, "changeit"),
			[]string{"spindle.kafka.ssl.key.password is set, but Spindle cannot read an encrypted private key"}},
		{"keystore without a key", with(conf.KeyKafkaSecurityProtocol, "SSL", conf.KeyKafkaSSLKeystoreLocation, pki.caFile),
			[]string{"want the client certificate and its private key, PEM, in one file"}},
		{"truststore and CA location", with(conf.KeyKafkaSecurityProtocol, "SSL", conf.KeyKafkaSSLTruststoreLocation, pki.caFile, conf.KeyKafkaSSLCALocation, pki.caFile),
			[]string{"spindle.kafka.ssl.truststore.location and spindle.kafka.ssl.ca.location both name CA certificates"}},
		{"keystore and certificate location", with(conf.KeyKafkaSecurityProtocol, "SSL", conf.KeyKafkaSSLKeystoreLocation, keystore, conf.KeyKafkaSSLCertLocation, pki.certFile, conf.KeyKafkaSSLKeyLocation, pki.keyFile),
			[]string{"both name the client certificate"}},
		{"truststore type alone", with(conf.KeyKafkaSecurityProtocol, "SSL", conf.KeyKafkaSSLTruststoreType, "PEM"),
			[]string{"spindle.kafka.ssl.truststore.type is set without spindle.kafka.ssl.truststore.location"}},
		{"endpoint algorithm", with(conf.KeyKafkaSecurityProtocol, "SSL", conf.KeyKafkaSSLEndpointIdentification, "ldaps"),
			[]string{`spindle.kafka.ssl.endpoint.identification.algorithm="ldaps": "ldaps" is not accepted: use https, or empty`}},
		{"SSL key with PLAINTEXT", with(conf.KeyKafkaSSLTruststoreLocation, pki.caFile),
			[]string{"spindle.kafka.ssl.truststore.location is set but spindle.kafka.security.protocol is PLAINTEXT"}},
		{"JAAS with PLAINTEXT", with(conf.KeyKafkaSASLJAASConfig, plainJAAS),
			[]string{"spindle.kafka.sasl.jaas.config is set but spindle.kafka.security.protocol is PLAINTEXT"}},
		{"JAAS and username", with(conf.KeyKafkaSecurityProtocol, "SASL_SSL", conf.KeyKafkaSASLJAASConfig, plainJAAS, conf.KeyKafkaSASLUsername, "bob"),
			[]string{"spindle.kafka.sasl.jaas.config and spindle.kafka.sasl.username both give SASL credentials"}},
		{"SCRAM module without mechanism", with(conf.KeyKafkaSecurityProtocol, "SASL_SSL", conf.KeyKafkaSASLJAASConfig, scramJAAS),
			[]string{"names ScramLoginModule: set spindle.kafka.sasl.mechanism to SCRAM-SHA-256 or SCRAM-SHA-512"}},
		{"PLAIN module with SCRAM", with(conf.KeyKafkaSecurityProtocol, "SASL_SSL", conf.KeyKafkaSASLJAASConfig, plainJAAS, conf.KeyKafkaSASLMechanism, "SCRAM-SHA-256"),
			[]string{"names PlainLoginModule, which does not log in with spindle.kafka.sasl.mechanism=SCRAM-SHA-256"}},
		{"GSSAPI", with(conf.KeyKafkaSecurityProtocol, "SASL_SSL", conf.KeyKafkaSASLJAASConfig, `com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/etc/k.keytab";`),
			[]string{"spindle.kafka.sasl.jaas.config: login module com.sun.security.auth.module.Krb5LoginModule is not supported"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fromConf(tc.settings)
			// Refused by the key registry at submit, or when the source
			// is configured.
			if !errors.Is(err, ErrInvalidConfig) && !errors.Is(err, errSet) {
				t.Fatalf("err %v, want a refusal", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("err %q\nwant it to contain %q", err, w)
				}
			}
			for _, secret := range []string{"changeit", "s3cret"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("err %q repeats a password", err)
				}
			}
		})
	}
}

// TestJavaKeysAgainstBroker: Spark's Kafka security settings reach a
// broker that requires them: SCRAM over TLS from sasl.jaas.config and a
// PEM truststore, a client certificate from a PEM keystore, and a broker
// certificate that names another host accepted only with
// ssl.endpoint.identification.algorithm empty.
func TestJavaKeysAgainstBroker(t *testing.T) {
	pki := newTestPKI(t)
	t.Run("SASL_SSL SCRAM-SHA-512", func(t *testing.T) {
		b := kafkatest.Start(t, map[string]int32{"secure": 1}, kafkatest.WithSASL(sarama.SASLTypeSCRAMSHA512, "alice", "s3cret"), kafkatest.WithTLS(pki.server, pki.client()))
		b.Produce(t, "secure", 0, 3, kv)
		settings := javaConf(b, "secure", conf.KeyKafkaSecurityProtocol, "SASL_SSL", conf.KeyKafkaSASLMechanism, "SCRAM-SHA-512", conf.KeyKafkaSASLJAASConfig, scramJAAS,
			conf.KeyKafkaSSLTruststoreLocation, pki.caFile, conf.KeyKafkaSSLTruststoreType, "PEM")
		plan, err := planOnce(settings)
		if err != nil {
			t.Fatalf("Plan over SASL_SSL with SCRAM: %v", err)
		}
		if r := rangeOf(t, plan, "secure", 0); r.Until != 3 {
			t.Fatalf("range = %s, want [0, 3)", r)
		}
		settings[conf.KeyKafkaSASLJAASConfig] = strings.Replace(scramJAAS, "s3cret", "wrong", 1)
		if _, err := planOnce(settings); err == nil {
			t.Fatal("Plan with a wrong SCRAM password succeeded")
		}
	})
	t.Run("client certificate from a keystore", func(t *testing.T) {
		server := pki.server.Clone()
		server.ClientAuth = tls.RequireAndVerifyClientCert
		b := kafkatest.Start(t, map[string]int32{"mtls": 1}, kafkatest.WithTLS(server, pki.client()))
		b.Produce(t, "mtls", 0, 2, kv)
		keystore := filepath.Join(t.TempDir(), "client.pem")
		certPEM, _ := os.ReadFile(pki.certFile)
		keyPEM, _ := os.ReadFile(pki.keyFile)
		os.WriteFile(keystore, append(keyPEM, certPEM...), 0o600)
		settings := javaConf(b, "mtls", conf.KeyKafkaSecurityProtocol, "SSL", conf.KeyKafkaSSLTruststoreLocation, pki.caFile, conf.KeyKafkaSSLKeystoreLocation, keystore, conf.KeyKafkaSSLKeystoreType, "PEM")
		if plan, err := planOnce(settings); err != nil || rangeOf(t, plan, "mtls", 0).Until != 2 {
			t.Fatalf("Plan with the keystore's certificate: %v", err)
		}
		delete(settings, conf.KeyKafkaSSLKeystoreLocation)
		delete(settings, conf.KeyKafkaSSLKeystoreType)
		if _, err := planOnce(settings); err == nil {
			t.Fatal("Plan without a client certificate succeeded against a broker that requires one")
		}
	})
	t.Run("endpoint identification", func(t *testing.T) {
		b := kafkatest.Start(t, map[string]int32{"named": 1}, kafkatest.WithTLS(pki.serverOtherName, &tls.Config{RootCAs: pki.caPool, ServerName: "broker.invalid"}))
		b.Produce(t, "named", 0, 1, kv)
		settings := javaConf(b, "named", conf.KeyKafkaSecurityProtocol, "SSL", conf.KeyKafkaSSLTruststoreLocation, pki.caFile)
		if _, err := planOnce(settings); err == nil {
			t.Fatal("a certificate for broker.invalid was accepted for 127.0.0.1")
		}
		settings[conf.KeyKafkaSSLEndpointIdentification] = ""
		if plan, err := planOnce(settings); err != nil || rangeOf(t, plan, "named", 0).Until != 1 {
			t.Fatalf("Plan without host name verification: %v", err)
		}
		// The chain is still verified: without the CA, the system roots
		// do not trust the broker.
		delete(settings, conf.KeyKafkaSSLTruststoreLocation)
		if _, err := planOnce(settings); err == nil {
			t.Fatal("an untrusted certificate was accepted without host name verification")
		}
	})
}

// TestCheckAppJavaKeys: at submit, without reading the stores, a JAAS
// line that cannot log in and a store said to be JKS are refused.
func TestCheckAppJavaKeys(t *testing.T) {
	base := map[string]string{conf.KeyKafkaBootstrapServers: "k:9093", conf.KeyKafkaTopics: "t", conf.KeyKafkaSecurityProtocol: "SASL_SSL"}
	for _, tc := range []struct {
		kv   []string
		want string
	}{
		{[]string{conf.KeyKafkaSASLJAASConfig, `com.sun.security.auth.module.Krb5LoginModule required;`}, "Krb5LoginModule is not supported"},
		{[]string{conf.KeyKafkaSASLJAASConfig, scramJAAS}, "set spindle.kafka.sasl.mechanism to SCRAM-SHA-256 or SCRAM-SHA-512"},
		{[]string{conf.KeyKafkaSASLJAASConfig, plainJAAS, conf.KeyKafkaSSLTruststoreLocation, "/etc/kafka/truststore.jks", conf.KeyKafkaSSLTruststoreType, "JKS"},
			"truststore.location=/etc/kafka/truststore.jks is a JKS store"},
	} {
		a, err := appConf(confWith(base, tc.kv...))
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckApp(a); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.kv, err, tc.want)
		}
	}
	a, err := appConf(confWith(base, conf.KeyKafkaSASLJAASConfig, plainJAAS, conf.KeyKafkaSSLTruststoreLocation, "/nowhere/ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckApp(a); err != nil {
		t.Fatalf("a PEM truststore that exists only on the cluster's nodes: %v", err)
	}
}
