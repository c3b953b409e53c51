package kafkasource

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/conf"
)

// DefaultGroupID is the consumer group offsets are committed to when
// neither spindle.kafka.group.id nor spark.app.name is set; with an app
// name the default is DefaultGroupID + "-" + the name.
const DefaultGroupID = "spindle"

// ConfigFromApp builds a Config from an application's configuration,
// checked and parsed at submit (see the Kafka source keys of
// docs/configuration.md): spindle.kafka.bootstrap.servers and
// spindle.kafka.topics (required), spark.streaming.kafka.maxRatePerPartition
// and minRatePerPartition, spindle.kafka.auto.offset.reset,
// spindle.kafka.group.id (default spindle-<spark.app.name>) and the
// sarama client's settings, Kafka's consumer settings under
// spindle.kafka.*. Settings that contradict each other, such as a SASL
// user with security.protocol PLAINTEXT, are errors naming the keys, so a
// credential is never silently left unused. The files named by the ssl.*
// keys are read here. The Logger is left nil for the caller to set.
func ConfigFromApp(a conf.AppConf) (Config, error) {
	return configFromApp(a, true)
}

// CheckApp checks what ConfigFromApp would, except that it reads no file:
// the ssl.* files are on the cluster's nodes, not where `spindle submit`
// runs. It lets submit refuse a mistake before any attempt exists.
func CheckApp(a conf.AppConf) error {
	_, err := configFromApp(a, false)
	return err
}

func configFromApp(a conf.AppConf, readFiles bool) (Config, error) {
	for _, k := range []string{conf.KeyKafkaBootstrapServers, conf.KeyKafkaTopics} {
		if !a.IsSet(k) {
			return Config{}, fmt.Errorf("%w: %s is required: a Spindle job (%s=%s) reads Kafka", ErrInvalidConfig, k, conf.KeyDriverMode, conf.DriverModePlugin)
		}
	}
	cfg := DefaultConfig()
	cfg.Brokers = a.List(conf.KeyKafkaBootstrapServers)
	cfg.Topics = a.List(conf.KeyKafkaTopics)
	cfg.MaxRatePerPartition = a.Int(conf.KeyKafkaMaxRatePartition)
	cfg.MinRatePerPartition = a.Int(conf.KeyKafkaMinRatePartition)
	cfg.AutoOffsetReset = strings.ToLower(a.String(conf.KeyKafkaAutoOffsetReset))
	cfg.GroupID = defaultGroupID(a.String(conf.KeyAppName))
	if a.IsSet(conf.KeyKafkaGroupID) {
		cfg.GroupID = strings.TrimSpace(a.String(conf.KeyKafkaGroupID))
	}
	membership, err := membershipFromApp(a)
	if err != nil {
		return Config{}, err
	}
	cfg.Membership = membership

	sc := newSaramaConfig()
	sc.ClientID = strings.TrimSpace(a.String(conf.KeyKafkaClientID))
	version, err := sarama.ParseKafkaVersion(strings.TrimSpace(a.String(conf.KeyKafkaVersion)))
	if err != nil {
		return Config{}, fmt.Errorf("%w: %s=%q is not a Kafka version: use one such as 2.8.0 or 3.6.0", ErrInvalidConfig, conf.KeyKafkaVersion, a.String(conf.KeyKafkaVersion))
	}
	sc.Version = version
	sc.Net.ReadTimeout = a.Duration(conf.KeyKafkaRequestTimeout)
	sc.Net.WriteTimeout = sc.Net.ReadTimeout
	sc.Net.DialTimeout = a.Duration(conf.KeyKafkaConnectTimeout)
	sc.Metadata.RefreshFrequency = a.Duration(conf.KeyKafkaMetadataMaxAge)
	sc.Consumer.Fetch.Min = int32(a.Int(conf.KeyKafkaFetchMinBytes))
	sc.Consumer.MaxWaitTime = a.Duration(conf.KeyKafkaFetchMaxWait)
	sc.Consumer.Fetch.Default = int32(a.Int(conf.KeyKafkaMaxPartitionFetch))
	sc.Consumer.IsolationLevel = sarama.ReadUncommitted
	if strings.EqualFold(a.String(conf.KeyKafkaIsolationLevel), "read_committed") {
		sc.Consumer.IsolationLevel = sarama.ReadCommitted
	}
	if err := applySecurity(sc, a, readFiles); err != nil {
		return Config{}, err
	}
	cfg.ClientConfig = sc
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// setKeys returns those of keys that a sets.
func setKeys(a conf.AppConf, keys ...string) []string {
	var out []string
	for _, k := range keys {
		if a.IsSet(k) {
			out = append(out, k)
		}
	}
	return out
}

// applySecurity turns security.protocol and the sasl.* and ssl.* keys,
// with the librdkafka-style names or the Java client's (javakeys.go), into
// sarama settings. Settings the protocol would ignore are errors, so a
// credential is never silently left unused.
func applySecurity(sc *sarama.Config, a conf.AppConf, readFiles bool) error {
	protocol := strings.ToUpper(a.String(conf.KeyKafkaSecurityProtocol))
	useSASL := protocol == conf.KafkaSASLPlaintext || protocol == conf.KafkaSASLSSL
	useTLS := protocol == conf.KafkaSSL || protocol == conf.KafkaSASLSSL
	saslKeys := setKeys(a, conf.KeyKafkaSASLMechanism, conf.KeyKafkaSASLUsername, conf.KeyKafkaSASLPassword)
	sslKeys := setKeys(a, conf.KeyKafkaSSLCALocation, conf.KeyKafkaSSLCertLocation, conf.KeyKafkaSSLKeyLocation)
	// Not trimmed: a password may end in a space.
	sc.Net.SASL.User = strings.TrimSpace(a.String(conf.KeyKafkaSASLUsername))
	sc.Net.SASL.Password = a.String(conf.KeyKafkaSASLPassword)
	var mechanism string
	if a.IsSet(conf.KeyKafkaSASLMechanism) {
		mechanism = strings.ToUpper(a.String(conf.KeyKafkaSASLMechanism))
	}
	caPath, certPath, keyPath := strings.TrimSpace(a.String(conf.KeyKafkaSSLCALocation)), strings.TrimSpace(a.String(conf.KeyKafkaSSLCertLocation)), strings.TrimSpace(a.String(conf.KeyKafkaSSLKeyLocation))
	java := javaKeysFrom(a)
	if err := java.apply(sc, security{&mechanism, &caPath, &certPath, &keyPath, &saslKeys, &sslKeys}, readFiles); err != nil {
		return err
	}
	if !useSASL && len(saslKeys) > 0 {
		return fmt.Errorf("%w: %s is set but %s is %s", ErrInvalidConfig, saslKeys[0], conf.KeyKafkaSecurityProtocol, protocol)
	}
	if !useTLS && len(sslKeys) > 0 {
		return fmt.Errorf("%w: %s is set but %s is %s", ErrInvalidConfig, sslKeys[0], conf.KeyKafkaSecurityProtocol, protocol)
	}
	if useSASL {
		if mechanism == "" {
			mechanism = strings.ToUpper(a.String(conf.KeyKafkaSASLMechanism))
		}
		sc.Net.SASL.Enable = true
		sc.Net.SASL.Handshake = true
		sc.Net.SASL.Mechanism = sarama.SASLMechanism(mechanism)
		switch mechanism {
		case sarama.SASLTypeSCRAMSHA256:
			sc.Net.SASL.SCRAMClientGeneratorFunc = newSCRAMSHA256
		case sarama.SASLTypeSCRAMSHA512:
			sc.Net.SASL.SCRAMClientGeneratorFunc = newSCRAMSHA512
		}
		if sc.Net.SASL.User == "" || sc.Net.SASL.Password == "" {
			return fmt.Errorf("%w: %s and %s (or %s) are required with %s %s", ErrInvalidConfig, conf.KeyKafkaSASLUsername, conf.KeyKafkaSASLPassword, conf.KeyKafkaSASLJAASConfig, conf.KeyKafkaSecurityProtocol, protocol)
		}
	}
	if useTLS {
		if (certPath == "") != (keyPath == "") {
			return fmt.Errorf("%w: %s and %s must be set together", ErrInvalidConfig, conf.KeyKafkaSSLCertLocation, conf.KeyKafkaSSLKeyLocation)
		}
		sc.Net.TLS.Enable = true
		if readFiles {
			tc, err := tlsConfig(caPath, certPath, keyPath)
			if err != nil {
				return err
			}
			sc.Net.TLS.Config = tc
			java.finish(sc)
		}
	}
	return nil
}

func tlsConfig(caPath, certPath, keyPath string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if caPath != "" {
		pem, err := os.ReadFile(caPath)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: read CA file: %w", ErrInvalidConfig, conf.KeyKafkaSSLCALocation, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: %s: no PEM certificate in %s", ErrInvalidConfig, conf.KeyKafkaSSLCALocation, caPath)
		}
		tc.RootCAs = pool
	}
	if certPath != "" {
		cert, err := tls.LoadX509KeyPair(certPath, keyPath)
		if err != nil {
			return nil, fmt.Errorf("%w: %s, %s: load client certificate: %w", ErrInvalidConfig, conf.KeyKafkaSSLCertLocation, conf.KeyKafkaSSLKeyLocation, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// defaultGroupID is the group id of an application that sets none.
func defaultGroupID(appName string) string {
	if name := strings.TrimSpace(appName); name != "" {
		return DefaultGroupID + "-" + name
	}
	return DefaultGroupID
}

// LagMonitorConfigFromApp reads spindle.monitor.lag.maxRecords (0: no
// records threshold) and spindle.monitor.lag.maxAge (0: no age threshold)
// from an application's configuration. The Logger is left nil for the
// caller to set.
func LagMonitorConfigFromApp(a conf.AppConf) LagMonitorConfig {
	cfg := DefaultLagMonitorConfig()
	cfg.MaxRecords = a.Int(conf.KeyLagMaxRecords)
	cfg.MaxAge = a.Duration(conf.KeyLagMaxAge)
	return cfg
}
