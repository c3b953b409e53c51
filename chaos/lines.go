package chaos

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/spindlehq/spindle/devcluster"
)

// sinkLine is the part of a retail output line the check reads.
type sinkLine struct {
	ID     string `json:"id"`
	Store  string `json:"store"`
	Amount string `json:"amount"`
}

// parseSinkLine reads a retail output line "t-<n><TAB>{json}" and returns
// the transaction number, its store and its amount in cents.
func parseSinkLine(line []byte) (id int64, store string, cents int64, err error) {
	key, value, ok := bytes.Cut(line, []byte("\t"))
	if !ok {
		return 0, "", 0, fmt.Errorf("%w: %q has no key", ErrBadLine, clip(line))
	}
	var l sinkLine
	if err := json.Unmarshal(value, &l); err != nil {
		return 0, "", 0, fmt.Errorf("%w: %q: %v", ErrBadLine, clip(line), err)
	}
	if l.ID != string(key) {
		return 0, "", 0, fmt.Errorf("%w: %q: key %q is not the id %q", ErrBadLine, clip(line), clip(key), l.ID)
	}
	if id, err = devcluster.ParseTransactionID(l.ID); err != nil {
		return 0, "", 0, fmt.Errorf("%w: %q: %v", ErrBadLine, clip(line), err)
	}
	if cents, err = parseAmount(l.Amount); err != nil {
		return 0, "", 0, fmt.Errorf("%w: %q: %v", ErrBadLine, clip(line), err)
	}
	return id, l.Store, cents, nil
}

// idInValue finds a transaction's id in a record value, whole or
// truncated.
var idInValue = regexp.MustCompile(`"id":"(t-[0-9]+)"`)

// parseDeadLetter reads a dead-letter line (JSON with the record's value,
// base64) and returns the transaction number named in the value.
func parseDeadLetter(line []byte) (int64, error) {
	var d struct {
		Value  []byte `json:"value"`
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal(line, &d); err != nil {
		return 0, fmt.Errorf("%w: dead letter %q: %v", ErrBadLine, clip(line), err)
	}
	m := idInValue.FindSubmatch(d.Value)
	if m == nil {
		return 0, fmt.Errorf("%w: dead letter %q: its value names no transaction id", ErrBadLine, clip(line))
	}
	id, err := devcluster.ParseTransactionID(string(m[1]))
	if err != nil {
		return 0, fmt.Errorf("%w: dead letter %q: %v", ErrBadLine, clip(line), err)
	}
	return id, nil
}

// parseAmount reads a non-negative decimal amount with two decimals
// ("12.34") in cents.
func parseAmount(s string) (int64, error) {
	whole, frac, ok := strings.Cut(s, ".")
	if !ok || len(frac) != 2 || whole == "" || strings.Trim(whole+frac, "0123456789") != "" {
		return 0, fmt.Errorf("amount %q: want units.cents", s)
	}
	u, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || u > (1<<62)/100 {
		return 0, fmt.Errorf("amount %q: out of range", s)
	}
	c, _ := strconv.ParseInt(frac, 10, 64)
	return u*100 + c, nil
}

// formatCents writes cents as units.cents.
func formatCents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// clip shortens b for an error message.
func clip(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}
