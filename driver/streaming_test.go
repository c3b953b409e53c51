package driver

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

// TestStreamingDriverChecksTheSinkSettings: a mistake in the sink's
// settings stops the driver before any executor starts, naming the key.
func TestStreamingDriverChecksTheSinkSettings(t *testing.T) {
	base := map[string]string{
		"spindle.kafka.bootstrap.servers": "127.0.0.1:9092",
		"spindle.kafka.topics":            "orders",
		KeyCheckpointDir:                  "file:///tmp/ckpt",
		KeySinkPath:                       "file:///tmp/out",
	}
	for _, tc := range []struct {
		name string
		set  map[string]string
		want string
	}{
		{"unknown kind", map[string]string{"spindle.sink.kind": "s3"}, "spindle.sink.kind"},
		{"kafka without topic", map[string]string{"spindle.sink.kind": "kafka"}, "spindle.sink.kafka.topic"},
		{"kafka key with the file sink", map[string]string{"spindle.sink.kafka.topic": "out"}, "spindle.sink.kind"},
		{"file sink without path", map[string]string{KeySinkPath: ""}, KeySinkPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := map[string]string{}
			for k, v := range base {
				c[k] = v
			}
			for k, v := range tc.set {
				if v == "" {
					delete(c, k)
				} else {
					c[k] = v
				}
			}
			_, err := NewStreaming(StreamingConfig{Conf: c, JobPath: "job"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewStreaming error %v, want one naming %s", err, tc.want)
			}
		})
	}
	if _, err := NewStreaming(StreamingConfig{Conf: base, JobPath: "job"}); err != nil {
		t.Fatalf("valid settings: %v", err)
	}
}
