package kafkasource

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/internal/kafkatest"
)

func baseConf() map[string]string {
	return map[string]string{
		KeyBootstrapServers: "127.0.0.1:9092, broker2:9093",
		KeyTopics:           "orders,  audit",
	}
}

func withConf(extra map[string]string) map[string]string {
	c := baseConf()
	maps.Copy(c, extra)
	return c
}

func TestConfigFromConfDefaults(t *testing.T) {
	cfg, err := ConfigFromConf(withConf(map[string]string{"spark.app.name": "x", "spark.streaming.kafka.consumer.poll.ms": "5"}))
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

func TestConfigFromConfAllKeys(t *testing.T) {
	cfg, err := ConfigFromConf(withConf(map[string]string{
		KeyMaxRate:                "1000",
		KeyMinRate:                "0",
		KeyAutoOffsetReset:        "Earliest",
		KeyClientID:               "app-7",
		KeySecurityProtocol:       "sasl_plaintext",
		KeySASLMechanism:          "scram-sha-512",
		KeySASLUsername:           "alice",
		KeySASLPassword:           "pw with space ",
		KeyKafkaVersion:           "3.6.0",
		KeyRequestTimeout:         "15000",
		KeyConnectTimeout:         "2000",
		KeyMetadataMaxAge:         "60000",
		KeyFetchMinBytes:          "10",
		KeyFetchMaxWait:           "100",
		KeyMaxPartitionFetchBytes: "2097152",
		KeyIsolationLevel:         "read_committed",
		KeyGroupID:                "lag-watch",
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

func TestConfigFromConfGroupID(t *testing.T) {
	for _, tc := range []struct {
		name string
		conf map[string]string
		want string
	}{
		{"from app name", map[string]string{KeyAppName: "clicks"}, "spindle-clicks"},
		{"app name trimmed", map[string]string{KeyAppName: " clicks "}, "spindle-clicks"},
		{"no app name", nil, DefaultGroupID},
		{"blank app name", map[string]string{KeyAppName: " "}, DefaultGroupID},
		{"explicit", map[string]string{KeyAppName: "clicks", KeyGroupID: " billing-lag "}, "billing-lag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ConfigFromConf(withConf(tc.conf))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.GroupID != tc.want {
				t.Fatalf("GroupID = %q, want %q", cfg.GroupID, tc.want)
			}
		})
	}
}

func TestConfigFromConfTLSFiles(t *testing.T) {
	pki := newTestPKI(t)
	cfg, err := ConfigFromConf(withConf(map[string]string{
		KeySecurityProtocol: "SASL_SSL",
		KeySASLUsername:     "u",
		KeySASLPassword:     "p",
		KeySSLCALocation:    pki.caFile,
		KeySSLCertLocation:  pki.certFile,
		KeySSLKeyLocation:   pki.keyFile,
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

func TestConfigFromConfErrors(t *testing.T) {
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
		{"empty group id", withConf(map[string]string{KeyGroupID: "  "}), KeyGroupID},
		{"misspelt key", withConf(map[string]string{"spindle.kafka.sasl.user": "u"}), "spindle.kafka.sasl.user"},
		{"missing servers", map[string]string{KeyTopics: "t"}, KeyBootstrapServers},
		{"missing topics", map[string]string{KeyBootstrapServers: "h:1"}, KeyTopics},
		{"empty servers", withConf(map[string]string{KeyBootstrapServers: " , "}), KeyBootstrapServers},
		{"server without port", withConf(map[string]string{KeyBootstrapServers: "host"}), "host:port"},
		{"server bad port", withConf(map[string]string{KeyBootstrapServers: "host:99999"}), "port"},
		{"empty topics", withConf(map[string]string{KeyTopics: ","}), "no topics"},
		{"bad topic", withConf(map[string]string{KeyTopics: "a b"}), "a b"},
		{"max rate not a number", withConf(map[string]string{KeyMaxRate: "fast"}), KeyMaxRate},
		{"negative min rate", withConf(map[string]string{KeyMinRate: "-1"}), KeyMinRate},
		{"bad reset", withConf(map[string]string{KeyAutoOffsetReset: "smallest"}), "smallest"},
		{"bad protocol", withConf(map[string]string{KeySecurityProtocol: "TLS"}), KeySecurityProtocol},
		{"sasl without protocol", withConf(map[string]string{KeySASLUsername: "u"}), KeySASLUsername},
		{"ssl without protocol", withConf(map[string]string{KeySSLCALocation: "/x"}), KeySSLCALocation},
		{"bad mechanism", withConf(map[string]string{KeySecurityProtocol: "SASL_PLAINTEXT", KeySASLMechanism: "GSSAPI", KeySASLUsername: "u", KeySASLPassword: "p"}), "GSSAPI"},
		{"sasl without user", withConf(map[string]string{KeySecurityProtocol: "SASL_PLAINTEXT", KeySASLPassword: "p"}), KeySASLUsername},
		{"missing CA file", withConf(map[string]string{KeySecurityProtocol: "SSL", KeySSLCALocation: filepath.Join(dir, "nope.pem")}), KeySSLCALocation},
		{"CA not PEM", withConf(map[string]string{KeySecurityProtocol: "SSL", KeySSLCALocation: notPEM}), KeySSLCALocation},
		{"cert without key", withConf(map[string]string{KeySecurityProtocol: "SSL", KeySSLCertLocation: notPEM}), KeySSLKeyLocation},
		{"bad cert pair", withConf(map[string]string{KeySecurityProtocol: "SSL", KeySSLCertLocation: notPEM, KeySSLKeyLocation: notPEM}), KeySSLCertLocation},
		{"bad version", withConf(map[string]string{KeyKafkaVersion: "two"}), KeyKafkaVersion},
		{"bad timeout", withConf(map[string]string{KeyRequestTimeout: "-5"}), KeyRequestTimeout},
		{"bad fetch bytes", withConf(map[string]string{KeyFetchMinBytes: "0"}), KeyFetchMinBytes},
		{"bad isolation", withConf(map[string]string{KeyIsolationLevel: "serializable"}), KeyIsolationLevel},
		{"empty client id", withConf(map[string]string{KeyClientID: " "}), KeyClientID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ConfigFromConf(tc.conf)
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.mention) {
				t.Fatalf("ConfigFromConf error = %v, want ErrInvalidConfig mentioning %q", err, tc.mention)
			}
		})
	}
}

func TestConfigFromConfKeepsPasswordOutOfErrors(t *testing.T) {
	_, err := ConfigFromConf(withConf(map[string]string{
		KeySASLPassword: "hunter2-secret",
		KeySASLUsername: "u",
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
	cfg, err := ConfigFromConf(conf)
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
			conf := map[string]string{
				KeyBootstrapServers: strings.Join(b.Addrs(), ","),
				KeyTopics:           "secure",
				KeyAutoOffsetReset:  "earliest",
				KeySecurityProtocol: "SASL_PLAINTEXT",
				KeySASLMechanism:    mech,
				KeySASLUsername:     "alice",
				KeySASLPassword:     "s3cret=,x",
			}
			plan, err := planOnce(conf)
			if err != nil {
				t.Fatalf("Plan over SASL %s: %v", mech, err)
			}
			if r := rangeOf(t, plan, "secure", 0); r.Until != 3 {
				t.Fatalf("range = %s, want [0, 3)", r)
			}
			conf[KeySASLPassword] = "wrong"
			if _, err := planOnce(conf); err == nil {
				t.Fatalf("Plan with a wrong %s password succeeded", mech)
			}
		})
	}
}

func TestTLSAgainstBroker(t *testing.T) {
	pki := newTestPKI(t)
	b := kafkatest.Start(t, map[string]int32{"tls": 1}, kafkatest.WithTLS(pki.server, pki.client()))
	b.Produce(t, "tls", 0, 4, kv)
	conf := map[string]string{
		KeyBootstrapServers: strings.Join(b.Addrs(), ","),
		KeyTopics:           "tls",
		KeyAutoOffsetReset:  "earliest",
		KeySecurityProtocol: "SSL",
		KeySSLCALocation:    pki.caFile,
		KeySSLCertLocation:  pki.certFile,
		KeySSLKeyLocation:   pki.keyFile,
	}
	plan, err := planOnce(conf)
	if err != nil {
		t.Fatalf("Plan over TLS: %v", err)
	}
	if r := rangeOf(t, plan, "tls", 0); r.Until != 4 {
		t.Fatalf("range = %s, want [0, 4)", r)
	}
	// Without the CA the broker's certificate is not trusted.
	delete(conf, KeySSLCALocation)
	if _, err := planOnce(conf); err == nil {
		t.Fatalf("Plan without the CA succeeded")
	}
}

func FuzzConfigFromConf(f *testing.F) {
	f.Add(KeyMaxRate, "100", KeySecurityProtocol, "SASL_SSL", "h:1", "t")
	f.Add("spindle.kafka.x", "1", KeyIsolationLevel, "read_committed", "h", "a,b")
	f.Add(KeySASLMechanism, "SCRAM-SHA-256", KeyRequestTimeout, "9999999999999999999", "[::1]:9092", "")
	f.Add(KeyGroupID, " ", KeyAppName, "app", "h:1", "t")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, servers, topics string) {
		conf := map[string]string{KeyBootstrapServers: servers, KeyTopics: topics, k1: v1, k2: v2}
		for k := range conf {
			// File keys would make the parser read arbitrary paths.
			if strings.HasPrefix(k, "spindle.kafka.ssl.") {
				delete(conf, k)
			}
		}
		cfg, err := ConfigFromConf(conf)
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error %v does not wrap ErrInvalidConfig", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "spindle.kafka.") && !strings.Contains(msg, "spark.streaming.kafka.") &&
				!strings.Contains(msg, "topic") && !strings.Contains(msg, "broker") && !strings.Contains(msg, "sarama") &&
				!strings.Contains(msg, "auto offset reset") {
				t.Fatalf("error %q names no key or setting", msg)
			}
			if pw, ok := conf[KeySASLPassword]; ok && len(pw) > 3 && strings.Contains(msg, pw) {
				t.Fatalf("error %q repeats the password", msg)
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
