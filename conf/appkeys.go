package conf

import (
	"fmt"
	"strings"
	"sync"
)

// Groups of application keys, in the documentation's order.
const (
	GroupSubmission = "Submission"
	GroupResources  = "Driver and executors"
	GroupStreaming  = "Streaming"
	GroupStages     = "Keyed stages"
	GroupKafka      = "Kafka source"
	GroupSink       = "Sink"
	GroupLogging    = "Application logs"
	GroupIgnored    = "Accepted and ignored"
)

// appKeyTables are the application keys, group by group, in the
// documentation's order.
var appKeyTables = [][]Key{submissionKeys, resourceKeys, streamingKeys, stagesKeys, receiverKeys, kafkaKeys, sinkKeys, appLogKeys, securityKeys, ignoredKeys}

// appRegistry indexes the application keys once.
var appRegistry = sync.OnceValues(func() (*registry, error) {
	r := &registry{exact: map[string]int{}}
	for _, table := range appKeyTables {
		for _, k := range table {
			k.Scope = ScopeApplication
			if err := r.add(k); err != nil {
				return nil, fmt.Errorf("conf: application key %w", err)
			}
		}
	}
	return r, nil
})

// mustAppRegistry returns the application keys; their table is checked by
// the package's tests, so an error is a build defect, not bad input.
func mustAppRegistry() *registry {
	r, err := appRegistry()
	if err != nil {
		panic(err)
	}
	return r
}

// AppKeys returns every application key and family that Spindle knows,
// Spark's and its own, in the documentation's order: those `spindle
// submit` checks and the ApplicationMaster and executors act on, and
// those Spindle accepts and ignores (Key.Ignored). The slice is a copy.
func AppKeys() []Key {
	return mustAppRegistry().copyKeys()
}

// LookupAppKey returns the application key or most specific family that
// name belongs to; an older name (Key.Alternatives) gives its key.
func LookupAppKey(name string) (Key, bool) {
	k, ok := mustAppRegistry().lookup(name)
	if !ok {
		return Key{}, false
	}
	return *k, true
}

// SuggestAppKey returns the application key nearest to name by edit
// distance, with the distance, for "did you mean" messages. Older names
// count, families and ignored keys do not.
func SuggestAppKey(name string) (string, int) {
	r := mustAppRegistry()
	best, bestDist := "", -1
	consider := func(n string) {
		if d := EditDistance(strings.ToLower(name), strings.ToLower(n)); bestDist < 0 || d < bestDist {
			best, bestDist = n, d
		}
	}
	for _, k := range r.keys {
		if k.IsFamily() || k.Ignored != "" {
			continue
		}
		consider(k.Name)
		for _, alt := range k.Alternatives {
			consider(alt)
		}
	}
	return best, bestDist
}

// CheckValue checks a value of the key k (found with LookupAppKey or
// LookupKey), unexpanded, as Load and `spindle submit` do: its type,
// allowed values, minimum and own check. The error shows the value and
// what is accepted, but not the key.
func CheckValue(k Key, v string) error {
	return checkValue(&k, v)
}
