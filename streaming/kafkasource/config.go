package kafkasource

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/IBM/sarama"
	"go.uber.org/zap"
)

// Values of Config.AutoOffsetReset, Kafka's auto.offset.reset.
const (
	// ResetEarliest starts at the earliest offset the broker holds.
	ResetEarliest = "earliest"
	// ResetLatest starts at the next offset to be written.
	ResetLatest = "latest"
	// ResetNone fails instead of choosing an offset.
	ResetNone = "none"
)

// DefaultClientID is the client id sent to brokers when none is configured.
const DefaultClientID = "spindle"

// Config configures a Planner and a Reader.
type Config struct {
	// Brokers are the bootstrap brokers, host:port each
	// (spindle.kafka.bootstrap.servers).
	Brokers []string
	// Topics are the subscribed topics; every partition of each is read,
	// including partitions added later (spindle.kafka.topics).
	Topics []string
	// MaxRatePerPartition caps how many records per second each partition
	// contributes to a batch; 0 means unlimited
	// (spark.streaming.kafka.maxRatePerPartition).
	MaxRatePerPartition int64
	// MinRatePerPartition is, as in Spark, the least number of records per
	// batch each partition may read whenever a rate limit applies; 0 means
	// no floor. DefaultConfig sets 1
	// (spark.streaming.kafka.minRatePerPartition).
	MinRatePerPartition int64
	// AutoOffsetReset says where a new partition starts and where reading
	// resumes when retention deleted the next offset: earliest, latest or
	// none (spindle.kafka.auto.offset.reset, default latest).
	AutoOffsetReset string
	// ClientConfig is the sarama configuration (TLS, SASL, timeouts, version
	// and so on); nil means sarama's defaults with client id spindle and
	// fetches waiting at most DefaultFetchMaxWait. It is copied, and the copy
	// is made to return consumer errors, which reading relies on.
	ClientConfig *sarama.Config
	// GroupID is the consumer group a GroupCommitter commits processed
	// offsets to, so that lag monitors see the stream's progress; the
	// group never decides what is read. Planner and Reader ignore it
	// (spindle.kafka.group.id; ConfigFromApp defaults it to
	// spindle-<spark.app.name>).
	GroupID string
	// Membership says whether and how the GroupCommitter keeps the driver
	// a member of the group (spindle.kafka.group.join and the group keys
	// of groupkeys.go).
	Membership Membership
	// Logger receives out-of-range and planning logs; nil logs nothing.
	Logger *zap.Logger
}

// DefaultConfig returns a configuration with Spark's and Kafka's defaults;
// Brokers and Topics still have to be set.
func DefaultConfig() Config {
	return Config{
		MinRatePerPartition: 1,
		AutoOffsetReset:     ResetLatest,
		Membership:          DefaultMembership(),
	}
}

// Validate checks the configuration, including the sarama one.
func (c Config) Validate() error {
	if len(c.Brokers) == 0 {
		return fmt.Errorf("%w: no bootstrap brokers", ErrInvalidConfig)
	}
	for _, b := range c.Brokers {
		if strings.TrimSpace(b) == "" {
			return fmt.Errorf("%w: empty bootstrap broker address", ErrInvalidConfig)
		}
	}
	if len(c.Topics) == 0 {
		return fmt.Errorf("%w: no topics", ErrInvalidConfig)
	}
	for _, t := range c.Topics {
		if err := validateTopic(t); err != nil {
			return err
		}
	}
	if c.MaxRatePerPartition < 0 {
		return fmt.Errorf("%w: max rate per partition %d must be >= 0", ErrInvalidConfig, c.MaxRatePerPartition)
	}
	if c.MinRatePerPartition < 0 {
		return fmt.Errorf("%w: min rate per partition %d must be >= 0", ErrInvalidConfig, c.MinRatePerPartition)
	}
	if !slices.Contains([]string{ResetEarliest, ResetLatest, ResetNone}, c.AutoOffsetReset) {
		return fmt.Errorf("%w: auto offset reset %q must be earliest, latest or none", ErrInvalidConfig, c.AutoOffsetReset)
	}
	if c.ClientConfig != nil {
		if err := c.ClientConfig.Validate(); err != nil {
			return fmt.Errorf("%w: sarama config: %w", ErrInvalidConfig, err)
		}
	}
	return nil
}

// validateTopic applies Kafka's topic name rules.
func validateTopic(t string) error {
	if t == "" || t == "." || t == ".." || len(t) > 249 {
		return fmt.Errorf("%w: invalid topic name %q", ErrInvalidConfig, t)
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("%w: invalid character %q in topic name %q", ErrInvalidConfig, r, t)
		}
	}
	return nil
}

// saramaConfig returns the client configuration to connect with.
func (c Config) saramaConfig() *sarama.Config {
	var sc *sarama.Config
	if c.ClientConfig != nil {
		cp := *c.ClientConfig
		sc = &cp
	} else {
		sc = newSaramaConfig()
	}
	sc.Consumer.Return.Errors = true
	return sc
}

// DefaultFetchMaxWait is how long a fetch may wait at the broker for data,
// unless configured otherwise. A Reader only asks for offsets that exist,
// so a long wait never brings more data; it only happens on the fetch
// sarama sends after a range's last record, and it would hold up the next
// range read over the same connection.
const DefaultFetchMaxWait = 10 * time.Millisecond

// newSaramaConfig is sarama's defaults, tuned for a client that only ever
// asks about the subscribed topics and reads ranges known to exist.
func newSaramaConfig() *sarama.Config {
	sc := sarama.NewConfig()
	sc.ClientID = DefaultClientID
	sc.Metadata.Full = false
	sc.Consumer.Return.Errors = true
	sc.Consumer.MaxWaitTime = DefaultFetchMaxWait
	return sc
}

func (c Config) logger() *zap.Logger {
	if c.Logger == nil {
		return zap.NewNop()
	}
	return c.Logger
}
