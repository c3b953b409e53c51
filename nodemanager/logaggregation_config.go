package nodemanager

import (
	"fmt"
	"net/url"
	"time"

	"go.uber.org/zap"
)

// aggregatorPollInterval is how often the aggregator looks for finished
// applications whose containers on the node have all ended.
const aggregatorPollInterval = time.Second

// aggregatorMaxBackoff bounds the wait between retries of a failed upload.
const aggregatorMaxBackoff = time.Minute

// appOnNode is what the node knows of an application from its containers.
type appOnNode struct {
	// user is the application's user, from its container tokens.
	user string
	// running: a container of the application has not completed here.
	running bool
}

// aggregatorConfig configures a logAggregator.
type aggregatorConfig struct {
	// Enabled uploads finished applications' logs; when false they are
	// only deleted after Retain (yarn.log-aggregation-enable).
	Enabled bool
	// RemoteDir is the file:// or hdfs:// URI of the aggregated logs
	// (yarn.nodemanager.remote-app-log-dir).
	RemoteDir string
	// Retain is how long a finished application's local logs are kept
	// (yarn.nodemanager.log.retain-seconds).
	Retain time.Duration
	// RollInterval is how often running applications' rolled files are
	// uploaded; 0 = only when the application finishes.
	RollInterval time.Duration
	// PollInterval is how often finished applications are checked for
	// containers still running; 0 = aggregatorPollInterval.
	PollInterval time.Duration
	// LogDirs are the node's container log dirs (yarn.nodemanager.log-dirs).
	LogDirs []string
	// NodeID names the node's directory in each application's logs.
	NodeID string
	// Apps returns the applications with containers on the node, by id.
	Apps func() map[string]appOnNode
	// Logger receives the aggregator's log; nil = none.
	Logger *zap.Logger
	// Now is the clock uploads and deletions are timed by; nil = time.Now.
	Now func() time.Time
}

// logAggregationConfig is the part of c the aggregator needs.
func (c Config) logAggregationConfig() aggregatorConfig {
	return aggregatorConfig{
		Enabled:      c.LogAggregation,
		RemoteDir:    c.RemoteAppLogDir,
		Retain:       c.LogRetain,
		RollInterval: c.LogRollInterval,
		LogDirs:      c.LogDirs,
	}
}

// validate reports the first invalid setting, by its key.
func (c aggregatorConfig) validate() error {
	if c.Retain < 0 {
		return fmt.Errorf("nodemanager: yarn.nodemanager.log.retain-seconds = %v: must not be negative", c.Retain)
	}
	if c.RollInterval < 0 {
		return fmt.Errorf("nodemanager: yarn.nodemanager.log-aggregation.roll-monitoring-interval-seconds = %v: must not be negative (0 uploads only when an application finishes)", c.RollInterval)
	}
	if c.PollInterval < 0 {
		return fmt.Errorf("nodemanager: log aggregation poll interval %v: must not be negative", c.PollInterval)
	}
	if !c.Enabled {
		return nil
	}
	u, err := url.Parse(c.RemoteDir)
	switch {
	case c.RemoteDir == "":
		return fmt.Errorf("nodemanager: yarn.log-aggregation-enable is true but yarn.nodemanager.remote-app-log-dir is empty: set it to a file:///… or hdfs://… URI")
	case err != nil:
		return fmt.Errorf("nodemanager: yarn.nodemanager.remote-app-log-dir %q: %w", c.RemoteDir, err)
	case u.Scheme != "file" && u.Scheme != "hdfs":
		return fmt.Errorf("nodemanager: yarn.nodemanager.remote-app-log-dir %q: want a file:///… or hdfs://… URI", c.RemoteDir)
	}
	return nil
}
