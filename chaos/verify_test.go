package chaos

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sinkOutputLine is the retail job's output line for a transaction.
func sinkOutputLine(id int64, store string, cents int64) string {
	raw, _ := json.Marshal(map[string]any{"id": TransactionID(id), "store": store, "region": "north", "sku": "A-1", "qty": 1,
		"amount": formatCents(cents), "ts": "2026-01-01T00:00:00Z"})
	return TransactionID(id) + "\t" + string(raw)
}

// deadLetterLine is a dead letter for a transaction whose value is value.
func deadLetterLine(value string) string {
	raw, _ := json.Marshal(map[string]any{"topic": "transactions", "partition": 0, "offset": 1, "stage": "parse", "reason": "bad", "value": []byte(value)})
	return string(raw)
}

// writeOutput writes lines to a sink file under dir.
func writeOutput(t *testing.T, dir, rel string, lines ...string) {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testLedger has transactions 1-3 valid (s-01 100, s-02 200, s-01 300
// cents), 4 invalid, 5 refused.
func testLedger() *ledger {
	l := newLedger()
	for range 5 {
		l.next()
	}
	l.valid(1, "s-01", 100)
	l.valid(2, "s-02", 200)
	l.valid(3, "s-01", 300)
	l.invalid(4)
	l.refuse(5)
	return l
}

func TestVerify(t *testing.T) {
	exactState := map[string]int64{"s-01": 400, "s-02": 200}
	for _, tc := range []struct {
		name  string
		sink  []string
		dead  []string
		state map[string]int64
		check func(t *testing.T, v Verification)
	}{
		{
			name:  "exact",
			sink:  []string{sinkOutputLine(1, "s-01", 100), sinkOutputLine(2, "s-02", 200), sinkOutputLine(3, "s-01", 300)},
			dead:  []string{deadLetterLine(`{"id":"t-4","sto`)},
			state: exactState,
			check: func(t *testing.T, v Verification) {
				if !v.OK() || v.Err() != nil || v.SinkLines != 3 || v.DeadLetters != 1 {
					t.Fatalf("exact output: %+v, %v", v, v.Err())
				}
			},
		},
		{
			name:  "lost and duplicated",
			sink:  []string{sinkOutputLine(1, "s-01", 100), sinkOutputLine(1, "s-01", 100), sinkOutputLine(3, "s-01", 300)},
			state: exactState,
			check: func(t *testing.T, v Verification) {
				if v.Lost != 2 || v.Duplicates != 1 || strings.Join(v.LostIDs, ",") != "t-2,t-4" || strings.Join(v.DuplicateIDs, ",") != "t-1" {
					t.Fatalf("lost %d %v, duplicates %d %v; want 2 [t-2 t-4], 1 [t-1]", v.Lost, v.LostIDs, v.Duplicates, v.DuplicateIDs)
				}
				// The duplicate adds its revenue twice.
				if strings.Join(v.RevenueMismatch, "; ") != "s-01: 5.00, want 4.00; s-02: 0.00, want 2.00" {
					t.Fatalf("revenue mismatch %v", v.RevenueMismatch)
				}
				if err := v.Err(); !errors.Is(err, ErrOutputMismatch) || !strings.Contains(err.Error(), "2 lost") {
					t.Fatalf("Err = %v", err)
				}
			},
		},
		{
			name: "unexpected: refused, unknown, invalid in the sink",
			sink: []string{sinkOutputLine(1, "s-01", 100), sinkOutputLine(2, "s-02", 200), sinkOutputLine(3, "s-01", 300),
				sinkOutputLine(5, "s-01", 1), sinkOutputLine(99, "s-01", 1), sinkOutputLine(4, "s-01", 1)},
			dead:  []string{deadLetterLine(`{"id":"t-4"}`), deadLetterLine(`{"id":"t-1"}`)},
			state: exactState,
			check: func(t *testing.T, v Verification) {
				if v.Unexpected != 4 || v.Lost != 0 || v.Duplicates != 0 {
					t.Fatalf("unexpected %d %v, lost %d, duplicates %d; want 4, 0, 0", v.Unexpected, v.UnexpectedIDs, v.Lost, v.Duplicates)
				}
			},
		},
		{
			name:  "state differs",
			sink:  []string{sinkOutputLine(1, "s-01", 100), sinkOutputLine(2, "s-02", 200), sinkOutputLine(3, "s-01", 300)},
			dead:  []string{deadLetterLine(`{"id":"t-4"}`)},
			state: map[string]int64{"s-01": 500, "s-02": 200},
			check: func(t *testing.T, v Verification) {
				if v.OK() || len(v.StateMismatch) != 1 || !strings.Contains(v.StateMismatch[0], "s-01: 5.00, want 4.00") {
					t.Fatalf("state mismatch %v", v.StateMismatch)
				}
			},
		},
		{
			name: "state not read, unreadable line",
			sink: []string{sinkOutputLine(1, "s-01", 100), sinkOutputLine(2, "s-02", 200), sinkOutputLine(3, "s-01", 300), "garbage"},
			dead: []string{deadLetterLine(`{"id":"t-4"}`)},
			check: func(t *testing.T, v Verification) {
				if v.OK() || v.StateChecked || len(v.Errors) != 1 || !strings.Contains(v.Errors[0], "garbage") {
					t.Fatalf("state checked %v, errors %v", v.StateChecked, v.Errors)
				}
				if err := v.Err(); !strings.Contains(err.Error(), "final state was not read") {
					t.Fatalf("Err = %v", err)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			// Spread over two batches and partitions, as the sink does.
			half := len(tc.sink) / 2
			writeOutput(t, dir, "batch=1000/part-transactions-0", tc.sink[:half]...)
			writeOutput(t, dir, "batch=2000/part-transactions-1", tc.sink[half:]...)
			if len(tc.dead) > 0 {
				writeOutput(t, dir, "_deadletter/batch=1000/part-transactions-0", tc.dead...)
			}
			vf := newVerifier(testLedger())
			vf.readOutputs(dir)
			tc.check(t, vf.finish(tc.state))
		})
	}
}

func TestParseSinkLine(t *testing.T) {
	id, store, cents, err := parseSinkLine([]byte(sinkOutputLine(42, "s-03", 1234)))
	if err != nil || id != 42 || store != "s-03" || cents != 1234 {
		t.Fatalf("parse = %d %q %d %v", id, store, cents, err)
	}
	for _, bad := range []string{
		"",
		`{"id":"t-1","amount":"1.00"}`,
		"t-1\tnot json",
		"t-2\t" + `{"id":"t-1","store":"s","amount":"1.00"}`,
		"t-0\t" + `{"id":"t-0","store":"s","amount":"1.00"}`,
		"t-1\t" + `{"id":"t-1","store":"s","amount":"1.0"}`,
		"t-1\t" + `{"id":"t-1","store":"s","amount":"-1.00"}`,
		"t-01\t" + `{"id":"t-01","store":"s","amount":"1.00"}`,
	} {
		if _, _, _, err := parseSinkLine([]byte(bad)); !errors.Is(err, ErrBadLine) {
			t.Errorf("parseSinkLine(%q) = %v, want ErrBadLine", bad, err)
		}
	}
}

func TestParseDeadLetter(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  int64
	}{
		{`{"id":"t-7","store":"s-unknown","sku":"A-1","qty":1,"price":1.00,"ts":"x"}`, 7},
		{`{"id":"t-8","store":"s-0`, 8},
	} {
		got, err := parseDeadLetter([]byte(deadLetterLine(tc.value)))
		if err != nil || got != tc.want {
			t.Errorf("dead letter of %q = %d, %v; want %d", tc.value, got, err, tc.want)
		}
	}
	for _, bad := range []string{"{", deadLetterLine(`{"store":"x"}`), `{"value":"not base64!"}`} {
		if _, err := parseDeadLetter([]byte(bad)); !errors.Is(err, ErrBadLine) {
			t.Errorf("parseDeadLetter(%q) = %v, want ErrBadLine", bad, err)
		}
	}
}

func TestLedger(t *testing.T) {
	l := testLedger()
	tot := l.Totals()
	if tot.Valid != 3 || tot.Invalid != 1 || tot.Refused != 1 || tot.LastID != 5 || tot.Total() != 4 || tot.StoreCents["s-01"] != 400 {
		t.Fatalf("totals %+v", tot)
	}
	// An id recorded twice, or never generated, changes nothing.
	l.valid(1, "s-01", 100)
	l.invalid(9)
	if got := l.Totals(); got.Valid != 3 || got.Invalid != 1 || got.StoreCents["s-01"] != 400 {
		t.Fatalf("totals after bad records %+v", got)
	}
	tot.StoreCents["s-01"] = 0
	if l.Totals().StoreCents["s-01"] != 400 {
		t.Fatal("Totals shares its map with the ledger")
	}
	if l.statusOf(0) != txnUnknown || l.statusOf(6) != txnUnknown || l.statusOf(4) != txnInvalid {
		t.Fatal("statusOf")
	}
}
