package launch

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzDecodeSpec feeds the launch spec decoder arbitrary bytes: it must
// never panic, every failure must wrap ErrBadSpec, and every spec it
// accepts must pass Validate and survive a round trip.
func FuzzDecodeSpec(f *testing.F) {
	good, _ := json.Marshal(goodSpec())
	f.Add(good)
	f.Add([]byte(`{"conf":{},"application":"job","resources":[]}`))
	f.Add([]byte(`{"application":"../job"}`))
	f.Add([]byte(`{"application":"job","resources":[{"name":"job","uri":"x","sha256":"00","size":-1}]}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"conf":`))
	f.Add([]byte(`{"application":"job","settings":{"spark.executor.instances":3,"spindle.kafka.topics":["a"]}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := DecodeSpec(raw, SpecFile)
		if err != nil {
			if !errors.Is(err, ErrBadSpec) {
				t.Fatalf("error %v does not wrap ErrBadSpec", err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("accepted a spec that does not validate: %v", err)
		}
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DecodeSpec(again, SpecFile)
		if err != nil {
			t.Fatalf("an accepted spec does not decode again: %v", err)
		}
		if !reflect.DeepEqual(back.Settings.Keys(), s.Settings.Keys()) {
			t.Fatalf("settings %v came back as %v", s.Settings.Keys(), back.Settings.Keys())
		}
	})
}
