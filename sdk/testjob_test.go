package sdk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
)

// word is the test job's event: one word of a record's value.
type word struct {
	Text   string
	Region string
}

// testJob implements every stage. Records are space-separated words;
// special values make a stage misbehave: "" and "bad" are rejected by
// Parse, "skip" is filtered, "panic" panics in Parse, and a word "unknown"
// is rejected by Enrich. fail and panicAt make a whole stage fail.
type testJob struct {
	fail    Stage // stage that returns an error
	panicAt Stage // stage that panics

	mu   sync.Mutex
	jc   JobContext
	seen []PartitionInfo
}

func (j *testJob) Configure(_ context.Context, jc JobContext) error {
	if j.fail == StageConfigure {
		return errors.New("configure refused")
	}
	if j.panicAt == StageConfigure {
		panic("configure blew up")
	}
	j.mu.Lock()
	j.jc = jc
	j.mu.Unlock()
	jc.Logger.Info("test job configured", zap.Strings("args", jc.Args))
	return nil
}

func (j *testJob) Parse(rec Record) ([]word, error) {
	v := string(rec.Value)
	switch v {
	case "":
		return nil, errors.New("empty record")
	case "bad":
		return nil, fmt.Errorf("record %d is bad", rec.Offset)
	case "skip":
		return nil, nil
	case "panic":
		var m map[string]int
		m["boom"]++ // a nil-map write: a real runtime panic
	}
	var out []word
	for _, f := range strings.Fields(v) {
		out = append(out, word{Text: f})
	}
	return out, nil
}

func (j *testJob) Enrich(_ context.Context, p PartitionInfo, events []word) (Rejections, error) {
	if j.fail == StageEnrich {
		return nil, errors.New("region service unreachable")
	}
	if j.panicAt == StageEnrich {
		panic("enrich blew up")
	}
	j.mu.Lock()
	j.seen = append(j.seen, p)
	j.mu.Unlock()
	rej := Rejections{}
	for i := range events {
		if events[i].Text == "unknown" {
			rej[i] = fmt.Errorf("no region for %q", events[i].Text)
			continue
		}
		events[i].Region = "r-" + events[i].Text
	}
	return rej, nil
}

func (j *testJob) Emit(_ context.Context, p PartitionInfo, events []word) ([]Output, error) {
	if j.fail == StageEmit {
		return nil, errors.New("cannot emit")
	}
	if j.panicAt == StageEmit {
		panic("emit blew up")
	}
	outs := make([]Output, len(events))
	for i, e := range events {
		outs[i] = Output{Key: []byte(e.Text), Value: []byte(e.Region), Destination: p.Topic + "-out"}
	}
	return outs, nil
}

func (j *testJob) Aggregate(e word) (string, []byte, bool) {
	if j.panicAt == StageAggregate {
		panic("aggregate blew up")
	}
	if e.Text == "nokey" {
		return "", nil, false
	}
	return e.Text, []byte("1"), true
}

func (j *testJob) Reduce(a, b []byte) ([]byte, error) {
	if j.fail == StageAggregate || j.fail == StageReduce {
		return nil, errors.New("cannot add")
	}
	if j.panicAt == StageReduce {
		panic("reduce blew up")
	}
	x, err := strconv.Atoi(string(a))
	if err != nil {
		return nil, fmt.Errorf("count %q: %w", a, err)
	}
	y, err := strconv.Atoi(string(b))
	if err != nil {
		return nil, fmt.Errorf("count %q: %w", b, err)
	}
	return []byte(strconv.Itoa(x + y)), nil
}

// UpdateState keeps a running total and drops a key whose total is 0;
// the state of "empty" is kept as an empty state returned as nil.
func (j *testJob) UpdateState(batch time.Time, key string, values [][]byte, old []byte) ([]byte, bool, error) {
	if j.fail == StageUpdateState {
		return nil, false, fmt.Errorf("state store down at %s", batch.Format(time.RFC3339))
	}
	if j.panicAt == StageUpdateState {
		panic("update blew up")
	}
	if key == "empty" {
		return nil, true, nil
	}
	total := 0
	if len(old) > 0 {
		n, err := strconv.Atoi(string(old))
		if err != nil {
			return nil, false, err
		}
		total = n
	}
	for _, v := range values {
		n, err := strconv.Atoi(string(v))
		if err != nil {
			return nil, false, err
		}
		total += n
	}
	return []byte(strconv.Itoa(total)), total != 0, nil
}

// syncBuffer is a bytes.Buffer safe for the plugin's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startTestJob serves job in-process and configures it.
func startTestJob(t *testing.T, job *testJob) (*JobClient, *syncBuffer) {
	t.Helper()
	appLog := &syncBuffer{}
	c := testJobClient(t, job, appLog)
	if _, err := c.Configure(context.Background(), map[string]string{"spark.app.name": "t"}, []string{"--x", "1"}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return c, appLog
}

// partition builds a partition of topic "in", partition 3, one record per value.
func partition(values ...string) Partition {
	p := Partition{PartitionInfo: PartitionInfo{BatchTime: time.Date(2025, 3, 1, 12, 0, 5, 0, time.UTC), Topic: "in", Partition: 3}}
	for i, v := range values {
		p.Records = append(p.Records, Record{
			Topic: "in", Partition: 3, Offset: int64(100 + i),
			Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(v),
			Timestamp: time.Date(2025, 3, 1, 12, 0, i, 0, time.UTC),
			Headers:   []Header{{Key: "trace", Value: []byte{byte(i)}}},
		})
	}
	return p
}
