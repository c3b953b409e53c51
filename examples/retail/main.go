// Command retail is the retail transactions job: it reads JSON
// transactions such as
//
//	{"id":"t-1001","store":"s-01","sku":"A-42","qty":2,"price":12.99,"ts":"2025-03-01T12:00:00Z"}
//
// rejects malformed ones with the reason (they go to the dead-letter
// output), looks up each store's region for a whole partition at once,
// emits one JSON line per valid transaction with its region and amount,
// and keeps the revenue of each store across batches.
//
// Build and submit, shipping the store → region table with the job:
//
//	go build -o retail ./examples/retail
//	spindle submit --master yarn --num-executors 2 --files examples/retail/regions.csv ./retail --regions regions.csv
//
// Amounts are exact: prices have at most two decimal places and are kept
// in cents.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spindlehq/spindle/sdk"
	"go.uber.org/zap"
)

// txn is a valid transaction: the job's event.
type txn struct {
	ID, Store, SKU string
	Qty            int64
	PriceCents     int64
	AmountCents    int64
	Time           time.Time
	// Region is set by Enrich.
	Region string
}

// regionLookup resolves stores to regions, many at a time, as a batched
// request to a reference-data service would.
type regionLookup interface {
	Lookup(ctx context.Context, stores []string) (map[string]string, error)
}

// retailJob is the job.
type retailJob struct {
	regions regionLookup
	log     *zap.Logger
	// queue, when set, is where the transactions come from instead of
	// Kafka (amqp.go).
	queue sdk.Receiver
}

// Configure reads --regions, the store → region table.
func (j *retailJob) Configure(_ context.Context, jc sdk.JobContext) error {
	fs := flag.NewFlagSet("retail", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	regions := fs.String("regions", "", "CSV file of store,region lines")
	amqpFlags := queueFlags(fs)
	if err := fs.Parse(jc.Args); err != nil {
		return fmt.Errorf("retail arguments %q: %w", jc.Args, err)
	}
	if err := j.configureQueue(amqpFlags, jc); err != nil {
		return err
	}
	if *regions == "" {
		return errors.New("retail: --regions FILE is required (a CSV file of store,region lines)")
	}
	table, err := loadRegions(*regions)
	if err != nil {
		return err
	}
	j.regions, j.log = table, jc.Logger
	j.log.Info("region table loaded", zap.String("file", *regions), zap.Int("stores", len(table)))
	return nil
}

// wireTxn is a transaction as sent; pointers tell missing fields apart.
type wireTxn struct {
	ID    *string         `json:"id"`
	Store *string         `json:"store"`
	SKU   *string         `json:"sku"`
	Qty   json.RawMessage `json:"qty"`
	Price json.RawMessage `json:"price"`
	TS    *string         `json:"ts"`
}

// Parse validates one transaction; the error says what is wrong with it.
func (j *retailJob) Parse(rec sdk.Record) ([]txn, error) {
	if t, ok := parseFast(rec.Value); ok {
		return []txn{t}, nil
	}
	t, err := parseDecoded(rec.Value)
	if err != nil {
		return nil, err
	}
	return []txn{t}, nil
}

// parseDecoded validates one transaction with encoding/json: the reference
// for what is accepted and the source of every error message.
func parseDecoded(value []byte) (txn, error) {
	var w wireTxn
	dec := json.NewDecoder(bytes.NewReader(value))
	if err := dec.Decode(&w); err != nil {
		return txn{}, fmt.Errorf("not a JSON transaction: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return txn{}, errors.New("not a JSON transaction: trailing data after the object")
	}
	t := txn{}
	var err error
	if t.ID, err = requiredString("id", w.ID); err != nil {
		return txn{}, err
	}
	if t.Store, err = requiredString("store", w.Store); err != nil {
		return txn{}, err
	}
	if t.SKU, err = requiredString("sku", w.SKU); err != nil {
		return txn{}, err
	}
	if t.Qty, err = parseQty(w.Qty); err != nil {
		return txn{}, err
	}
	if t.PriceCents, err = parsePrice(w.Price); err != nil {
		return txn{}, err
	}
	if w.TS == nil {
		return txn{}, errors.New("missing ts")
	}
	if t.Time, err = time.Parse(time.RFC3339Nano, *w.TS); err != nil {
		return txn{}, fmt.Errorf("ts %q is not an RFC 3339 time", *w.TS)
	}
	if t.PriceCents != 0 && t.Qty > math.MaxInt64/t.PriceCents {
		return txn{}, fmt.Errorf("amount of %d × %s overflows", t.Qty, formatCents(t.PriceCents))
	}
	t.AmountCents = t.Qty * t.PriceCents
	return t, nil
}

func requiredString(field string, v *string) (string, error) {
	if v == nil || strings.TrimSpace(*v) == "" {
		return "", fmt.Errorf("missing %s", field)
	}
	return *v, nil
}

func parseQty(raw json.RawMessage) (int64, error) {
	s, err := numberText("qty", raw)
	if err != nil {
		return 0, err
	}
	q, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("qty %s is not a whole number", s)
	}
	if q <= 0 {
		return 0, fmt.Errorf("qty %d must be positive", q)
	}
	return q, nil
}

// parsePrice reads a price with at most two decimal places, in cents.
func parsePrice(raw json.RawMessage) (int64, error) {
	s, err := numberText("price", raw)
	if err != nil {
		return 0, err
	}
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("price %s is negative", s)
	}
	if strings.ContainsAny(s, "eE") {
		return 0, fmt.Errorf("price %s: write it as a plain decimal", s)
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		return 0, fmt.Errorf("price %s has more than 2 decimal places", s)
	}
	frac += strings.Repeat("0", 2-len(frac))
	units, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || units > (math.MaxInt64-99)/100 {
		return 0, fmt.Errorf("price %s is out of range", s)
	}
	cents, _ := strconv.ParseInt(frac, 10, 64) // two digits, checked by the JSON decoder
	return units*100 + cents, nil
}

// numberText returns a JSON number's text, refusing strings and nulls.
func numberText(field string, raw json.RawMessage) (string, error) {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "" || s == "null":
		return "", fmt.Errorf("missing %s", field)
	case s[0] == '"':
		return "", fmt.Errorf("%s %s must be a number, not a string", field, s)
	case s[0] != '-' && (s[0] < '0' || s[0] > '9'):
		return "", fmt.Errorf("%s %s is not a number", field, s)
	}
	return s, nil
}

// Enrich looks up the regions of all the partition's stores in one call
// and rejects transactions of stores that have none.
func (j *retailJob) Enrich(ctx context.Context, _ sdk.PartitionInfo, txns []txn) (sdk.Rejections, error) {
	// Each distinct store is looked up once; storeOf[i] is txns[i]'s.
	index := make(map[string]int)
	var stores []string
	storeOf := make([]int, len(txns))
	for i := range txns {
		k, ok := index[txns[i].Store]
		if !ok {
			k = len(stores)
			index[txns[i].Store] = k
			stores = append(stores, txns[i].Store)
		}
		storeOf[i] = k
	}
	regions, err := j.regions.Lookup(ctx, stores)
	if err != nil {
		return nil, fmt.Errorf("region lookup of %d stores: %w", len(stores), err)
	}
	type found struct {
		region string
		ok     bool
	}
	storeRegions := make([]found, len(stores))
	for k, s := range stores {
		storeRegions[k].region, storeRegions[k].ok = regions[s]
	}
	rej := sdk.Rejections{}
	for i := range txns {
		r := storeRegions[storeOf[i]]
		if !r.ok {
			rej[i] = fmt.Errorf("unknown store %q: not in the region table", txns[i].Store)
			continue
		}
		txns[i].Region = r.region
	}
	return rej, nil
}

// outLine is an output line; its field order is the JSON's.
type outLine struct {
	ID     string    `json:"id"`
	Store  string    `json:"store"`
	Region string    `json:"region"`
	SKU    string    `json:"sku"`
	Qty    int64     `json:"qty"`
	Amount string    `json:"amount"`
	TS     time.Time `json:"ts"`
}

// Emit returns one JSON line per transaction, keyed by its id. Lines share
// buffers, each line capped at its end.
func (j *retailJob) Emit(_ context.Context, p sdk.PartitionInfo, txns []txn) ([]sdk.Output, error) {
	outs := make([]sdk.Output, len(txns))
	var buf []byte
	var revenue int64
	for i := range txns {
		t := &txns[i]
		if n := maxLineLen(t); cap(buf)-len(buf) < n {
			buf = make([]byte, 0, max(n, lineChunk))
		}
		start := len(buf)
		var ok bool
		if buf, ok = appendLine(buf, t); ok {
			line := buf[start:len(buf):len(buf)]
			outs[i] = sdk.Output{Key: lineID(line, t), Value: line}
		} else {
			line, err := json.Marshal(outLine{ID: t.ID, Store: t.Store, Region: t.Region, SKU: t.SKU, Qty: t.Qty, Amount: formatCents(t.AmountCents), TS: t.Time})
			if err != nil {
				return nil, fmt.Errorf("transaction %s: %w", t.ID, err)
			}
			outs[i] = sdk.Output{Key: []byte(t.ID), Value: line}
		}
		revenue += t.AmountCents
	}
	j.log.Info("partition processed", zap.String("topic", p.Topic), zap.Int32("partition", p.Partition),
		zap.Time("batch", p.BatchTime), zap.Int("transactions", len(txns)), zap.String("revenue", formatCents(revenue)))
	return outs, nil
}

// Aggregate contributes the transaction's amount, in cents, to its store.
func (j *retailJob) Aggregate(t txn) (string, []byte, bool) {
	return t.Store, centsText(t.AmountCents), true
}

// Reduce adds two revenues in cents.
func (j *retailJob) Reduce(a, b []byte) ([]byte, error) {
	x, err := parseCents(a)
	if err != nil {
		return nil, err
	}
	y, err := parseCents(b)
	if err != nil {
		return nil, err
	}
	if x > math.MaxInt64-y {
		return nil, fmt.Errorf("revenue %s + %s overflows", formatCents(x), formatCents(y))
	}
	return centsText(x + y), nil
}

// centsText writes cents in decimal, allocating just the digits: a
// partition reduces once per transaction.
func centsText(c int64) []byte {
	var digits [20]byte
	return append([]byte(nil), strconv.AppendInt(digits[:0], c, 10)...)
}

// UpdateState adds the batch's revenue to the store's running revenue.
func (j *retailJob) UpdateState(_ time.Time, store string, values [][]byte, old []byte) ([]byte, bool, error) {
	total := []byte("0")
	if len(old) > 0 {
		total = old
	}
	for _, v := range values {
		var err error
		if total, err = j.Reduce(total, v); err != nil {
			return nil, false, fmt.Errorf("store %s: %w", store, err)
		}
	}
	return total, true, nil
}

func parseCents(b []byte) (int64, error) {
	if len(b) > 0 && len(b) <= 18 { // plain digits, as this job writes them
		n, end := scanDigits(b, 0)
		if end == len(b) {
			return n, nil
		}
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("revenue %q is not a non-negative number of cents", b)
	}
	return n, nil
}

// formatCents writes cents as units.cc.
func formatCents(c int64) string {
	return string(appendCents(nil, c))
}

// appendCents appends cents as fmt's "%d.%02d" of c/100 and c%100 would,
// without fmt's cost.
func appendCents(dst []byte, c int64) []byte {
	dst = strconv.AppendInt(dst, c/100, 10)
	dst = append(dst, '.')
	if r := c % 100; r >= 0 && r < 10 {
		dst = append(dst, '0', byte('0'+r))
	} else {
		dst = strconv.AppendInt(dst, r, 10)
	}
	return dst
}

// regionTable is a store → region table read from a file.
type regionTable map[string]string

// Lookup returns the regions of the stores that have one.
func (t regionTable) Lookup(_ context.Context, stores []string) (map[string]string, error) {
	out := make(map[string]string, len(stores))
	for _, s := range stores {
		if r, ok := t[s]; ok {
			out[s] = r
		}
	}
	return out, nil
}

// loadRegions reads store,region lines; blank lines and lines starting
// with # are skipped.
func loadRegions(path string) (regionTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("region table: %w", err)
	}
	defer f.Close()
	t := regionTable{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		store, region, ok := strings.Cut(line, ",")
		store, region = strings.TrimSpace(store), strings.TrimSpace(region)
		if !ok || store == "" || region == "" || strings.Contains(region, ",") {
			return nil, fmt.Errorf("region table %s line %d: %q is not store,region", path, n, line)
		}
		t[store] = region
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("region table %s: %w", path, err)
	}
	if len(t) == 0 {
		return nil, fmt.Errorf("region table %s has no stores", path)
	}
	return t, nil
}

func main() {
	sdk.Serve(&retailJob{})
}
