package sink

import (
	"strings"
	"testing"
)

func TestBatchMarker(t *testing.T) {
	m := batchMarker{BatchTimeMs: 1_700_000_000_000, From: 1200}
	if got := m.encode(); got != `{"v":1,"batch":1700000000000,"from":1200}` {
		t.Fatalf("encode = %s", got)
	}
	back, err := parseBatchMarker(m.encode())
	if err != nil || back != m {
		t.Fatalf("parse(encode) = %+v, %v", back, err)
	}
	for in, want := range map[string]string{
		"":                               "unexpected end of JSON input",
		"consumer metadata":              "invalid character",
		`{"v":2,"batch":1,"from":0}`:     "version 2, want 1",
		`{"batch":1,"from":0}`:           "version 0, want 1",
		`{"v":1,"batch":0,"from":0}`:     "batch time must be positive",
		`{"v":1,"batch":5,"from":-1}`:    "offset not negative",
		`{"v":1,"batch":"5","from":1}`:   "cannot unmarshal",
		strings.Repeat(" ", 5000) + "{}": "longer than 4096",
	} {
		if _, err := parseBatchMarker(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parse %.40q: %v, want an error with %q", in, err, want)
		}
	}
}

// FuzzParseBatchMarker: offset metadata in the sink's group is remote
// input; parsing never panics, and what it accepts encodes back to a
// marker that parses to the same value.
func FuzzParseBatchMarker(f *testing.F) {
	f.Add(`{"v":1,"batch":1700000000000,"from":1200}`)
	f.Add(`{"v":1,"batch":1,"from":0,"extra":[1,2]}`)
	f.Add(`null`)
	f.Add(`{"v":1e400}`)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseBatchMarker(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "sink: batch marker") {
				t.Fatalf("error %q does not say what failed", err)
			}
			return
		}
		again, err := parseBatchMarker(m.encode())
		if err != nil || again != m {
			t.Fatalf("%q parsed to %+v, which encodes to %q and parses to %+v, %v", s, m, m.encode(), again, err)
		}
	})
}
