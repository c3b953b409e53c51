package chaos

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is a kind of fault: a process killed, or a host's network or its
// power failing.
type Kind int

// The kinds of fault.
const (
	// KillExecutor SIGKILLs one executor container (its process group).
	KillExecutor Kind = iota
	// KillAM SIGKILLs the ApplicationMaster, which runs the driver.
	KillAM
	// KillNodeManager SIGKILLs a NodeManager; the kernel kills its
	// containers with it.
	KillNodeManager
	// KillResourceManager SIGKILLs the ResourceManager.
	KillResourceManager
	// Partition cuts a NodeManager's host off from the RM only, from
	// every host, or one way, for a while (test hosts only).
	Partition
	// HostCrash is a NodeManager's host losing power: cut off from every
	// host, then every process on it killed at once, its NM and
	// containers, so that its peers are left with half-open connections;
	// its network and NM come back later (test hosts only).
	HostCrash
	// Slow delays or drops a share of a host's packets for a while (test
	// hosts only).
	Slow
	// PauseKafka makes Kafka's host stop answering for a while (test
	// hosts only).
	PauseKafka
	// PauseHDFS makes the HDFS host, which holds the checkpoint, stop
	// answering for a while (test hosts, checkpoints on HDFS).
	PauseHDFS
	// RMActive SIGKILLs the active RM of an HA group; a standby takes
	// over, and the killed RM comes back later as a standby (--rms 3).
	RMActive
	// RMPartition cuts the active RM's host off from the other RMs or
	// from every host for a while: a standby takes over, and the old
	// active RM, fenced, is a standby once healed (test hosts, --rms 3).
	RMPartition
)

// Kinds are every kind of fault, in the order reports list them.
var Kinds = []Kind{KillExecutor, KillAM, KillNodeManager, KillResourceManager, RMActive, Partition, RMPartition, HostCrash, Slow, PauseKafka, PauseHDFS}

// KillKinds are the faults a cluster on one machine can have: processes
// killed.
var KillKinds = []Kind{KillExecutor, KillAM, KillNodeManager, KillResourceManager}

var kindNames = map[Kind]string{
	KillExecutor:        "executor",
	KillAM:              "am",
	KillNodeManager:     "nodemanager",
	KillResourceManager: "resourcemanager",
	Partition:           "partition",
	HostCrash:           "host",
	Slow:                "slow",
	PauseKafka:          "kafka",
	PauseHDFS:           "hdfs",
	RMActive:            "rm-active",
	RMPartition:         "rm-partition",
}

// kindAliases are the short names --faults takes too.
var kindAliases = map[string]Kind{"nm": KillNodeManager, "rm": KillResourceManager}

// String is the kind's name.
func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Title is the kind's name in a table.
func (k Kind) Title() string {
	switch k {
	case KillExecutor:
		return "executor"
	case KillAM:
		return "AM (driver)"
	case KillNodeManager:
		return "NodeManager"
	case KillResourceManager:
		return "ResourceManager"
	case Partition:
		return "partition"
	case HostCrash:
		return "host crash"
	case Slow:
		return "slow link"
	case PauseKafka:
		return "Kafka paused"
	case PauseHDFS:
		return "HDFS paused"
	case RMActive:
		return "active RM"
	case RMPartition:
		return "active RM partitioned"
	}
	return k.String()
}

// onHosts reports whether the kind needs test hosts.
func (k Kind) onHosts() bool { return !slices.Contains(KillKinds, k) && k != RMActive }

// failsOver reports whether the kind takes the active RM of a group away,
// so that another must take over.
func (k Kind) failsOver() bool { return k == RMActive || k == RMPartition }

// groupOnly reports whether the kind needs an HA group of RMs.
func (k Kind) groupOnly() bool { return k.failsOver() }

// lasts reports whether the fault lasts a while and is then undone (a
// network fault), rather than being over at once.
func (k Kind) lasts() bool {
	switch k {
	case Partition, RMPartition, Slow, PauseKafka, PauseHDFS:
		return true
	}
	return false
}

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a kind's name or alias.
func (k *Kind) UnmarshalText(b []byte) error {
	if a, ok := kindAliases[string(b)]; ok {
		*k = a
		return nil
	}
	for kind, n := range kindNames {
		if n == string(b) {
			*k = kind
			return nil
		}
	}
	return fmt.Errorf("chaos: unknown kind of fault %q: want one of %s", b, kindList())
}

// kindList names every kind, as --faults takes them.
func kindList() string {
	var names []string
	for _, k := range Kinds {
		n := k.String()
		for a, ak := range kindAliases {
			if ak == k {
				n = a
			}
		}
		names = append(names, n)
	}
	return strings.Join(names, ",")
}

// ParseKinds reads a comma-separated list of kinds (executor, am, nm, rm,
// rm-active, partition, rm-partition, host, slow, kafka, hdfs; nodemanager and
// resourcemanager too), each once, in the order of Kinds.
func ParseKinds(s string) ([]Kind, error) {
	var out []Kind
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		var k Kind
		if err := k.UnmarshalText([]byte(name)); err != nil {
			return nil, err
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("chaos: no kind of fault in %q: want some of %s", s, kindList())
	}
	slices.SortFunc(out, func(a, b Kind) int { return slices.Index(Kinds, a) - slices.Index(Kinds, b) })
	return out, nil
}
