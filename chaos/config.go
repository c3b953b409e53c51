package chaos

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
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
	// Checkpoint is CheckpointFile or CheckpointHDFS; empty chooses HDFS
	// with Hosts, file:// without.
	Checkpoint string
	// Hosts, when not 0, spreads the cluster over that many test hosts
	// (network namespaces on a bridge, each with its own address; needs
	// root): the RM, Kafka and the HDFS each on its own, and a
	// NodeManager on each of the others, so NodeManagers is Hosts − 3.
	Hosts int
	// Faults are the kinds of fault to inject; empty: every kind the run
	// can have (those of KillKinds on one machine).
	Faults []Kind
	// Overlap lets a fault begin before the application has recovered
	// from the last one, and faults overlap in time; otherwise each
	// waits for the recovery from the one before.
	Overlap bool
	// FaultMin and FaultMax bound how long a network fault (partition,
	// slow, kafka, hdfs) lasts before it is undone: drawn uniformly.
	FaultMin, FaultMax time.Duration
	// HostDown is how long a crashed host stays down before its
	// NodeManager starts again.
	HostDown time.Duration
	// SlowDelay is the delay a slow fault adds to each packet a host
	// sends, SlowLoss the share it drops, in percent (one or the other).
	SlowDelay time.Duration
	SlowLoss  int
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

// DefaultConfig is a 30-minute run with a fault about every 20 s after
// recovery, 2,000 transactions per second over 6 partitions, 3 NMs and 3
// executors, one-second batches, on one machine with checkpoints on
// file://, into chaos-out.
func DefaultConfig() Config {
	return Config{
		Duration:        30 * time.Minute,
		Interval:        20 * time.Second,
		Seed:            1,
		Rate:            2000,
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
		FaultMin:        10 * time.Second,
		FaultMax:        25 * time.Second,
		HostDown:        10 * time.Second,
		SlowDelay:       300 * time.Millisecond,
		SlowLoss:        20,
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
	case c.Checkpoint != "" && c.Checkpoint != CheckpointFile && c.Checkpoint != CheckpointHDFS:
		return fmt.Errorf("chaos: checkpoint %q: want %q or %q", c.Checkpoint, CheckpointFile, CheckpointHDFS)
	case c.Hosts != 0 && c.Hosts < 5:
		// RM, Kafka and HDFS on their own, and two NMs at least.
		return fmt.Errorf("chaos: %d hosts: want 5 or more (the RM, Kafka, HDFS and at least 2 NodeManagers each on its own)", c.Hosts)
	case c.Hosts != 0 && c.NodeManagers != c.Hosts-3:
		return fmt.Errorf("chaos: %d NodeManagers on %d hosts: want %d, one on each host but the RM's, Kafka's and HDFS's", c.NodeManagers, c.Hosts, c.Hosts-3)
	case c.FaultMin <= 0 || c.FaultMax < c.FaultMin || c.HostDown < 0:
		return fmt.Errorf("chaos: faults lasting %v to %v, hosts down %v: want 0 < min ≤ max and a down time of 0 or more", c.FaultMin, c.FaultMax, c.HostDown)
	case c.SlowDelay < 0 || c.SlowLoss < 0 || c.SlowLoss > 100 || (c.SlowDelay == 0 && c.SlowLoss == 0):
		return fmt.Errorf("chaos: slow faults of %v delay and %d%% loss: want some delay or some loss (0 to 100%%)", c.SlowDelay, c.SlowLoss)
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
	for _, k := range c.Faults {
		switch {
		case k.onHosts() && c.Hosts == 0:
			return fmt.Errorf("chaos: %s faults need test hosts: run with --hosts 5 or more", k)
		case k == PauseHDFS && c.checkpoint() != CheckpointHDFS:
			return fmt.Errorf("chaos: hdfs faults need the checkpoint on HDFS (--checkpoint hdfs)")
		}
	}
	return nil
}

// checkpoint is where the checkpoint lives, the default resolved.
func (c Config) checkpoint() string {
	switch {
	case c.Checkpoint != "":
		return c.Checkpoint
	case c.Hosts != 0:
		return CheckpointHDFS
	}
	return CheckpointFile
}

// faults are the kinds of fault the run injects, the default resolved.
func (c Config) faults() []Kind {
	switch {
	case len(c.Faults) > 0:
		return c.Faults
	case c.Hosts == 0:
		return KillKinds
	case c.checkpoint() != CheckpointHDFS:
		return slices.DeleteFunc(slices.Clone(Kinds), func(k Kind) bool { return k == PauseHDFS })
	}
	return Kinds
}
