package chaos

import "fmt"

// Kind is what a kill hits.
type Kind int

// The kinds of kill.
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
)

// Kinds are every kind of kill, in the order reports list them.
var Kinds = []Kind{KillExecutor, KillAM, KillNodeManager, KillResourceManager}

var kindNames = map[Kind]string{
	KillExecutor:        "executor",
	KillAM:              "am",
	KillNodeManager:     "nodemanager",
	KillResourceManager: "resourcemanager",
}

// String is the kind's name: executor, am, nodemanager or resourcemanager.
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
	}
	return k.String()
}

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	for kind, n := range kindNames {
		if n == string(b) {
			*k = kind
			return nil
		}
	}
	return fmt.Errorf("chaos: unknown kind of kill %q: want executor, am, nodemanager or resourcemanager", b)
}
