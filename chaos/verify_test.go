package chaos

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindlehq/spindle/devcluster"
)

// sinkOutputLine is the retail job's output line for a transaction.
func sinkOutputLine(id int64, store string, cents int64) string {
	raw, _ := json.Marshal(map[string]any{"id": devcluster.TransactionID(id), "store": store, "region": "north", "sku": "A-1", "qty": 1,
		"amount": formatCents(cents), "ts": "2026-01-01T00:00:00Z"})
	return devcluster.TransactionID(id) + "\t" + string(raw)
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
// cents), 4 invalid, 5 refused, read from a ledger file as a run writes
// it.
func testLedger(t *testing.T) *devcluster.Ledger {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ledger.csv.gz")
	copyLedger(t, p)
	l, err := devcluster.ReadLedger(p)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// copyLedger writes testLedger's file to p.
func copyLedger(t *testing.T, p string) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	gz := gzip.NewWriter(f)
	gz.Write([]byte("# header\nt-1,valid,s-01,100\nt-2,valid,s-02,200\nt-3,valid,s-01,300\nt-4,invalid,,0\nt-5,refused,s-02,50\n"))
	if err := errors.Join(gz.Close(), f.Close()); err != nil {
		t.Fatal(err)
	}
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
			name: "unexpected: unknown, invalid in the sink, valid in the dead letters",
			sink: []string{sinkOutputLine(1, "s-01", 100), sinkOutputLine(2, "s-02", 200), sinkOutputLine(3, "s-01", 300),
				sinkOutputLine(99, "s-01", 1), sinkOutputLine(4, "s-01", 1)},
			dead:  []string{deadLetterLine(`{"id":"t-4"}`), deadLetterLine(`{"id":"t-1"}`)},
			state: exactState,
			check: func(t *testing.T, v Verification) {
				if v.Unexpected != 3 || v.Lost != 0 || v.Duplicates != 0 {
					t.Fatalf("unexpected %d %v, lost %d, duplicates %d; want 3, 0, 0", v.Unexpected, v.UnexpectedIDs, v.Lost, v.Duplicates)
				}
			},
		},
		{
			// Kafka did not acknowledge t-5 but wrote it: read once, it
			// counts, in the revenue and the state too; twice, it is a
			// duplicate.
			name: "not acknowledged, read once",
			sink: []string{sinkOutputLine(1, "s-01", 100), sinkOutputLine(2, "s-02", 200), sinkOutputLine(3, "s-01", 300),
				sinkOutputLine(5, "s-02", 50)},
			dead:  []string{deadLetterLine(`{"id":"t-4"}`)},
			state: map[string]int64{"s-01": 400, "s-02": 250},
			check: func(t *testing.T, v Verification) {
				if !v.OK() {
					t.Fatalf("a transaction Kafka did not acknowledge, read once: %v", v.Err())
				}
			},
		},
		{
			name: "not acknowledged, read twice",
			sink: []string{sinkOutputLine(1, "s-01", 100), sinkOutputLine(2, "s-02", 200), sinkOutputLine(5, "s-02", 50),
				sinkOutputLine(3, "s-01", 300), sinkOutputLine(5, "s-02", 50)},
			dead:  []string{deadLetterLine(`{"id":"t-4"}`)},
			state: map[string]int64{"s-01": 400, "s-02": 250},
			check: func(t *testing.T, v Verification) {
				if v.Duplicates != 1 || strings.Join(v.DuplicateIDs, ",") != "t-5" {
					t.Fatalf("duplicates %d %v, want t-5 once", v.Duplicates, v.DuplicateIDs)
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
			vf := newVerifier(testLedger(t))
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

// TestVerifyAgain checks a run's output dir after the fact from its
// ledger, sink and state files.
func TestVerifyAgain(t *testing.T) {
	dir := t.TempDir()
	sink := sinkDir(filepath.Join(dir, "cluster"))
	writeOutput(t, sink, "batch=1000/part-transactions-0", sinkOutputLine(1, "s-01", 100), sinkOutputLine(2, "s-02", 200))
	writeOutput(t, sink, "batch=2000/part-transactions-0", sinkOutputLine(3, "s-01", 300))
	writeOutput(t, sink, "_deadletter/batch=1000/part-transactions-0", deadLetterLine(`{"id":"t-4"}`))
	copyLedger(t, filepath.Join(dir, LedgerFile))
	if err := writeState(filepath.Join(dir, StateFile), map[string]int64{"s-01": 400, "s-02": 200}); err != nil {
		t.Fatal(err)
	}
	v, err := Verify(dir)
	if err != nil || !v.OK() {
		t.Fatalf("Verify = %+v, %v; want the exact output", v, err)
	}
	writeOutput(t, sink, "batch=3000/part-transactions-0", sinkOutputLine(3, "s-01", 300))
	if v, err := Verify(dir); err != nil || v.Duplicates != 1 {
		t.Fatalf("Verify with t-3 twice = %+v, %v; want one duplicate", v, err)
	}
	if _, err := Verify(t.TempDir()); err == nil {
		t.Fatal("Verify of a dir without a ledger succeeded")
	}
}
