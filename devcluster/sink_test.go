package devcluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadSink(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "batch=1000", "part-transactions-0"),
		"t-1\t{\"id\":\"t-1\",\"store\":\"s-01\",\"amount\":\"12.34\"}\nt-2\t{\"id\":\"t-2\",\"amount\":\"0.66\"}\n")
	writeFile(t, filepath.Join(dir, "batch=2000", "part-transactions-1"),
		"t-3\t{\"id\":\"t-3\",\"amount\":\"100.00\"}\n\n")
	writeFile(t, filepath.Join(dir, "_deadletter", "batch=2000", "part-transactions-1"),
		"{\"reason\":\"missing qty\"}\n{\"reason\":\"unknown store\"}\n")
	got, err := ReadSink(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := SinkTotals{Transactions: 3, DistinctIDs: 3, RevenueCents: 11300, DeadLetters: 2}
	if got != want {
		t.Fatalf("totals %+v, want %+v", got, want)
	}

	// A transaction written twice is counted twice but once as an id.
	writeFile(t, filepath.Join(dir, "batch=3000", "part-transactions-0"), "t-1\t{\"id\":\"t-1\",\"amount\":\"12.34\"}\n")
	if got, _ := ReadSink(dir); got.Transactions != 4 || got.DistinctIDs != 3 {
		t.Fatalf("duplicate: %+v, want 4 transactions, 3 distinct", got)
	}

	writeFile(t, filepath.Join(dir, "batch=4000", "part-transactions-0"), "t-9\t{\"id\":\"t-9\",\"amount\":\"1.5\"}\n")
	if _, err := ReadSink(dir); err == nil || !strings.Contains(err.Error(), "t-9") {
		t.Fatalf("bad amount: %v, want an error naming t-9", err)
	}
}

func TestReadSinkEmpty(t *testing.T) {
	got, err := ReadSink(filepath.Join(t.TempDir(), "none"))
	if err != nil || got != (SinkTotals{}) {
		t.Fatalf("missing sink: %+v, %v", got, err)
	}
}

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]int64{"0.00": 0, "12.34": 1234, "100.05": 10005} {
		if got, err := parseAmount(in); err != nil || got != want {
			t.Errorf("parseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "12", "1.5", "-1.00", "a.bc", "1.2.3"} {
		if _, err := parseAmount(bad); err == nil {
			t.Errorf("parseAmount(%q) succeeded", bad)
		}
	}
	if got := formatCents(123456); got != "1234.56" {
		t.Errorf("formatCents = %s", got)
	}
}
