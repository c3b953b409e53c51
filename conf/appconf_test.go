package conf

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// mustSet sets pairs of keys and values, failing the test on error.
func mustSet(t *testing.T, pairs ...string) *AppConf {
	t.Helper()
	a := &AppConf{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := a.Set(pairs[i], pairs[i+1]); err != nil {
			t.Fatalf("Set(%s, %q): %v", pairs[i], pairs[i+1], err)
		}
	}
	return a
}

func TestAppConfGetters(t *testing.T) {
	a := mustSet(t,
		"spark.executor.instances", "6",
		"spark.executor.memory", "4g",
		"spark.locality.wait", "250",
		"spindle.kafka.topics", " a, b ,,c",
		"spark.speculation", "TRUE",
		"spark.executor.memoryOverheadFactor", "0.25",
		"spark.executorEnv.TZ", "UTC",
		"spark.yarn.appMasterEnv.MODE", "x",
		"spark.app.name", "retail",
	)
	if got := a.Int(KeyExecutorInstances); got != 6 {
		t.Errorf("instances = %d", got)
	}
	if got := a.MB(KeyExecutorMemory); got != 4096 {
		t.Errorf("memory = %d MiB", got)
	}
	if got := a.Duration(KeyLocalityWait); got != 250*time.Millisecond {
		t.Errorf("locality wait = %v", got)
	}
	if got := a.List(KeyKafkaTopics); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("topics = %q", got)
	}
	if !a.Bool(KeySpeculation) || a.Float(KeyExecutorOverheadFactor) != 0.25 || a.String(KeyAppName) != "retail" {
		t.Errorf("speculation %v, factor %v, name %q", a.Bool(KeySpeculation), a.Float(KeyExecutorOverheadFactor), a.String(KeyAppName))
	}
	if got := a.Family(KeyExecutorEnv); !reflect.DeepEqual(got, map[string]string{"TZ": "UTC"}) {
		t.Errorf("executor env = %v", got)
	}
	// Defaults for keys not set; rules have none.
	if a.Int(KeyTaskMaxFailures) != 4 || a.Duration(KeyBatchDuration) != time.Second || a.Float(KeyDriverOverheadFactor) != 0.1 || a.String(KeyDriverMode) != DriverModePlugin {
		t.Errorf("defaults: maxFailures %d, batch %v, factor %v, mode %q", a.Int(KeyTaskMaxFailures), a.Duration(KeyBatchDuration), a.Float(KeyDriverOverheadFactor), a.String(KeyDriverMode))
	}
	if a.IsSet(KeyExecutorMemoryOverhead) || a.MB(KeyExecutorMemoryOverhead) != 0 || a.Int(KeyExecutorMaxFailures) != 0 {
		t.Errorf("a rule default must read as unset and zero")
	}
}

func TestAppConfAlternatives(t *testing.T) {
	// The older name is read when the key is unset, whatever the order.
	a := mustSet(t, "spark.yarn.max.executor.failures", "7")
	if got := a.Int(KeyExecutorMaxFailures); got != 7 || !a.IsSet(KeyExecutorMaxFailures) {
		t.Errorf("via the older name: %d", got)
	}
	for _, pairs := range [][]string{
		{"spark.yarn.max.executor.failures", "7", "spark.executor.maxNumFailures", "9"},
		{"spark.executor.maxNumFailures", "9", "spark.yarn.max.executor.failures", "7"},
	} {
		if got := mustSet(t, pairs...).Int(KeyExecutorMaxFailures); got != 9 {
			t.Errorf("%v: %d, want the key's own 9", pairs, got)
		}
	}
}

func TestAppConfSetRefuses(t *testing.T) {
	a := &AppConf{}
	if err := a.Set("spindle.kafka.topic", "x"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown key: %v", err)
	}
	if err := a.Set("spindle.streaming.batchDuration", "fast"); !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), `"fast" is not a duration`) {
		t.Errorf("bad value: %v", err)
	}
	if err := a.Set("spark.jars", "x.jar"); err != nil || a.IsSet("spark.jars") {
		t.Errorf("an ignored key is not kept: %v", err)
	}
}

func TestAppConfGetterOfWrongTypePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	AppConf{}.Duration(KeyExecutorMemory)
}

func TestAppConfJSONRoundTrip(t *testing.T) {
	a := mustSet(t,
		"spark.executor.instances", "6",
		"spark.executor.memory", "4g",
		"spark.locality.wait", "1500us",
		"spindle.kafka.topics", "a,b",
		"spark.yarn.tags", "",
		"spark.speculation", "true",
		"spark.executor.memoryOverheadFactor", "0.25",
		"spark.executorEnv.TZ", "UTC",
		"spark.yarn.max.executor.failures", "5",
		"spindle.kafka.bootstrap.servers", "k:9092",
	)
	raw, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var b AppConf
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	if !reflect.DeepEqual(a.values, b.values) {
		t.Fatalf("round trip:\n%v\n%v", a.values, b.values)
	}
	if !strings.Contains(string(raw), `"spark.executor.memory":4294967296`) || !strings.Contains(string(raw), `"spark.locality.wait":1500000`) {
		t.Errorf("values are not written in their types: %s", raw)
	}
}

func TestAppConfUnmarshalRefuses(t *testing.T) {
	for raw, want := range map[string]string{
		`{"spark.executor.instances":"6"}`:          "is not a int value",
		`{"spark.executor.instances":0}`:            "is too small: use at least 1",
		`{"spindle.streaming.batchDuration":-5}`:    "is not a duration value",
		`{"spindle.kafka.topic":["a"]}`:             "is not an application key",
		`{"spark.yarn.max.executor.failures":3}`:    "is not an application key",
		`{"spark.jars":"x"}`:                        "is not an application key",
		`{"spark.executor.memoryOverheadFactor":0}`: "not a number above 0",
		`{"spindle.kafka.topics":["a,b"]}`:          "is not a list value",
		`[1]`:                                       "cannot unmarshal",
	} {
		var a AppConf
		if err := json.Unmarshal([]byte(raw), &a); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", raw, err, want)
		}
	}
}

// FuzzAppConfJSON feeds the launch spec's typed values decoder arbitrary
// bytes: it must not panic, and what it accepts must encode and decode to
// the same values.
func FuzzAppConfJSON(f *testing.F) {
	f.Add([]byte(`{"spark.executor.instances":6,"spark.executor.memory":4294967296,"spindle.kafka.topics":["a","b"]}`))
	f.Add([]byte(`{"spark.locality.wait":1500000,"spark.speculation":true,"spark.executorEnv.TZ":"UTC"}`))
	f.Add([]byte(`{"spark.executor.memoryOverheadFactor":0.25,"spark.yarn.tags":null}`))
	f.Add([]byte(`{"spark.executor.instances":1e3}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var a AppConf
		if err := json.Unmarshal(raw, &a); err != nil {
			return
		}
		again, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var b AppConf
		if err := json.Unmarshal(again, &b); err != nil {
			t.Fatalf("%s re-encoded as %s does not decode: %v", raw, again, err)
		}
		if !reflect.DeepEqual(a.values, b.values) {
			t.Fatalf("%s: %v then %v", raw, a.values, b.values)
		}
	})
}
