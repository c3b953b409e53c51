package driver

import (
	"strings"
	"testing"

	"github.com/spindlehq/spindle/conf"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// settings sets keys as spindle submit does, failing the test on a
// refusal.
func settings(t *testing.T, m map[string]string) conf.AppConf {
	t.Helper()
	var a conf.AppConf
	for k, v := range m {
		if err := a.Set(k, v); err != nil {
			t.Fatalf("%s=%q: %v", k, v, err)
		}
	}
	return a
}

// TestConcurrentJobs: 1 is accepted quietly and more is accepted with a
// warning naming the key (batches still run one at a time); submit refuses
// anything that is not a whole number of at least 1.
func TestConcurrentJobs(t *testing.T) {
	base := map[string]string{
		"spindle.kafka.bootstrap.servers": "127.0.0.1:9092",
		"spindle.kafka.topics":            "orders",
		conf.KeyCheckpointDir:             "file:///tmp/ckpt",
		conf.KeySinkPath:                  "file:///tmp/out",
	}
	for _, tc := range []struct {
		value string
		warns int
	}{{"", 0}, {"1", 0}, {"4", 1}} {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		if tc.value != "" {
			m[conf.KeyConcurrentJobs] = tc.value
		}
		core, logs := observer.New(zap.WarnLevel)
		if _, err := NewStreaming(StreamingConfig{Settings: settings(t, m), JobPath: "job", Logger: zap.New(core)}); err != nil {
			t.Fatalf("%q: %v", tc.value, err)
		}
		if logs.Len() != tc.warns {
			t.Fatalf("%q: %d warnings, want %d", tc.value, logs.Len(), tc.warns)
		}
		for _, e := range logs.All() {
			if e.ContextMap()["key"] != conf.KeyConcurrentJobs {
				t.Fatalf("%q: warning %v does not name the key", tc.value, e.ContextMap())
			}
		}
	}
	for _, v := range []string{"0", "-2", "two"} {
		var a conf.AppConf
		if err := a.Set(conf.KeyConcurrentJobs, v); err == nil {
			t.Errorf("%s=%q accepted", conf.KeyConcurrentJobs, v)
		}
	}
}

// TestStreamingDriverChecksTheSinkSettings: a mistake in the sink's
// settings stops the driver before any executor starts, and CheckStreaming
// finds it at submit, naming the key.
func TestStreamingDriverChecksTheSinkSettings(t *testing.T) {
	base := map[string]string{
		"spindle.kafka.bootstrap.servers": "127.0.0.1:9092",
		"spindle.kafka.topics":            "orders",
		conf.KeyCheckpointDir:             "file:///tmp/ckpt",
		conf.KeySinkPath:                  "file:///tmp/out",
	}
	for _, tc := range []struct {
		name string
		set  map[string]string
		want string
	}{
		{"kafka without topic", map[string]string{"spindle.sink.kind": "kafka"}, "spindle.sink.kafka.topic"},
		{"kafka key with the file sink", map[string]string{"spindle.sink.kafka.topic": "out"}, "spindle.sink.kind"},
		{"file sink without path", map[string]string{conf.KeySinkPath: ""}, conf.KeySinkPath},
		{"no checkpoint dir", map[string]string{conf.KeyCheckpointDir: ""}, conf.KeyCheckpointDir},
		{"no Kafka topics", map[string]string{"spindle.kafka.topics": ""}, "spindle.kafka.topics is required"},
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
			a := settings(t, c)
			if _, err := NewStreaming(StreamingConfig{Settings: a, JobPath: "job"}); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewStreaming error %v, want one naming %s", err, tc.want)
			}
			if err := CheckStreaming(a); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("CheckStreaming error %v, want one naming %s", err, tc.want)
			}
		})
	}
	if _, err := NewStreaming(StreamingConfig{Settings: settings(t, base), JobPath: "job"}); err != nil {
		t.Fatalf("valid settings: %v", err)
	}
}
