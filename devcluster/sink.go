package devcluster

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// SinkTotals is what the retail job wrote to its file sink.
type SinkTotals struct {
	// Transactions are the output lines; DistinctIDs the different
	// transaction ids among them (fewer means a transaction was written
	// twice).
	Transactions, DistinctIDs int64
	// RevenueCents is the sum of their amounts.
	RevenueCents int64
	// DeadLetters are the rejected records.
	DeadLetters int64
}

// sinkLine is the part of a retail output line the check reads.
type sinkLine struct {
	ID     string `json:"id"`
	Amount string `json:"amount"`
}

// ReadSink totals a local file sink: output lines "id<TAB>json" under
// dir/batch=*/part-*, dead letters under dir/_deadletter/batch=*/part-*.
func ReadSink(dir string) (SinkTotals, error) {
	var t SinkTotals
	ids := map[string]bool{}
	err := eachLine(filepath.Join(dir, "batch=*", "part-*"), func(file string, line []byte) error {
		_, value, ok := bytes.Cut(line, []byte("\t"))
		if !ok {
			value = line
		}
		var l sinkLine
		if err := json.Unmarshal(value, &l); err != nil {
			return fmt.Errorf("devcluster: sink file %s: line %q: %w", file, clip(line), err)
		}
		cents, err := parseAmount(l.Amount)
		if err != nil {
			return fmt.Errorf("devcluster: sink file %s: transaction %s: %w", file, l.ID, err)
		}
		t.Transactions++
		t.RevenueCents += cents
		ids[l.ID] = true
		return nil
	})
	if err != nil {
		return t, err
	}
	t.DistinctIDs = int64(len(ids))
	err = eachLine(filepath.Join(dir, "_deadletter", "batch=*", "part-*"), func(string, []byte) error {
		t.DeadLetters++
		return nil
	})
	return t, err
}

// eachLine calls fn with each non-empty line of the files matching glob.
func eachLine(glob string, fn func(file string, line []byte) error) error {
	files, err := filepath.Glob(glob)
	if err != nil {
		return fmt.Errorf("devcluster: sink files %s: %w", glob, err)
	}
	for _, file := range files {
		if err := eachFileLine(file, fn); err != nil {
			return err
		}
	}
	return nil
}

func eachFileLine(file string, fn func(file string, line []byte) error) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("devcluster: sink file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		if err := fn(file, sc.Bytes()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("devcluster: read sink file %s: %w", file, err)
	}
	return nil
}

// parseAmount reads a decimal amount with two decimals ("12.34") in cents.
func parseAmount(s string) (int64, error) {
	whole, frac, ok := strings.Cut(s, ".")
	if !ok || len(frac) != 2 {
		return 0, fmt.Errorf("amount %q: want units.cents", s)
	}
	u, err1 := strconv.ParseInt(whole, 10, 64)
	c, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || u < 0 || c < 0 {
		return 0, fmt.Errorf("amount %q: want units.cents", s)
	}
	return u*100 + c, nil
}

// formatCents writes cents as units.cents.
func formatCents(c int64) string {
	return fmt.Sprintf("%d.%02d", c/100, c%100)
}
