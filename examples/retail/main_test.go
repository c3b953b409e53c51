package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spindlehq/spindle/sdk"
)

func startRetail(t *testing.T) *sdk.JobClient {
	t.Helper()
	c := sdk.TestJobClient(t, &retailJob{})
	if _, err := c.Configure(context.Background(), nil, []string{"--regions", "regions.csv"}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return c
}

func txns(batch time.Time, partition int32, values ...string) sdk.Partition {
	p := sdk.Partition{PartitionInfo: sdk.PartitionInfo{BatchTime: batch, Topic: "transactions", Partition: partition}}
	for i, v := range values {
		p.Records = append(p.Records, sdk.Record{Topic: "transactions", Partition: partition, Offset: int64(i), Value: []byte(v)})
	}
	return p
}

func TestRetailRejectsMalformedTransactions(t *testing.T) {
	c := startRetail(t)
	for _, tc := range []struct{ record, reason string }{
		{`{"id":"t1","store":"s-01","sku":"A","qty":1,"price":1.5,"ts":"2025-03-01T12:00:00Z"}`, ""},
		{`not json`, "not a JSON transaction: invalid character 'o' in literal null (expecting 'u')"},
		{`{"id":"t1"} {}`, "not a JSON transaction: trailing data after the object"},
		{`[1,2]`, "not a JSON transaction: json: cannot unmarshal array into Go value of type main.wireTxn"},
		{`{"store":"s-01","sku":"A","qty":1,"price":1,"ts":"2025-03-01T12:00:00Z"}`, "missing id"},
		{`{"id":" ","store":"s-01","sku":"A","qty":1,"price":1,"ts":"2025-03-01T12:00:00Z"}`, "missing id"},
		{`{"id":"t1","sku":"A","qty":1,"price":1,"ts":"2025-03-01T12:00:00Z"}`, "missing store"},
		{`{"id":"t1","store":"s-01","qty":1,"price":1,"ts":"2025-03-01T12:00:00Z"}`, "missing sku"},
		{`{"id":"t1","store":"s-01","sku":"A","price":1,"ts":"2025-03-01T12:00:00Z"}`, "missing qty"},
		{`{"id":"t1","store":"s-01","sku":"A","qty":"2","price":1,"ts":"2025-03-01T12:00:00Z"}`, `qty "2" must be a number, not a string`},
		{`{"id":"t1","store":"s-01","sku":"A","qty":2.5,"price":1,"ts":"2025-03-01T12:00:00Z"}`, "qty 2.5 is not a whole number"},
		{`{"id":"t1","store":"s-01","sku":"A","qty":0,"price":1,"ts":"2025-03-01T12:00:00Z"}`, "qty 0 must be positive"},
		{`{"id":"t1","store":"s-01","sku":"A","qty":1,"price":null,"ts":"2025-03-01T12:00:00Z"}`, "missing price"},
		{`{"id":"t1","store":"s-01","sku":"A","qty":1,"price":-1,"ts":"2025-03-01T12:00:00Z"}`, "price -1 is negative"},
		{`{"id":"t1","store":"s-01","sku":"A","qty":1,"price":1.999,"ts":"2025-03-01T12:00:00Z"}`, "price 1.999 has more than 2 decimal places"},
		{`{"id":"t1","store":"s-01","sku":"A","qty":1,"price":1e2,"ts":"2025-03-01T12:00:00Z"}`, "price 1e2: write it as a plain decimal"},
		{`{"id":"t1","store":"s-01","sku":"A","qty":1,"price":true,"ts":"2025-03-01T12:00:00Z"}`, "price true is not a number"},
		{`{"id":"t1","store":"s-01","sku":"A","qty":1,"price":1}`, "missing ts"},
		{`{"id":"t1","store":"s-01","sku":"A","qty":1,"price":1,"ts":"yesterday"}`, `ts "yesterday" is not an RFC 3339 time`},
		{`{"id":"t1","store":"s-01","sku":"A","qty":9223372036854775807,"price":0.02,"ts":"2025-03-01T12:00:00Z"}`, "amount of 9223372036854775807 × 0.02 overflows"},
		{`{"id":"t1","store":"s-99","sku":"A","qty":1,"price":1,"ts":"2025-03-01T12:00:00Z"}`, `unknown store "s-99": not in the region table`},
	} {
		res, err := c.ProcessPartition(context.Background(), txns(time.Now(), 0, tc.record))
		if err != nil {
			t.Fatalf("%s: %v", tc.record, err)
		}
		switch {
		case tc.reason == "" && len(res.Rejected) != 0:
			t.Errorf("%s: rejected: %s", tc.record, res.Rejected[0].Reason)
		case tc.reason != "" && (len(res.Rejected) != 1 || res.Rejected[0].Reason != tc.reason):
			t.Errorf("%s: rejected %+v, want reason %q", tc.record, res.Rejected, tc.reason)
		case tc.reason != "" && len(res.Outputs) != 0:
			t.Errorf("%s: a rejected transaction was emitted", tc.record)
		}
	}
}

func TestRetailOutputsAndRevenue(t *testing.T) {
	ctx := context.Background()
	c := startRetail(t)
	b1 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	res, err := c.ProcessPartition(ctx, txns(b1, 0,
		`{"id":"t1","store":"s-01","sku":"A","qty":2,"price":12.99,"ts":"2025-03-01T11:59:58Z"}`,
		`{"id":"t2","store":"s-03","sku":"B","qty":1,"price":5,"ts":"2025-03-01T11:59:59Z"}`,
		`{"id":"t3","store":"s-01","sku":"C","qty":3,"price":0.1,"ts":"2025-03-01T12:00:00Z"}`,
		`{"id":"t4","store":"nowhere","sku":"C","qty":3,"price":0.1,"ts":"2025-03-01T12:00:00Z"}`,
	))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) != 1 || res.Rejected[0].Stage != sdk.StageEnrich || res.Rejected[0].Record.Offset != 3 {
		t.Errorf("rejected = %+v, want t4 at enrich", res.Rejected)
	}
	if len(res.Outputs) != 3 || string(res.Outputs[0].Key) != "t1" {
		t.Fatalf("outputs = %q", res.Outputs)
	}
	var line map[string]any
	if err := json.Unmarshal(res.Outputs[0].Value, &line); err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"id": "t1", "store": "s-01", "region": "north", "sku": "A", "qty": float64(2), "amount": "25.98", "ts": "2025-03-01T11:59:58Z"}; !reflect.DeepEqual(line, want) {
		t.Errorf("output line = %v, want %v", line, want)
	}
	if want := []sdk.KeyValue{kv("s-01", "2628"), kv("s-03", "500")}; !reflect.DeepEqual(res.Aggregates, want) {
		t.Errorf("aggregates = %q, want %q", res.Aggregates, want)
	}

	// Revenue accumulates across batches.
	out, err := c.UpdateState(ctx, b1, []sdk.StateInput{{Key: "s-01", Values: [][]byte{[]byte("2628")}}})
	if err != nil {
		t.Fatal(err)
	}
	out, err = c.UpdateState(ctx, b1.Add(time.Second), []sdk.StateInput{{Key: "s-01", Values: [][]byte{[]byte("72"), []byte("100")}, Old: out[0].State}})
	if err != nil {
		t.Fatal(err)
	}
	if string(out[0].State) != "2800" || !out[0].Keep {
		t.Errorf("state = %q keep %v, want 2800 cents", out[0].State, out[0].Keep)
	}
}

func TestRetailConfiguration(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("# ok\ns-01,north\ns-02\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.csv")
	if err := os.WriteFile(empty, []byte("# nothing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--regions FILE is required"},
		{[]string{"--regions", filepath.Join(dir, "missing.csv")}, "no such file"},
		{[]string{"--regions", bad}, `line 3: "s-02" is not store,region`},
		{[]string{"--regions", empty}, "has no stores"},
		{[]string{"--bogus"}, "flag provided but not defined: -bogus"},
	} {
		c := sdk.TestJobClient(t, &retailJob{})
		_, err := c.Configure(context.Background(), nil, tc.args)
		serr, ok := errors.AsType[*sdk.StageError](err)
		if !ok || serr.Stage != sdk.StageConfigure || !strings.Contains(serr.Message, tc.want) {
			t.Errorf("Configure(%q) = %v, want a configure error containing %q", tc.args, err, tc.want)
		}
	}
}

func kv(k, v string) sdk.KeyValue { return sdk.KeyValue{Key: k, Value: []byte(v)} }
