package sdk

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// wordsJob splits values into words with AppendParse; its Parse panics,
// so a test that passes shows Parse was not called.
type wordsJob struct{}

func (wordsJob) Parse(Record) ([]string, error) { panic("Parse called although AppendParse exists") }

func (wordsJob) AppendParse(events []string, rec Record) ([]string, error) {
	for _, w := range strings.Fields(string(rec.Value)) {
		if w == "bad" {
			return append(events, "partial"), errors.New("bad word")
		}
		events = append(events, w)
	}
	return events, nil
}

func (wordsJob) Emit(_ context.Context, _ PartitionInfo, words []string) ([]Output, error) {
	outs := make([]Output, len(words))
	for i, w := range words {
		outs[i] = Output{Value: []byte(w)}
	}
	return outs, nil
}

// TestAppendParseReplacesParse: a job with AppendParse has it called for
// every record: several events, none (filtered), and an error that
// rejects the record and drops what it had appended.
func TestAppendParseReplacesParse(t *testing.T) {
	c := testJobClient(t, wordsJob{}, io.Discard)
	ctx := context.Background()
	if _, err := c.Configure(ctx, nil, nil); err != nil {
		t.Fatal(err)
	}
	p := Partition{PartitionInfo: PartitionInfo{Topic: "t"}}
	for i, v := range []string{"a b", "", "c bad d", "e"} {
		p.Records = append(p.Records, Record{Topic: "t", Offset: int64(i), Value: []byte(v)})
	}
	res, err := c.ProcessPartition(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range res.Outputs {
		got = append(got, string(o.Value))
	}
	if strings.Join(got, ",") != "a,b,e" {
		t.Fatalf("outputs %v, want a,b,e", got)
	}
	if len(res.Rejected) != 1 || res.Rejected[0].Record.Offset != 2 || res.Rejected[0].Reason != "bad word" {
		t.Fatalf("rejected %+v, want the record at offset 2 with its reason", res.Rejected)
	}
	if m := res.Metrics; m.Events != 3 || m.Filtered != 1 || m.Rejected != 1 {
		t.Fatalf("metrics %+v, want 3 events, 1 filtered, 1 rejected", m)
	}
}

// wrongAppend has an AppendParse that does not match its events' type.
type wrongAppend struct{ minimalJob }

func (wrongAppend) AppendParse(events []string, rec Record) ([]string, error) { return events, nil }

func TestAppendParseWithTheWrongSignatureIsRefused(t *testing.T) {
	err := checkJob[Record](wrongAppend{})
	if !errors.Is(err, ErrInvalidJob) || !strings.Contains(err.Error(), "AppendParse([]sdk.Record, sdk.Record) ([]sdk.Record, error)") {
		t.Fatalf("err = %v, want ErrInvalidJob naming AppendParse's signature", err)
	}
}
