package chaos

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"go.uber.org/zap"
)

// Where the job's checkpoint lives.
const (
	// CheckpointFile keeps the checkpoint on the local file system.
	CheckpointFile = "file"
	// CheckpointHDFS keeps it on an in-process HDFS (NameNode and
	// DataNode), reached by the driver over Hadoop's wire protocol.
	CheckpointHDFS = "hdfs"
)

// Config shapes a chaos run.
type Config struct {
	// Duration is how long kills go on, from the application's first
	// batch with records; the last kill's recovery may run past it.
	Duration time.Duration
	// Interval is the mean gap between the recovery from one kill and the
	// next kill; each gap is drawn uniformly from [Interval/2, 3·Interval/2).
	Interval time.Duration
	// Seed decides the kinds of kill, their gaps and their victims.
	Seed uint64
	// Rate is the transactions per second the producer writes.
	Rate float64
	// Checkpoint is CheckpointFile or CheckpointHDFS.
	Checkpoint string
	// Out is the directory for the report, the plot and the cluster's
	// files (daemons' and containers' logs, sink, checkpoint). An existing
	// one is emptied if an earlier run wrote it, and refused otherwise.
	Out string
	// Binary is the spindle binary the daemons and submit run.
	Binary string
	// Job is the retail job binary (examples/retail built); empty builds
	// it from Source with `go build`.
	Job string
	// Source is the Spindle source tree Job is built from; empty finds
	// the one the working directory is in.
	Source string
	// NodeManagers is how many NMs the cluster has.
	NodeManagers int
	// NMMemory is each NM's yarn.nodemanager.resource.memory-mb ("4g").
	NMMemory string
	// NMVCores is each NM's yarn.nodemanager.resource.cpu-vcores.
	NMVCores int
	// Executors is the application's --num-executors.
	Executors int
	// Partitions is the transactions topic's partition count.
	Partitions int32
	// BatchDuration is the job's spindle.streaming.batchDuration.
	BatchDuration time.Duration
	// InvalidEvery makes one transaction in InvalidEvery invalid, so that
	// dead letters are checked too; 0 makes none.
	InvalidEvery int
	// NMRestartDelay is how long a killed NM stays down before the
	// supervisor starts it again on its address.
	NMRestartDelay time.Duration
	// RMRestartDelay is how long the killed RM stays down.
	RMRestartDelay time.Duration
	// RecoveryTimeout bounds the wait for recovery after a kill; a kill
	// not recovered from by then fails the run.
	RecoveryTimeout time.Duration
	// StopTimeout bounds the end: catching up with the producer, the
	// graceful stop, and the daemons' exit.
	StopTimeout time.Duration
	// SampleInterval is how often the cluster's state (application,
	// attempts, nodes, containers) is sampled.
	SampleInterval time.Duration
	// Stdout receives the lines a person reads: kills, recoveries, the
	// summary.
	Stdout io.Writer
	// Logger receives the run's log.
	Logger *zap.Logger
}

// DefaultConfig is a 30-minute run with a kill about every 20 s after
// recovery, 2,000 transactions per second over 6 partitions, 3 NMs and 3
// executors, one-second batches, checkpoints on file://, into chaos-out.
func DefaultConfig() Config {
	return Config{
		Duration:        30 * time.Minute,
		Interval:        20 * time.Second,
		Seed:            1,
		Rate:            2000,
		Checkpoint:      CheckpointFile,
		Out:             "chaos-out",
		NodeManagers:    3,
		NMMemory:        "4g",
		NMVCores:        4,
		Executors:       3,
		Partitions:      6,
		BatchDuration:   time.Second,
		InvalidEvery:    200,
		NMRestartDelay:  5 * time.Second,
		RMRestartDelay:  2 * time.Second,
		RecoveryTimeout: 90 * time.Second,
		StopTimeout:     3 * time.Minute,
		SampleInterval:  200 * time.Millisecond,
		Stdout:          io.Discard,
		Logger:          zap.NewNop(),
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	switch {
	case c.Duration <= 0:
		return fmt.Errorf("chaos: duration %v: want a positive duration", c.Duration)
	case c.Interval <= 0:
		return fmt.Errorf("chaos: interval %v: want a positive duration", c.Interval)
	case c.Rate <= 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0):
		return fmt.Errorf("chaos: rate %v: want a positive number of transactions per second", c.Rate)
	case c.Checkpoint != CheckpointFile && c.Checkpoint != CheckpointHDFS:
		return fmt.Errorf("chaos: checkpoint %q: want %q or %q", c.Checkpoint, CheckpointFile, CheckpointHDFS)
	case c.Out == "":
		return errors.New("chaos: no output directory")
	case c.Binary == "":
		return errors.New("chaos: no spindle binary for the daemons")
	case c.NodeManagers < 2:
		// A killed NM's work must have somewhere to go.
		return fmt.Errorf("chaos: %d NodeManagers: want at least 2", c.NodeManagers)
	case c.NMMemory == "" || c.NMVCores < 1:
		return fmt.Errorf("chaos: NodeManager resources %q, %d vcores: want a memory size and at least 1 vcore", c.NMMemory, c.NMVCores)
	case c.Executors < 2:
		// A killed executor's tasks must have somewhere to go.
		return fmt.Errorf("chaos: %d executors: want at least 2", c.Executors)
	case c.Partitions < 1:
		return fmt.Errorf("chaos: %d partitions: want at least 1", c.Partitions)
	case c.BatchDuration <= 0:
		return fmt.Errorf("chaos: batch duration %v: want a positive duration", c.BatchDuration)
	case c.InvalidEvery < 0:
		return fmt.Errorf("chaos: invalid every %d transactions: want 0 (none) or more", c.InvalidEvery)
	case c.NMRestartDelay < 0 || c.RMRestartDelay < 0:
		return fmt.Errorf("chaos: restart delays %v, %v: want 0 or more", c.NMRestartDelay, c.RMRestartDelay)
	case c.RecoveryTimeout <= 0 || c.StopTimeout <= 0 || c.SampleInterval <= 0:
		return errors.New("chaos: recovery timeout, stop timeout and sample interval must be positive")
	}
	return nil
}
