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
)

// Kinds are every kind of fault, in the order reports list them.
var Kinds = []Kind{KillExecutor, KillAM, KillNodeManager, KillResourceManager, Partition, HostCrash, Slow, PauseKafka, PauseHDFS}

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
	}
	return k.String()
}

// onHosts reports whether the kind needs test hosts.
func (k Kind) onHosts() bool { return !slices.Contains(KillKinds, k) }

// lasts reports whether the fault lasts a while and is then undone (a
// network fault), rather than being over at once.
func (k Kind) lasts() bool {
	switch k {
	case Partition, Slow, PauseKafka, PauseHDFS:
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
// partition, host, slow, kafka, hdfs; nodemanager and resourcemanager
// too), each once, in the order of Kinds.
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
	slices.Sort(out)
	return out, nil
}
