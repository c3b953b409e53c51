package chaos

import "maps"

// What the ledger knows of a transaction id.
const (
	txnUnknown byte = iota // generated, not (yet) acknowledged
	txnValid               // acknowledged; the job outputs it
	txnInvalid             // acknowledged; the job rejects it
	txnRefused             // Kafka refused it; never reused
)

// ledger records every transaction the producer generated and what Kafka
// acknowledged, by transaction number (ids t-1, t-2, …).
type ledger struct {
	last   int64
	status []byte // by transaction number; status[0] is unused
	totals Produced
}

// Produced is what Kafka acknowledged over a run.
type Produced struct {
	// Valid and Invalid are the transactions written, by whether the job
	// accepts them; Refused those Kafka did not acknowledge.
	Valid, Invalid, Refused int64
	// LastID is the highest transaction number generated.
	LastID int64
	// StoreCents is the valid transactions' revenue per store, in cents.
	StoreCents map[string]int64
}

// Total is every transaction written.
func (p Produced) Total() int64 { return p.Valid + p.Invalid }

func newLedger() *ledger {
	return &ledger{status: []byte{txnUnknown}, totals: Produced{StoreCents: map[string]int64{}}}
}

// next numbers a new transaction.
func (l *ledger) next() int64 {
	l.last++
	l.status = append(l.status, txnUnknown)
	l.totals.LastID = l.last
	return l.last
}

// valid records that transaction id, of store worth cents, was written.
func (l *ledger) valid(id int64, store string, cents int64) {
	if l.set(id, txnValid) {
		l.totals.Valid++
		l.totals.StoreCents[store] += cents
	}
}

// invalid records that transaction id, which the job rejects, was written.
func (l *ledger) invalid(id int64) {
	if l.set(id, txnInvalid) {
		l.totals.Invalid++
	}
}

// refuse records that Kafka refused transaction id.
func (l *ledger) refuse(id int64) {
	if l.set(id, txnRefused) {
		l.totals.Refused++
	}
}

// set records id's status once; it reports false for an id never
// generated or already recorded.
func (l *ledger) set(id int64, st byte) bool {
	if id < 1 || id > l.last || l.status[id] != txnUnknown {
		return false
	}
	l.status[id] = st
	return true
}

// statusOf returns what the ledger knows of id (txnUnknown for an id
// never generated).
func (l *ledger) statusOf(id int64) byte {
	if id < 1 || id > l.last {
		return txnUnknown
	}
	return l.status[id]
}

// Produced is the number of transactions written.
func (l *ledger) Produced() int64 { return l.totals.Total() }

// Totals returns a copy of the totals.
func (l *ledger) Totals() Produced {
	t := l.totals
	t.StoreCents = maps.Clone(l.totals.StoreCents)
	return t
}
