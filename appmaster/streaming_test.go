package appmaster

import (
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestConcurrentJobs: 1 is accepted quietly, more is accepted with a
// warning naming the key (batches still run one at a time), and anything
// that is not a whole number of at least 1 is an error naming the key.
func TestConcurrentJobs(t *testing.T) {
	for _, tc := range []struct {
		value   string
		wantErr bool
		warns   int
	}{
		{"", false, 0},
		{"1", false, 0},
		{"4", false, 1},
		{"0", true, 0},
		{"-2", true, 0},
		{"two", true, 0},
	} {
		core, logs := observer.New(zap.WarnLevel)
		err := checkConcurrentJobs(tc.value, zap.New(core))
		if (err != nil) != tc.wantErr {
			t.Fatalf("%q: error %v, want error %v", tc.value, err, tc.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), KeyConcurrentJobs) {
			t.Fatalf("%q: error %q does not name %s", tc.value, err, KeyConcurrentJobs)
		}
		if logs.Len() != tc.warns {
			t.Fatalf("%q: %d warnings, want %d", tc.value, logs.Len(), tc.warns)
		}
		for _, e := range logs.All() {
			if e.ContextMap()["key"] != KeyConcurrentJobs {
				t.Fatalf("%q: warning %v does not name the key", tc.value, e.ContextMap())
			}
		}
	}
}
