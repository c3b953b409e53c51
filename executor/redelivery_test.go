package executor

import (
	"reflect"
	"testing"

	"github.com/spindlehq/spindle/sdk"
)

func msg(id string, redelivered bool) sdk.Record {
	r := sdk.Record{Value: []byte("v" + id), Headers: []sdk.Header{{Key: sdk.HeaderReceiverID, Value: []byte(id)}}}
	if redelivered {
		r.Headers = append(r.Headers, sdk.Header{Key: sdk.HeaderRedelivered, Value: []byte("true")})
	}
	return r
}

func values(recs []sdk.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, string(r.Value))
	}
	return out
}

// TestRedeliveryFilter: after a block is stored, a later block drops the
// records delivered again that the stored block holds, and keeps records
// delivered again that it does not hold and records delivered for the
// first time.
func TestRedeliveryFilter(t *testing.T) {
	var f redeliveryFilter
	first := []sdk.Record{msg("1", false), msg("2", false)}
	if got := f.filter(first); !reflect.DeepEqual(values(got), []string{"v1", "v2"}) {
		t.Fatalf("nothing stored yet: %v", values(got))
	}
	f.stored(first)
	got := f.filter([]sdk.Record{msg("1", true), msg("3", true), msg("2", true), msg("4", false)})
	if want := []string{"v3", "v4"}; !reflect.DeepEqual(values(got), want) {
		t.Fatalf("filtered %v, want %v", values(got), want)
	}
	f.stored(got)
	if got := f.filter([]sdk.Record{msg("1", true)}); !reflect.DeepEqual(values(got), []string{"v1"}) {
		t.Fatalf("a record of a block before the last is kept: %v", values(got))
	}
}
