package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/spindlehq/spindle/internal/kafkatest"
)

// ErrBadCheckpointEntry is wrapped by ParseCheckpointEntry's errors.
var ErrBadCheckpointEntry = errors.New("testutil: bad checkpoint entry")

// CheckpointRange is one partition's range in an offsets entry.
type CheckpointRange struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	From      int64  `json:"from"`
	Until     int64  `json:"until"`
}

// CheckpointEntry is an offsets or commit entry of a streaming checkpoint,
// read from its file: a "v1" line, a JSON body and a "crc32c" line.
type CheckpointEntry struct {
	// Kind is "offsets" or "commit".
	Kind string `json:"kind"`
	// BatchTimeMs is the batch's time in Unix milliseconds.
	BatchTimeMs int64 `json:"batchTimeMs"`
	// Ranges are an offsets entry's ranges, one per partition.
	Ranges []CheckpointRange `json:"ranges"`
	// Outputs are a commit entry's batch statistics: records, outputs,
	// rejected, processingMs, schedulingMs, rateLimit, lag.
	Outputs map[string]int64 `json:"outputs"`
	// Epoch is the application attempt that wrote the entry through its
	// fence (appattempt_…), empty when the writer fenced nothing.
	Epoch string `json:"epoch"`
	// ModTime is the file's modification time, when the driver wrote it;
	// zero for an entry parsed from bytes.
	ModTime time.Time `json:"-"`
}

// Records is the number of records an offsets entry's ranges hold.
func (e CheckpointEntry) Records() int64 {
	var n int64
	for _, r := range e.Ranges {
		n += r.Until - r.From
	}
	return n
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ParseCheckpointEntry parses an entry file written by hdfscheckpoint's
// format v1 and checks its CRC-32C.
func ParseCheckpointEntry(data []byte) (CheckpointEntry, error) {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) != 4 || len(lines[3]) != 0 {
		return CheckpointEntry{}, fmt.Errorf("%w: want 3 newline-terminated lines, got %d bytes", ErrBadCheckpointEntry, len(data))
	}
	if string(lines[0]) != "v1\n" {
		return CheckpointEntry{}, fmt.Errorf("%w: version line %q, want \"v1\"", ErrBadCheckpointEntry, strings.TrimSuffix(string(lines[0]), "\n"))
	}
	hexSum, ok := strings.CutPrefix(strings.TrimSuffix(string(lines[2]), "\n"), "crc32c ")
	if !ok || len(hexSum) != 8 {
		return CheckpointEntry{}, fmt.Errorf("%w: checksum line %q", ErrBadCheckpointEntry, strings.TrimSuffix(string(lines[2]), "\n"))
	}
	want, err := strconv.ParseUint(hexSum, 16, 32)
	if err != nil {
		return CheckpointEntry{}, fmt.Errorf("%w: checksum %q is not hexadecimal", ErrBadCheckpointEntry, hexSum)
	}
	covered := len(lines[0]) + len(lines[1])
	if got := crc32.Checksum(data[:covered], castagnoli); got != uint32(want) {
		return CheckpointEntry{}, fmt.Errorf("%w: checksum %08x, computed %08x", ErrBadCheckpointEntry, want, got)
	}
	var e CheckpointEntry
	if err := json.Unmarshal(lines[1], &e); err != nil {
		return CheckpointEntry{}, fmt.Errorf("%w: body: %v", ErrBadCheckpointEntry, err)
	}
	switch e.Kind {
	case "offsets", "commit":
	default:
		return CheckpointEntry{}, fmt.Errorf("%w: kind %q, want offsets or commit", ErrBadCheckpointEntry, e.Kind)
	}
	return e, nil
}

// BatchOffsets reads every offsets entry under checkpointDir, oldest batch
// first. Entries purged meanwhile are skipped; a bad one fails the test.
func BatchOffsets(tb testing.TB, checkpointDir string) []CheckpointEntry {
	tb.Helper()
	return readEntries(tb, filepath.Join(checkpointDir, "offsets"))
}

// BatchCommits reads every commit entry under checkpointDir, oldest batch
// first.
func BatchCommits(tb testing.TB, checkpointDir string) []CheckpointEntry {
	tb.Helper()
	return readEntries(tb, filepath.Join(checkpointDir, "commits"))
}

func readEntries(tb testing.TB, dir string) []CheckpointEntry {
	tb.Helper()
	des, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		tb.Fatalf("read checkpoint log %s: %v", dir, err)
	}
	var out []CheckpointEntry
	for _, de := range des {
		// Entries are named by their batch time; temporary files start
		// with a dot.
		if _, err := strconv.ParseInt(de.Name(), 10, 64); err != nil {
			continue
		}
		p := filepath.Join(dir, de.Name())
		raw, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			tb.Fatalf("read checkpoint entry: %v", err)
		}
		e, err := ParseCheckpointEntry(raw)
		if err != nil {
			tb.Fatalf("checkpoint entry %s: %v", p, err)
		}
		if fi, err := os.Stat(p); err == nil {
			e.ModTime = fi.ModTime()
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].BatchTimeMs < out[j].BatchTimeMs })
	return out
}

// CommittedUntil returns, per "topic-partition", where the newest committed
// batch of checkpointDir ends: every record before it is in the sink.
func CommittedUntil(tb testing.TB, checkpointDir string) map[string]int64 {
	tb.Helper()
	commits := BatchCommits(tb, checkpointDir)
	if len(commits) == 0 {
		return nil
	}
	last := commits[len(commits)-1].BatchTimeMs
	out := map[string]int64{}
	for _, o := range BatchOffsets(tb, checkpointDir) {
		if o.BatchTimeMs == last {
			for _, r := range o.Ranges {
				out[fmt.Sprintf("%s-%d", r.Topic, r.Partition)] = r.Until
			}
		}
	}
	return out
}

// RetailRegions is examples/retail/regions.csv, for --files.
func RetailRegions() string { return filepath.Join(repoRoot(), "examples", "retail", "regions.csv") }

// RetailStores are the stores of examples/retail/regions.csv.
var RetailStores = []string{"s-01", "s-02", "s-03", "s-04", "s-05", "s-06"}

// Reasons the retail job gives for the invalid transactions RetailTransaction
// makes.
const (
	RetailReasonQty   = "qty 0 must be positive"
	RetailReasonStore = `unknown store "s-99": not in the region table`
)

// RetailTxn is a transaction for examples/retail.
type RetailTxn struct {
	// N numbers the transaction; its id is "t-N".
	N int
	// Store is its store.
	Store string
	// Qty and PriceCents give its amount.
	Qty, PriceCents int64
	// Time is its "ts", written to the sink unchanged.
	Time time.Time
	// Reject is the reason the job rejects it with, "" for a valid one.
	Reject string
}

// RetailTransaction returns transaction n, stamped at: most are valid;
// every 1,000th has qty 0 (rejected when parsed) and every 1,000th+500 an
// unknown store (rejected when enriched).
func RetailTransaction(n int, at time.Time) RetailTxn {
	t := RetailTxn{N: n, Store: RetailStores[n%len(RetailStores)], Qty: int64(1 + n%5), PriceCents: int64(1 + (n*37)%9999), Time: at}
	switch n % 1000 {
	case 999:
		t.Qty, t.Reject = 0, RetailReasonQty
	case 499:
		t.Store, t.Reject = "s-99", RetailReasonStore
	}
	return t
}

// AmountCents is the transaction's amount.
func (t RetailTxn) AmountCents() int64 { return t.Qty * t.PriceCents }

// JSON is the record's value, as the retail job reads it.
func (t RetailTxn) JSON() []byte {
	return fmt.Appendf(nil, `{"id":"t-%d","store":%q,"sku":"A-%d","qty":%d,"price":%d.%02d,"ts":%q}`,
		t.N, t.Store, t.N%97, t.Qty, t.PriceCents/100, t.PriceCents%100, t.Time.UTC().Format(time.RFC3339Nano))
}

// RetailTotals is what the retail job should write for a set of
// transactions, or what it wrote.
type RetailTotals struct {
	// Valid counts the transactions in the sink.
	Valid int64
	// Rejected counts the dead letters by reason.
	Rejected map[string]int64
	// StoreCents is the revenue per store, in cents.
	StoreCents map[string]int64
}

// Add accounts for one transaction.
func (r *RetailTotals) Add(t RetailTxn) {
	if r.Rejected == nil {
		r.Rejected, r.StoreCents = map[string]int64{}, map[string]int64{}
	}
	if t.Reject != "" {
		r.Rejected[t.Reject]++
		return
	}
	r.Valid++
	r.StoreCents[t.Store] += t.AmountCents()
}

// Diff describes how got differs from r, "" when they are equal.
func (r RetailTotals) Diff(got RetailTotals) string {
	var diffs []string
	if r.Valid != got.Valid {
		diffs = append(diffs, fmt.Sprintf("%d transactions in the sink, want %d", got.Valid, r.Valid))
	}
	for _, m := range []struct {
		what      string
		want, got map[string]int64
	}{{"dead letters", r.Rejected, got.Rejected}, {"revenue in cents", r.StoreCents, got.StoreCents}} {
		keys := map[string]bool{}
		for k := range m.want {
			keys[k] = true
		}
		for k := range m.got {
			keys[k] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			if m.want[k] != m.got[k] {
				diffs = append(diffs, fmt.Sprintf("%s of %q: %d, want %d", m.what, k, m.got[k], m.want[k]))
			}
		}
	}
	return strings.Join(diffs, "; ")
}

// RetailSink is what the retail job wrote under its sink directory.
type RetailSink struct {
	// Totals are the sink's transactions and dead letters.
	Totals RetailTotals
	// Duplicates are transaction numbers found more than once (at most 10).
	Duplicates []int
	// seen[n] tells whether transaction n is in the sink.
	seen []bool
	// Latencies are, per transaction, its sink file's modification time
	// (when the output became visible) minus its "ts".
	Latencies []time.Duration
}

// retailLine is the part of a retail output line the tests check.
type retailLine struct {
	ID     string    `json:"id"`
	Store  string    `json:"store"`
	Amount string    `json:"amount"`
	TS     time.Time `json:"ts"`
}

// ReadRetailSink reads every output and dead letter of the retail job under
// sinkDir (its spindle.sink.path).
func ReadRetailSink(tb testing.TB, sinkDir string) RetailSink {
	tb.Helper()
	var s RetailSink
	s.Totals.Rejected, s.Totals.StoreCents = map[string]int64{}, map[string]int64{}
	var seen []bool
	files, _ := filepath.Glob(filepath.Join(sinkDir, "batch=*", "part-*"))
	for _, f := range files {
		raw, fi := readFileStat(tb, f)
		for line := range bytes.Lines(raw) {
			id, body, ok := bytes.Cut(bytes.TrimSuffix(line, []byte("\n")), []byte("\t"))
			var l retailLine
			if !ok {
				tb.Fatalf("sink file %s: line %q has no key", f, line)
			}
			if err := json.Unmarshal(body, &l); err != nil || l.ID != string(id) {
				tb.Fatalf("sink file %s: line %q: %v (key %q)", f, line, err, id)
			}
			n, err := strconv.Atoi(strings.TrimPrefix(l.ID, "t-"))
			cents, cerr := parseCents(l.Amount)
			if err != nil || n < 0 || cerr != nil {
				tb.Fatalf("sink file %s: line %q: bad id or amount", f, line)
			}
			if n >= len(seen) {
				grown := make([]bool, max(n+1, 2*len(seen)))
				copy(grown, seen)
				seen = grown
			}
			if seen[n] && len(s.Duplicates) < 10 {
				s.Duplicates = append(s.Duplicates, n)
			}
			seen[n] = true
			s.Totals.Valid++
			s.Totals.StoreCents[l.Store] += cents
			s.Latencies = append(s.Latencies, fi.Sub(l.TS))
		}
	}
	s.seen = seen
	dead, _ := filepath.Glob(filepath.Join(sinkDir, "_deadletter", "batch=*", "part-*"))
	for _, f := range dead {
		raw, _ := readFileStat(tb, f)
		for line := range bytes.Lines(raw) {
			var d struct {
				Reason string `json:"reason"`
			}
			if err := json.Unmarshal(line, &d); err != nil {
				tb.Fatalf("dead letter file %s: line %q: %v", f, line, err)
			}
			s.Totals.Rejected[d.Reason]++
		}
	}
	return s
}

// IDsDiff describes the transactions among 0..n-1 that RetailTransaction
// makes valid but the sink lacks, and those it holds but should not, ""
// when the sink holds exactly the valid ones.
func (s RetailSink) IDsDiff(n int) string {
	var missing, unexpected []int
	for i := range max(n, len(s.seen)) {
		in := i < len(s.seen) && s.seen[i]
		valid := i < n && RetailTransaction(i, time.Time{}).Reject == ""
		switch {
		case valid && !in && len(missing) < 10:
			missing = append(missing, i)
		case in && !valid && len(unexpected) < 10:
			unexpected = append(unexpected, i)
		}
	}
	if len(missing)+len(unexpected) == 0 {
		return ""
	}
	return fmt.Sprintf("missing transactions %v, unexpected ones %v (at most 10 each)", missing, unexpected)
}

func readFileStat(tb testing.TB, p string) ([]byte, time.Time) {
	tb.Helper()
	raw, err := os.ReadFile(p)
	if err != nil {
		tb.Fatalf("read sink file: %v", err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		tb.Fatalf("stat sink file: %v", err)
	}
	return raw, fi.ModTime()
}

// parseCents reads a decimal amount with two decimal places.
func parseCents(s string) (int64, error) {
	whole, frac, ok := strings.Cut(s, ".")
	if !ok || len(frac) != 2 {
		return 0, fmt.Errorf("amount %q does not have two decimal places", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("amount %q: %w", s, err)
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("amount %q: bad cents", s)
	}
	return w*100 + f, nil
}

// ProduceRetail produces transactions first..first+n-1 to topic, round
// robin over its partitions, stamped with the time they are produced, and
// adds them to want.
func ProduceRetail(tb testing.TB, b *kafkatest.Broker, topic string, partitions int32, first, n int, want *RetailTotals) {
	tb.Helper()
	const chunk = 4000
	for start := first; start < first+n; start += chunk {
		now := time.Now()
		msgs := make([]*sarama.ProducerMessage, 0, chunk)
		for i := start; i < min(start+chunk, first+n); i++ {
			t := RetailTransaction(i, now)
			want.Add(t)
			msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Partition: int32(i) % partitions, Value: sarama.ByteEncoder(t.JSON())})
		}
		b.ProduceMessages(tb, msgs...)
	}
}

// PacedProducerConfig configures a PacedProducer.
type PacedProducerConfig struct {
	// Broker is the Kafka broker to produce to.
	Broker *kafkatest.Broker
	// Topic is the topic, with Partitions partitions written round robin.
	Topic      string
	Partitions int32
	// Rate is the records per second to produce.
	Rate float64
	// Tick is how often a burst of records is sent (default 10ms).
	Tick time.Duration
	// Value returns record n's value, produced at at.
	Value func(n int, at time.Time) []byte
}

// PacedProducer produces records at a steady rate until stopped.
type PacedProducer struct {
	cfg      PacedProducerConfig
	producer sarama.SyncProducer
	cancel   context.CancelFunc
	done     chan struct{}

	mu       sync.Mutex
	produced int
	err      error
}

// StartPacedProducer starts producing; the test's cleanup stops it.
func StartPacedProducer(tb testing.TB, cfg PacedProducerConfig) *PacedProducer {
	tb.Helper()
	if cfg.Tick <= 0 {
		cfg.Tick = 10 * time.Millisecond
	}
	if cfg.Rate <= 0 || cfg.Partitions <= 0 || cfg.Value == nil {
		tb.Fatalf("paced producer: need a positive rate, partitions and a value function, got %+v", cfg)
	}
	prod, err := sarama.NewSyncProducerFromClient(cfg.Broker.Client(tb))
	if err != nil {
		tb.Fatalf("paced producer: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &PacedProducer{cfg: cfg, producer: prod, cancel: cancel, done: make(chan struct{})}
	go p.run(ctx)
	tb.Cleanup(func() { p.Stop() })
	return p
}

func (p *PacedProducer) run(ctx context.Context) {
	defer close(p.done)
	tick := time.NewTicker(p.cfg.Tick)
	defer tick.Stop()
	start := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := time.Now()
		target := int(p.cfg.Rate * now.Sub(start).Seconds())
		p.mu.Lock()
		from := p.produced
		p.mu.Unlock()
		if target <= from {
			continue
		}
		msgs := make([]*sarama.ProducerMessage, 0, target-from)
		for n := from; n < target; n++ {
			msgs = append(msgs, &sarama.ProducerMessage{Topic: p.cfg.Topic, Partition: int32(n) % p.cfg.Partitions, Value: sarama.ByteEncoder(p.cfg.Value(n, now))})
		}
		err := p.producer.SendMessages(msgs)
		p.mu.Lock()
		if err != nil {
			p.err = fmt.Errorf("paced producer: send %d records to %s: %w", len(msgs), p.cfg.Topic, err)
			p.mu.Unlock()
			return
		}
		p.produced = target
		p.mu.Unlock()
	}
}

// Produced is how many records were produced so far.
func (p *PacedProducer) Produced() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.produced
}

// Stop stops producing and returns how many records were produced, and the
// error that stopped it early, if any.
func (p *PacedProducer) Stop() (int, error) {
	p.cancel()
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.producer != nil {
		p.producer.Close()
		p.producer = nil
	}
	return p.produced, p.err
}
