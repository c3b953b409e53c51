package kafkasource

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/conf"
	"github.com/spindlehq/spindle/internal/kafkatest"
)

func baseConf() map[string]string {
	return map[string]string{
		conf.KeyKafkaBootstrapServers: "127.0.0.1:9092, broker2:9093",
		conf.KeyKafkaTopics:           "orders,  audit",
	}
}

func withConf(extra map[string]string) map[string]string {
	c := baseConf()
	maps.Copy(c, extra)
	return c
}

// errSet marks a value the registry refused, as spindle submit would.
var errSet = errors.New("refused at submit")

// appConf sets the keys of m as spindle submit does: only an unknown
// spindle.* key is refused (a spark.* key goes to the job only, and others
// are dropped).
func appConf(m map[string]string) (conf.AppConf, error) {
	var a conf.AppConf
	for k, v := range m {
		if err := a.Set(k, v); err != nil {
			if errors.Is(err, conf.ErrUnknownKey) && !strings.HasPrefix(k, "spindle.") {
				continue
			}
			return a, fmt.Errorf("%w: %s=%q: %w", errSet, k, v, err)
		}
	}
	return a, nil
}

// fromConf builds a Config from keys, as the ApplicationMaster does from
// what submit checked.
func fromConf(m map[string]string) (Config, error) {
	a, err := appConf(m)
	if err != nil {
		return Config{}, err
	}
	return ConfigFromApp(a)
}

func TestConfigFromAppDefaults(t *testing.T) {
	cfg, err := fromConf(withConf(map[string]string{"spark.app.name": "x", "spark.streaming.kafka.consumer.poll.ms": "5"}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.Brokers, "|") != "127.0.0.1:9092|broker2:9093" || strings.Join(cfg.Topics, "|") != "orders|audit" {
		t.Fatalf("brokers %v topics %v", cfg.Brokers, cfg.Topics)
	}
	if cfg.MaxRatePerPartition != 0 || cfg.MinRatePerPartition != 1 || cfg.AutoOffsetReset != ResetLatest {
		t.Fatalf("rates/reset = %d %d %q, want 0 1 latest", cfg.MaxRatePerPartition, cfg.MinRatePerPartition, cfg.AutoOffsetReset)
	}
	sc := cfg.ClientConfig
	if sc == nil || sc.ClientID != DefaultClientID || sc.Net.SASL.Enable || sc.Net.TLS.Enable {
		t.Fatalf("client config = %+v, want defaults with client id %s", sc, DefaultClientID)
	}
}

func TestConfigFromAppAllKeys(t *testing.T) {
	cfg, err := fromConf(withConf(map[string]string{
		conf.KeyKafkaMaxRatePartition:  "1000",
		conf.KeyKafkaMinRatePartition:  "0",
		conf.KeyKafkaAutoOffsetReset:   "Earliest",
		conf.KeyKafkaClientID:          "app-7",
		conf.KeyKafkaSecurityProtocol:  "sasl_plaintext",
		conf.KeyKafkaSASLMechanism:     "scram-sha-512",
		conf.KeyKafkaSASLUsername:      "alice",
		conf.KeyKafkaSASLPassword:      "pw with space ",
		conf.KeyKafkaVersion:           "3.6.0",
		conf.KeyKafkaRequestTimeout:    "15000",
		conf.KeyKafkaConnectTimeout:    "2000",
		conf.KeyKafkaMetadataMaxAge:    "60000",
		conf.KeyKafkaFetchMinBytes:     "10",
		conf.KeyKafkaFetchMaxWait:      "100",
		conf.KeyKafkaMaxPartitionFetch: "2097152",
		conf.KeyKafkaIsolationLevel:    "read_committed",
		conf.KeyKafkaGroupID:           "lag-watch",
	}))
	if err != nil {
		t.Fatal(err)
	}
	sc := cfg.ClientConfig
	checks := []struct {
		name string
		ok   bool
	}{
		{"max rate", cfg.MaxRatePerPartition == 1000},
		{"group id", cfg.GroupID == "lag-watch"},
		{"min rate", cfg.MinRatePerPartition == 0},
		{"reset", cfg.AutoOffsetReset == ResetEarliest},
		{"client id", sc.ClientID == "app-7"},
		{"sasl", sc.Net.SASL.Enable && sc.Net.SASL.Mechanism == sarama.SASLTypeSCRAMSHA512 && sc.Net.SASL.User == "alice" && sc.Net.SASL.Password == "pw with space "},
		{"scram client", sc.Net.SASL.SCRAMClientGeneratorFunc != nil},
		{"no tls", !sc.Net.TLS.Enable},
		{"version", sc.Version == sarama.V3_6_0_0},
		{"timeouts", sc.Net.ReadTimeout == 15*time.Second && sc.Net.WriteTimeout == 15*time.Second && sc.Net.DialTimeout == 2*time.Second},
		{"metadata", sc.Metadata.RefreshFrequency == time.Minute},
		{"fetch", sc.Consumer.Fetch.Min == 10 && sc.Consumer.MaxWaitTime == 100*time.Millisecond && sc.Consumer.Fetch.Default == 2097152},
		{"isolation", sc.Consumer.IsolationLevel == sarama.ReadCommitted},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s not applied: %+v", c.name, cfg)
		}
	}
}

func TestConfigFromAppGroupID(t *testing.T) {
	for _, tc := range []struct {
		name string
		conf map[string]string
		want string
	}{
		{"from app name", map[string]string{conf.KeyAppName: "clicks"}, "spindle-clicks"},
		{"app name trimmed", map[string]string{conf.KeyAppName: " clicks "}, "spindle-clicks"},
		{"no app name", nil, DefaultGroupID},
		{"explicit", map[string]string{conf.KeyAppName: "clicks", conf.KeyKafkaGroupID: " billing-lag "}, "billing-lag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := fromConf(withConf(tc.conf))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.GroupID != tc.want {
				t.Fatalf("GroupID = %q, want %q", cfg.GroupID, tc.want)
			}
		})
	}
}

func TestConfigFromAppTLSFiles(t *testing.T) {
	pki := newTestPKI(t)
	cfg, err := fromConf(withConf(map[string]string{
		conf.KeyKafkaSecurityProtocol: "SASL_SSL",
		conf.KeyKafkaSASLUsername:     "u",
		conf.KeyKafkaSASLPassword:     "p",
		conf.KeyKafkaSSLCALocation:    pki.caFile,
		conf.KeyKafkaSSLCertLocation:  pki.certFile,
		conf.KeyKafkaSSLKeyLocation:   pki.keyFile,
	}))
	if err != nil {
		t.Fatal(err)
	}
	sc := cfg.ClientConfig
	if !sc.Net.TLS.Enable || sc.Net.TLS.Config.RootCAs == nil || len(sc.Net.TLS.Config.Certificates) != 1 {
		t.Fatalf("TLS = %+v, want enabled with the CA pool and a client certificate", sc.Net.TLS)
	}
	if !sc.Net.SASL.Enable || sc.Net.SASL.Mechanism != sarama.SASLTypePlaintext {
		t.Fatalf("SASL = %+v, want PLAIN by default", sc.Net.SASL)
	}
}

func TestConfigFromAppErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		conf    map[string]string
		mention string
	}{
		{"unknown key", withConf(map[string]string{"spindle.kafka.enable.auto.commit": "true"}), "spindle.kafka.enable.auto.commit"},
		{"empty group id", withConf(map[string]string{conf.KeyKafkaGroupID: "  "}), conf.KeyKafkaGroupID},
		{"misspelt key", withConf(map[string]string{"spindle.kafka.sasl.user": "u"}), "spindle.kafka.sasl.user"},
		{"missing servers", map[string]string{conf.KeyKafkaTopics: "t"}, conf.KeyKafkaBootstrapServers},
		{"missing topics", map[string]string{conf.KeyKafkaBootstrapServers: "h:1"}, conf.KeyKafkaTopics},
		{"empty servers", withConf(map[string]string{conf.KeyKafkaBootstrapServers: " , "}), conf.KeyKafkaBootstrapServers},
		{"server without port", withConf(map[string]string{conf.KeyKafkaBootstrapServers: "host"}), "host:port"},
		{"server bad port", withConf(map[string]string{conf.KeyKafkaBootstrapServers: "host:99999"}), "port"},
		{"empty topics", withConf(map[string]string{conf.KeyKafkaTopics: ","}), "no topics"},
		{"bad topic", withConf(map[string]string{conf.KeyKafkaTopics: "a b"}), "a b"},
		{"max rate not a number", withConf(map[string]string{conf.KeyKafkaMaxRatePartition: "fast"}), conf.KeyKafkaMaxRatePartition},
		{"negative min rate", withConf(map[string]string{conf.KeyKafkaMinRatePartition: "-1"}), conf.KeyKafkaMinRatePartition},
		{"bad reset", withConf(map[string]string{conf.KeyKafkaAutoOffsetReset: "smallest"}), "smallest"},
		{"bad protocol", withConf(map[string]string{conf.KeyKafkaSecurityProtocol: "TLS"}), conf.KeyKafkaSecurityProtocol},
		{"sasl without protocol", withConf(map[string]string{conf.KeyKafkaSASLUsername: "u"}), conf.KeyKafkaSASLUsername},
		{"ssl without protocol", withConf(map[string]string{conf.KeyKafkaSSLCALocation: "/x"}), conf.KeyKafkaSSLCALocation},
		{"bad mechanism", withConf(map[string]string{conf.KeyKafkaSecurityProtocol: "SASL_PLAINTEXT", conf.KeyKafkaSASLMechanism: "GSSAPI", conf.KeyKafkaSASLUsername: "u", conf.KeyKafkaSASLPassword: "p"}), "GSSAPI"},
		{"sasl without user", withConf(map[string]string{conf.KeyKafkaSecurityProtocol: "SASL_PLAINTEXT", conf.KeyKafkaSASLPassword: "p"}), conf.KeyKafkaSASLUsername},
		{"missing CA file", withConf(map[string]string{conf.KeyKafkaSecurityProtocol: "SSL", conf.KeyKafkaSSLCALocation: filepath.Join(dir, "nope.pem")}), conf.KeyKafkaSSLCALocation},
		{"CA not PEM", withConf(map[string]string{conf.KeyKafkaSecurityProtocol: "SSL", conf.KeyKafkaSSLCALocation: notPEM}), conf.KeyKafkaSSLCALocation},
		{"cert without key", withConf(map[string]string{conf.KeyKafkaSecurityProtocol: "SSL", conf.KeyKafkaSSLCertLocation: notPEM}), conf.KeyKafkaSSLKeyLocation},
		{"bad cert pair", withConf(map[string]string{conf.KeyKafkaSecurityProtocol: "SSL", conf.KeyKafkaSSLCertLocation: notPEM, conf.KeyKafkaSSLKeyLocation: notPEM}), conf.KeyKafkaSSLCertLocation},
		{"bad version", withConf(map[string]string{conf.KeyKafkaVersion: "two"}), conf.KeyKafkaVersion},
		{"bad timeout", withConf(map[string]string{conf.KeyKafkaRequestTimeout: "-5"}), conf.KeyKafkaRequestTimeout},
		{"bad fetch bytes", withConf(map[string]string{conf.KeyKafkaFetchMinBytes: "0"}), conf.KeyKafkaFetchMinBytes},
		{"bad isolation", withConf(map[string]string{conf.KeyKafkaIsolationLevel: "serializable"}), conf.KeyKafkaIsolationLevel},
		{"empty client id", withConf(map[string]string{conf.KeyKafkaClientID: " "}), conf.KeyKafkaClientID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fromConf(tc.conf)
			if !errors.Is(err, ErrInvalidConfig) && !errors.Is(err, errSet) || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("error = %v, want one mentioning %q", err, tc.mention)
			}
		})
	}
}

func TestConfigFromAppKeepsPasswordOutOfErrors(t *testing.T) {
	_, err := fromConf(withConf(map[string]string{
		conf.KeyKafkaSASLPassword: "hunter2-secret",
		conf.KeyKafkaSASLUsername: "u",
	}))
	if err == nil || strings.Contains(err.Error(), "hunter2-secret") {
		t.Fatalf("error = %v, want an error that does not repeat the password", err)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig()
	ok.Brokers, ok.Topics = []string{"h:1"}, []string{"t"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(c *Config){
		func(c *Config) { c.Brokers = nil },
		func(c *Config) { c.Brokers = []string{" "} },
		func(c *Config) { c.Topics = nil },
		func(c *Config) { c.Topics = []string{".."} },
		func(c *Config) { c.MaxRatePerPartition = -1 },
		func(c *Config) { c.MinRatePerPartition = -1 },
		func(c *Config) { c.AutoOffsetReset = "" },
		func(c *Config) { c.ClientConfig = sarama.NewConfig(); c.ClientConfig.Net.MaxOpenRequests = 0 },
	}
	for i, mutate := range bad {
		c := ok
		mutate(&c)
		if err := c.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("case %d: Validate() = %v, want ErrInvalidConfig", i, err)
		}
		if _, err := NewPlanner(c); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("case %d: NewPlanner() = %v, want ErrInvalidConfig", i, err)
		}
	}
}

// planOnce plans one batch with a config built from conf.
func planOnce(conf map[string]string) (Plan, error) {
	cfg, err := fromConf(conf)
	if err != nil {
		return Plan{}, err
	}
	cfg.ClientConfig.Metadata.Retry.Max = 0
	p, err := NewPlanner(cfg)
	if err != nil {
		return Plan{}, err
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	return p.Plan(ctx, PlanInput{BatchDuration: time.Second})
}

func TestSASLAgainstBroker(t *testing.T) {
	for _, mech := range []string{sarama.SASLTypePlaintext, sarama.SASLTypeSCRAMSHA256, sarama.SASLTypeSCRAMSHA512} {
		t.Run(mech, func(t *testing.T) {
			b := kafkatest.Start(t, map[string]int32{"secure": 1}, kafkatest.WithSASL(mech, "alice", "s3cret=,x"))
			b.Produce(t, "secure", 0, 3, kv)
			settings := map[string]string{
				conf.KeyKafkaBootstrapServers: strings.Join(b.Addrs(), ","),
				conf.KeyKafkaTopics:           "secure",
				conf.KeyKafkaAutoOffsetReset:  "earliest",
				conf.KeyKafkaSecurityProtocol: "SASL_PLAINTEXT",
				conf.KeyKafkaSASLMechanism:    mech,
				conf.KeyKafkaSASLUsername:     "alice",
				conf.KeyKafkaSASLPassword:     "s3cret=,x",
			}
			plan, err := planOnce(settings)
			if err != nil {
				t.Fatalf("Plan over SASL %s: %v", mech, err)
			}
			if r := rangeOf(t, plan, "secure", 0); r.Until != 3 {
				t.Fatalf("range = %s, want [0, 3)", r)
			}
			settings[conf.KeyKafkaSASLPassword] = "wrong"
			if _, err := planOnce(settings); err == nil {
				t.Fatalf("Plan with a wrong %s password succeeded", mech)
			}
		})
	}
}

func TestTLSAgainstBroker(t *testing.T) {
	pki := newTestPKI(t)
	b := kafkatest.Start(t, map[string]int32{"tls": 1}, kafkatest.WithTLS(pki.server, pki.client()))
	b.Produce(t, "tls", 0, 4, kv)
	settings := map[string]string{
		conf.KeyKafkaBootstrapServers: strings.Join(b.Addrs(), ","),
		conf.KeyKafkaTopics:           "tls",
		conf.KeyKafkaAutoOffsetReset:  "earliest",
		conf.KeyKafkaSecurityProtocol: "SSL",
		conf.KeyKafkaSSLCALocation:    pki.caFile,
		conf.KeyKafkaSSLCertLocation:  pki.certFile,
		conf.KeyKafkaSSLKeyLocation:   pki.keyFile,
	}
	plan, err := planOnce(settings)
	if err != nil {
		t.Fatalf("Plan over TLS: %v", err)
	}
	if r := rangeOf(t, plan, "tls", 0); r.Until != 4 {
		t.Fatalf("range = %s, want [0, 4)", r)
	}
	// Without the CA the broker's certificate is not trusted.
	delete(settings, conf.KeyKafkaSSLCALocation)
	if _, err := planOnce(settings); err == nil {
		t.Fatalf("Plan without the CA succeeded")
	}
}

func FuzzConfigFromApp(f *testing.F) {
	f.Add(conf.KeyKafkaMaxRatePartition, "100", conf.KeyKafkaSecurityProtocol, "SASL_SSL", "h:1", "t")
	f.Add("spindle.kafka.x", "1", conf.KeyKafkaIsolationLevel, "read_committed", "h", "a,b")
	f.Add(conf.KeyKafkaSASLMechanism, "SCRAM-SHA-256", conf.KeyKafkaRequestTimeout, "9999999999999999999", "[::1]:9092", "")
	f.Add(conf.KeyKafkaGroupID, " ", conf.KeyAppName, "app", "h:1", "t")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, servers, topics string) {
		settings := map[string]string{conf.KeyKafkaBootstrapServers: servers, conf.KeyKafkaTopics: topics, k1: v1, k2: v2}
		for k := range settings {
			// File keys would make the builder read arbitrary paths.
			if strings.HasPrefix(k, "spindle.kafka.ssl.") {
				delete(settings, k)
			}
		}
		cfg, err := fromConf(settings)
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) && !errors.Is(err, errSet) {
				t.Fatalf("error %v is neither a refusal at submit nor ErrInvalidConfig", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "spindle.") && !strings.Contains(msg, "spark.") &&
				!strings.Contains(msg, "topic") && !strings.Contains(msg, "broker") && !strings.Contains(msg, "sarama") &&
				!strings.Contains(msg, "auto offset reset") {
				t.Fatalf("error %q names no key or setting", msg)
			}
			if errors.Is(err, ErrInvalidConfig) {
				if pw, ok := settings[conf.KeyKafkaSASLPassword]; ok && len(pw) > 3 && strings.Contains(msg, pw) {
					t.Fatalf("error %q repeats the password", msg)
				}
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("accepted config does not validate: %v", err)
		}
		if len(cfg.Brokers) == 0 || len(cfg.Topics) == 0 || cfg.ClientConfig == nil || cfg.GroupID == "" {
			t.Fatalf("accepted config lacks brokers, topics or client config: %+v", cfg)
		}
	})
}
