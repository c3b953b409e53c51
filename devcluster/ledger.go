package devcluster

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"strconv"
	"strings"
)

// What a ledger knows of a transaction id.
const (
	// TxnUnknown: generated, Kafka has not answered for it (yet).
	TxnUnknown byte = iota
	// TxnValid: acknowledged; the retail job outputs it.
	TxnValid
	// TxnInvalid: acknowledged; the job rejects it (a dead letter).
	TxnInvalid
	// TxnRefused: Kafka did not acknowledge it. It may still have been
	// written (an answer lost), so it may be read once, or not at all;
	// its id is never used again.
	TxnRefused
)

var statusNames = [...]string{TxnUnknown: "unknown", TxnValid: "valid", TxnInvalid: "invalid", TxnRefused: "refused"}

// Ledger records every transaction a Producer generated and what Kafka
// answered for it, by transaction number (ids t-1, t-2, …).
type Ledger struct {
	last   int64
	status []byte // by transaction number; status[0] is unused
	totals Produced
}

// Produced is what Kafka acknowledged.
type Produced struct {
	// Valid and Invalid are the transactions written, by whether the job
	// accepts them; Refused those Kafka did not acknowledge.
	Valid, Invalid, Refused int64
	// LastID is the highest transaction number generated (ids are t-1 …
	// t-LastID).
	LastID int64
	// RevenueCents is the valid transactions' revenue; StoreCents the same
	// per store.
	RevenueCents int64
	StoreCents   map[string]int64
}

// Total is every transaction written.
func (p Produced) Total() int64 { return p.Valid + p.Invalid }

// NewLedger returns an empty ledger.
func NewLedger() *Ledger {
	return &Ledger{status: []byte{TxnUnknown}, totals: Produced{StoreCents: map[string]int64{}}}
}

// next numbers a new transaction.
func (l *Ledger) next() int64 {
	l.last++
	l.status = append(l.status, TxnUnknown)
	l.totals.LastID = l.last
	return l.last
}

// valid records that transaction id, of store worth cents, was written.
func (l *Ledger) valid(id int64, store string, cents int64) bool {
	if !l.set(id, TxnValid) {
		return false
	}
	l.totals.Valid++
	l.totals.RevenueCents += cents
	l.totals.StoreCents[store] += cents
	return true
}

// invalid records that transaction id, which the job rejects, was written.
func (l *Ledger) invalid(id int64) bool {
	if !l.set(id, TxnInvalid) {
		return false
	}
	l.totals.Invalid++
	return true
}

// refuse records that Kafka did not acknowledge transaction id.
func (l *Ledger) refuse(id int64) bool {
	if !l.set(id, TxnRefused) {
		return false
	}
	l.totals.Refused++
	return true
}

// set records id's status once; it reports false for an id never
// generated or already recorded.
func (l *Ledger) set(id int64, st byte) bool {
	if id < 1 || id > l.last || l.status[id] != TxnUnknown {
		return false
	}
	l.status[id] = st
	return true
}

// Status returns what the ledger knows of transaction number id
// (TxnUnknown for one never generated).
func (l *Ledger) Status(id int64) byte {
	if id < 1 || id > l.last {
		return TxnUnknown
	}
	return l.status[id]
}

// Last is the highest transaction number generated.
func (l *Ledger) Last() int64 { return l.last }

// Totals returns a copy of the totals.
func (l *Ledger) Totals() Produced {
	t := l.totals
	t.StoreCents = maps.Clone(l.totals.StoreCents)
	return t
}

// ledgerHeader starts a ledger file.
const ledgerHeader = "# spindle transaction ledger: id,status,store,cents. refused: Kafka did not acknowledge it; it may be in the topic once, or not at all.\n"

// ledgerWriter writes a ledger file, gzipped CSV, a line per
// transaction as Kafka answers for it.
type ledgerWriter struct {
	f  *os.File
	gz *gzip.Writer
	w  *bufio.Writer
}

func createLedgerFile(path string) (*ledgerWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("devcluster: ledger file: %w", err)
	}
	gz := gzip.NewWriter(f)
	lw := &ledgerWriter{f: f, gz: gz, w: bufio.NewWriterSize(gz, 64<<10)}
	lw.w.WriteString(ledgerHeader)
	return lw, nil
}

func (lw *ledgerWriter) line(id int64, st byte, store string, cents int64) {
	lw.w.WriteString(TransactionID(id))
	lw.w.WriteByte(',')
	lw.w.WriteString(statusNames[st])
	lw.w.WriteByte(',')
	lw.w.WriteString(store)
	lw.w.WriteByte(',')
	lw.w.WriteString(strconv.FormatInt(cents, 10))
	lw.w.WriteByte('\n')
}

func (lw *ledgerWriter) close() error {
	return errors.Join(lw.w.Flush(), lw.gz.Close(), lw.f.Close())
}

// ReadLedger reads a ledger file a Producer wrote (LedgerFile), so that a
// run's verdict can be checked again afterwards.
func ReadLedger(path string) (*Ledger, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("devcluster: ledger: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("devcluster: ledger %s: %w", path, err)
	}
	l := NewLedger()
	sc := bufio.NewScanner(gz)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := l.readLine(line); err != nil {
			return nil, fmt.Errorf("devcluster: ledger %s line %d: %w", path, n, err)
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("devcluster: ledger %s: %w", path, err)
	}
	return l, nil
}

// readLine enters one "t-<n>,status,store,cents" line.
func (l *Ledger) readLine(line string) error {
	parts := strings.Split(line, ",")
	if len(parts) != 4 {
		return fmt.Errorf("%q: want id,status,store,cents", line)
	}
	id, err := ParseTransactionID(parts[0])
	if err != nil {
		return err
	}
	cents, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil || cents < 0 {
		return fmt.Errorf("%q: cents %q", line, parts[3])
	}
	const maxID = 1 << 32 // bounds the memory a damaged file can ask for
	if id > maxID {
		return fmt.Errorf("%q: id beyond %d", line, int64(maxID))
	}
	for l.last < id {
		l.next()
	}
	ok := false
	switch parts[1] {
	case "valid":
		ok = l.valid(id, parts[2], cents)
	case "invalid":
		ok = l.invalid(id)
	case "refused":
		ok = l.refuse(id)
	default:
		return fmt.Errorf("%q: status %q", line, parts[1])
	}
	if !ok {
		return fmt.Errorf("%q: transaction %d entered twice", line, id)
	}
	return nil
}

// TransactionID is the id of transaction number n: "t-<n>".
func TransactionID(n int64) string { return "t-" + strconv.FormatInt(n, 10) }

// ParseTransactionID reads "t-<n>" with n ≥ 1.
func ParseTransactionID(s string) (int64, error) {
	digits, ok := strings.CutPrefix(s, "t-")
	n, err := strconv.ParseInt(digits, 10, 64)
	if !ok || err != nil || n < 1 || strconv.FormatInt(n, 10) != digits {
		return 0, fmt.Errorf("transaction id %q: want t-<number ≥ 1>", s)
	}
	return n, nil
}
