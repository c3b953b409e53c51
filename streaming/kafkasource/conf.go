package kafkasource

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"
)

// Configuration keys read by ConfigFromConf.
const (
	KeyBootstrapServers       = "spindle.kafka.bootstrap.servers"
	KeyTopics                 = "spindle.kafka.topics"
	KeyMaxRate                = "spark.streaming.kafka.maxRatePerPartition"
	KeyMinRate                = "spark.streaming.kafka.minRatePerPartition"
	KeyAutoOffsetReset        = "spindle.kafka.auto.offset.reset"
	KeyClientID               = "spindle.kafka.client.id"
	KeySecurityProtocol       = "spindle.kafka.security.protocol"
	KeySASLMechanism          = "spindle.kafka.sasl.mechanism"
	KeySASLUsername           = "spindle.kafka.sasl.username"
	KeySASLPassword           = "spindle.kafka.sasl.password"
	KeySSLCALocation          = "spindle.kafka.ssl.ca.location"
	KeySSLCertLocation        = "spindle.kafka.ssl.certificate.location"
	KeySSLKeyLocation         = "spindle.kafka.ssl.key.location"
	KeyKafkaVersion           = "spindle.kafka.version"
	KeyRequestTimeout         = "spindle.kafka.request.timeout.ms"
	KeyConnectTimeout         = "spindle.kafka.socket.connection.setup.timeout.ms"
	KeyMetadataMaxAge         = "spindle.kafka.metadata.max.age.ms"
	KeyFetchMinBytes          = "spindle.kafka.fetch.min.bytes"
	KeyFetchMaxWait           = "spindle.kafka.fetch.max.wait.ms"
	KeyMaxPartitionFetchBytes = "spindle.kafka.max.partition.fetch.bytes"
	KeyIsolationLevel         = "spindle.kafka.isolation.level"
	KeyGroupID                = "spindle.kafka.group.id"
	// KeyAppName is Spark's application name, the default group id's
	// suffix.
	KeyAppName = "spark.app.name"
)

// DefaultGroupID is the consumer group offsets are committed to when
// neither spindle.kafka.group.id nor spark.app.name is set; with an app
// name the default is DefaultGroupID + "-" + the name.
const DefaultGroupID = "spindle"

// Values of spindle.kafka.security.protocol.
const (
	ProtocolPlaintext     = "PLAINTEXT"
	ProtocolSSL           = "SSL"
	ProtocolSASLPlaintext = "SASL_PLAINTEXT"
	ProtocolSASLSSL       = "SASL_SSL"
)

const clientPrefix = "spindle.kafka."

// ConfigFromConf builds a Config from configuration keys.
//
// It reads spindle.kafka.bootstrap.servers and spindle.kafka.topics
// (comma-separated, required), spark.streaming.kafka.maxRatePerPartition
// (default 0, unlimited), spark.streaming.kafka.minRatePerPartition (default
// 1) and spindle.kafka.auto.offset.reset (earliest, latest or none; default
// latest). spindle.kafka.group.id names the consumer group the driver
// commits processed offsets to, for lag monitors; its rebalancing never
// decides what the stream reads. It defaults to "spindle-" followed by spark.app.name, or to
// "spindle" when the application has no name. These other spindle.kafka.*
// keys set the sarama client, with Kafka's meaning:
//
//	client.id
//	security.protocol                 PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL
//	sasl.mechanism                    PLAIN (default), SCRAM-SHA-256, SCRAM-SHA-512
//	sasl.username, sasl.password
//	ssl.ca.location                   PEM file of CA certificates (default: system roots)
//	ssl.certificate.location          PEM client certificate, with ssl.key.location
//	ssl.key.location                  PEM private key of the client certificate
//	version                           broker protocol version, e.g. 2.8.0
//	request.timeout.ms                per-request read and write timeout
//	socket.connection.setup.timeout.ms
//	metadata.max.age.ms               background metadata refresh
//	fetch.min.bytes, fetch.max.wait.ms, max.partition.fetch.bytes
//	isolation.level                   read_uncommitted (default), read_committed
//
// and the Java client's names of security settings, as Spark's Kafka
// source takes them (see javakeys.go): sasl.jaas.config,
// ssl.truststore.*, ssl.keystore.*, ssl.key.password,
// ssl.endpoint.identification.algorithm; and the keys of the driver's
// membership of the group (see groupkeys.go): group.join,
// group.instance.id, session.timeout.ms, heartbeat.interval.ms.
//
// Any other spindle.kafka.* key is an error naming it; keys outside
// spindle.kafka.* and the Spark keys named here are ignored. Files named by ssl.*
// keys are read here. The Logger is left nil for the caller to set.
func ConfigFromConf(conf map[string]string) (Config, error) {
	cfg := DefaultConfig()
	sc := newSaramaConfig()
	protocol := ProtocolPlaintext
	var (
		mechanism              string
		sslCA, sslCert, sslKey string
		saslKeys, sslKeys      []string
		java                   javaKeys
		member                 memberKeys
	)

	keys := make([]string, 0, len(conf))
	for k := range conf {
		keys = append(keys, k)
	}
	// Sorted, so that with several bad keys the same one is reported.
	slices.Sort(keys)
	for _, key := range keys {
		raw := conf[key]
		v := strings.TrimSpace(raw)
		var err error
		switch key {
		case KeyBootstrapServers:
			cfg.Brokers, err = parseBrokers(v)
		case KeyTopics:
			cfg.Topics = splitList(v)
		case KeyMaxRate:
			cfg.MaxRatePerPartition, err = parseNonNegative(v)
		case KeyMinRate:
			cfg.MinRatePerPartition, err = parseNonNegative(v)
		case KeyAutoOffsetReset:
			cfg.AutoOffsetReset = strings.ToLower(v)
		case KeyClientID:
			sc.ClientID = v
			if v == "" {
				err = errors.New("must not be empty")
			}
		case KeySecurityProtocol:
			protocol = strings.ToUpper(v)
			if !slices.Contains([]string{ProtocolPlaintext, ProtocolSSL, ProtocolSASLPlaintext, ProtocolSASLSSL}, protocol) {
				err = errors.New("must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL")
			}
		case KeySASLMechanism:
			mechanism = strings.ToUpper(v)
			saslKeys = append(saslKeys, key)
		case KeySASLUsername:
			sc.Net.SASL.User = v
			saslKeys = append(saslKeys, key)
		case KeySASLPassword:
			// Not trimmed: a password may end in a space.
			sc.Net.SASL.Password = raw
			saslKeys = append(saslKeys, key)
		case KeySSLCALocation:
			sslCA = v
			sslKeys = append(sslKeys, key)
		case KeySSLCertLocation:
			sslCert = v
			sslKeys = append(sslKeys, key)
		case KeySSLKeyLocation:
			sslKey = v
			sslKeys = append(sslKeys, key)
		case KeyKafkaVersion:
			sc.Version, err = sarama.ParseKafkaVersion(v)
		case KeyRequestTimeout:
			var d time.Duration
			if d, err = parseMillis(v); err == nil {
				sc.Net.ReadTimeout, sc.Net.WriteTimeout = d, d
			}
		case KeyConnectTimeout:
			sc.Net.DialTimeout, err = parseMillis(v)
		case KeyMetadataMaxAge:
			sc.Metadata.RefreshFrequency, err = parseMillis(v)
		case KeyFetchMinBytes:
			sc.Consumer.Fetch.Min, err = parseInt32(v)
		case KeyFetchMaxWait:
			sc.Consumer.MaxWaitTime, err = parseMillis(v)
		case KeyMaxPartitionFetchBytes:
			sc.Consumer.Fetch.Default, err = parseInt32(v)
		case KeyGroupID:
			cfg.GroupID = v
			if v == "" {
				err = errors.New("must not be empty: name the consumer group, or leave the key out for spindle-<spark.app.name>")
			}
		case KeyIsolationLevel:
			switch strings.ToLower(v) {
			case "read_uncommitted":
				sc.Consumer.IsolationLevel = sarama.ReadUncommitted
			case "read_committed":
				sc.Consumer.IsolationLevel = sarama.ReadCommitted
			default:
				err = errors.New("must be read_uncommitted or read_committed")
			}
		default:
			if java.take(key, raw) || member.take(key, raw) {
				continue
			}
			if strings.HasPrefix(key, clientPrefix) {
				return Config{}, fmt.Errorf("%w: unknown key %s", ErrInvalidConfig, key)
			}
			continue
		}
		if err != nil {
			if key == KeySASLPassword {
				return Config{}, fmt.Errorf("%w: %s: %w", ErrInvalidConfig, key, err)
			}
			return Config{}, fmt.Errorf("%w: %s=%q: %w", ErrInvalidConfig, key, raw, err)
		}
	}
	if _, ok := conf[KeyGroupID]; !ok {
		cfg.GroupID = defaultGroupID(conf[KeyAppName])
	}
	if err := member.apply(&cfg.Membership); err != nil {
		return Config{}, err
	}
	if _, ok := conf[KeyBootstrapServers]; !ok {
		return Config{}, fmt.Errorf("%w: %s is required", ErrInvalidConfig, KeyBootstrapServers)
	}
	if _, ok := conf[KeyTopics]; !ok {
		return Config{}, fmt.Errorf("%w: %s is required", ErrInvalidConfig, KeyTopics)
	}
	if err := java.apply(sc, security{&mechanism, &sslCA, &sslCert, &sslKey, &saslKeys, &sslKeys}); err != nil {
		return Config{}, err
	}
	if err := applySecurity(sc, protocol, mechanism, sslCA, sslCert, sslKey, saslKeys, sslKeys); err != nil {
		return Config{}, err
	}
	java.finish(sc)
	cfg.ClientConfig = sc
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// applySecurity turns security.protocol and the sasl.* and ssl.* keys into
// sarama settings. Settings the protocol would ignore are errors, so a
// credential is never silently left unused.
func applySecurity(sc *sarama.Config, protocol, mechanism, caPath, certPath, keyPath string, saslKeys, sslKeys []string) error {
	useSASL := protocol == ProtocolSASLPlaintext || protocol == ProtocolSASLSSL
	useTLS := protocol == ProtocolSSL || protocol == ProtocolSASLSSL
	if !useSASL && len(saslKeys) > 0 {
		return fmt.Errorf("%w: %s is set but %s is %s", ErrInvalidConfig, saslKeys[0], KeySecurityProtocol, protocol)
	}
	if !useTLS && len(sslKeys) > 0 {
		return fmt.Errorf("%w: %s is set but %s is %s", ErrInvalidConfig, sslKeys[0], KeySecurityProtocol, protocol)
	}
	if useSASL {
		if mechanism == "" {
			mechanism = sarama.SASLTypePlaintext
		}
		sc.Net.SASL.Enable = true
		sc.Net.SASL.Handshake = true
		sc.Net.SASL.Mechanism = sarama.SASLMechanism(mechanism)
		switch mechanism {
		case sarama.SASLTypePlaintext:
		case sarama.SASLTypeSCRAMSHA256:
			sc.Net.SASL.SCRAMClientGeneratorFunc = newSCRAMSHA256
		case sarama.SASLTypeSCRAMSHA512:
			sc.Net.SASL.SCRAMClientGeneratorFunc = newSCRAMSHA512
		default:
			return fmt.Errorf("%w: %s=%q: must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", ErrInvalidConfig, KeySASLMechanism, mechanism)
		}
		if sc.Net.SASL.User == "" || sc.Net.SASL.Password == "" {
			return fmt.Errorf("%w: %s and %s are required with %s %s", ErrInvalidConfig, KeySASLUsername, KeySASLPassword, KeySecurityProtocol, protocol)
		}
	}
	if useTLS {
		tc, err := tlsConfig(caPath, certPath, keyPath)
		if err != nil {
			return err
		}
		sc.Net.TLS.Enable = true
		sc.Net.TLS.Config = tc
	}
	return nil
}

func tlsConfig(caPath, certPath, keyPath string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if caPath != "" {
		pem, err := os.ReadFile(caPath)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: read CA file: %w", ErrInvalidConfig, KeySSLCALocation, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: %s: no PEM certificate in %s", ErrInvalidConfig, KeySSLCALocation, caPath)
		}
		tc.RootCAs = pool
	}
	if (certPath == "") != (keyPath == "") {
		return nil, fmt.Errorf("%w: %s and %s must be set together", ErrInvalidConfig, KeySSLCertLocation, KeySSLKeyLocation)
	}
	if certPath != "" {
		cert, err := tls.LoadX509KeyPair(certPath, keyPath)
		if err != nil {
			return nil, fmt.Errorf("%w: %s, %s: load client certificate: %w", ErrInvalidConfig, KeySSLCertLocation, KeySSLKeyLocation, err)
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

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseBrokers(s string) ([]string, error) {
	out := splitList(s)
	if len(out) == 0 {
		return nil, errors.New("no broker address")
	}
	for _, b := range out {
		i := strings.LastIndexByte(b, ':')
		if i <= 0 || i == len(b)-1 {
			return nil, fmt.Errorf("broker %q is not host:port", b)
		}
		port, err := strconv.ParseUint(b[i+1:], 10, 16)
		if err != nil || port == 0 {
			return nil, fmt.Errorf("broker %q has an invalid port", b)
		}
	}
	return out, nil
}

func parseNonNegative(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errors.New("not an integer")
	}
	if n < 0 {
		return 0, errors.New("must be >= 0")
	}
	return n, nil
}

func parseInt32(s string) (int32, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, errors.New("not a 32-bit integer")
	}
	if n <= 0 {
		return 0, errors.New("must be > 0")
	}
	return int32(n), nil
}

// parseMillis reads a non-negative number of milliseconds.
func parseMillis(s string) (time.Duration, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errors.New("not an integer number of milliseconds")
	}
	if n < 0 || n > int64(time.Duration(1<<63-1)/time.Millisecond) {
		return 0, errors.New("out of range")
	}
	return time.Duration(n) * time.Millisecond, nil
}
