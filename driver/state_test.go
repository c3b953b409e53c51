package driver

import (
	"bytes"
	"maps"
	"strings"
	"testing"
)

func TestStateRoundTrip(t *testing.T) {
	for _, s := range []map[string][]byte{
		{},
		{"s-01": []byte("1250"), "": {0, 0xff, '\n'}, "ключ": nil},
	} {
		raw, err := encodeState(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeState(raw)
		if err != nil {
			t.Fatalf("decodeState(%s): %v", raw, err)
		}
		if !maps.EqualFunc(got, s, bytes.Equal) {
			t.Fatalf("round trip of %v gave %v", s, got)
		}
	}
}

func TestIsEmptyState(t *testing.T) {
	empty, _ := encodeState(map[string][]byte{})
	one, _ := encodeState(map[string][]byte{"k": nil})
	for raw, want := range map[string]bool{string(empty): true, `{"format":1}`: true, string(one): false, `{"format":2,"state":{}}`: false, "garbage": false} {
		if got := isEmptyState([]byte(raw)); got != want {
			t.Errorf("isEmptyState(%s) = %v, want %v", raw, got, want)
		}
	}
}

func TestDecodeStateRejects(t *testing.T) {
	for _, tc := range []struct{ raw, fragment string }{
		{``, "state snapshot"},
		{`{"format":2,"state":{}}`, "format 2; this build reads format 1"},
		{`{"state":{}}`, "format 0"},
		{`{"format":1,"state":{"k":"not base64!"}}`, "state snapshot"},
		{`[1,2]`, "state snapshot"},
	} {
		if _, err := decodeState([]byte(tc.raw)); err == nil || !strings.Contains(err.Error(), tc.fragment) {
			t.Errorf("decodeState(%q) = %v, want an error mentioning %q", tc.raw, err, tc.fragment)
		}
	}
}

// FuzzDecodeState checks that no snapshot makes decoding panic, and that
// whatever decodes encodes to a snapshot that decodes to the same state.
func FuzzDecodeState(f *testing.F) {
	for _, s := range []map[string][]byte{{}, {"a": []byte("1"), "b": nil}} {
		raw, _ := encodeState(s)
		f.Add(raw)
	}
	f.Add([]byte(`{"format":1,"state":null}`))
	f.Add([]byte(`{"format":2}`))
	f.Add([]byte(`{"format":1,"state":{"k":"AA=="},"extra":[1]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := decodeState(raw)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "state snapshot") {
				t.Fatalf("error %q does not say it is about the state snapshot", err)
			}
			return
		}
		if s == nil {
			t.Fatal("decodeState returned a nil state without an error")
		}
		again, err := encodeState(s)
		if err != nil {
			t.Fatalf("encodeState of a decoded state: %v", err)
		}
		s2, err := decodeState(again)
		if err != nil || !maps.EqualFunc(s, s2, bytes.Equal) {
			t.Fatalf("re-encoded state %s decodes to %v, %v; want %v", again, s2, err, s)
		}
	})
}
