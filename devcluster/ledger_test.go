package devcluster

import "testing"

func TestLedger(t *testing.T) {
	l := NewLedger()
	for range 5 {
		l.next()
	}
	l.valid(1, "s-01", 100)
	l.valid(2, "s-02", 200)
	l.valid(3, "s-01", 300)
	l.invalid(4)
	l.refuse(5)
	tot := l.Totals()
	if tot.Valid != 3 || tot.Invalid != 1 || tot.Refused != 1 || tot.LastID != 5 || tot.Total() != 4 || tot.StoreCents["s-01"] != 400 || tot.RevenueCents != 600 {
		t.Fatalf("totals %+v", tot)
	}
	// An id recorded twice, or never generated, changes nothing.
	if l.valid(1, "s-01", 100) || l.invalid(9) {
		t.Fatal("a second record, or one of an id never generated, was taken")
	}
	if got := l.Totals(); got.Valid != 3 || got.Invalid != 1 || got.StoreCents["s-01"] != 400 {
		t.Fatalf("totals after bad records %+v", got)
	}
	tot.StoreCents["s-01"] = 0
	if l.Totals().StoreCents["s-01"] != 400 {
		t.Fatal("Totals shares its map with the ledger")
	}
	if l.Status(0) != TxnUnknown || l.Status(6) != TxnUnknown || l.Status(4) != TxnInvalid || l.Status(5) != TxnRefused {
		t.Fatal("Status")
	}
}
