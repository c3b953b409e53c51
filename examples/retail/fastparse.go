package main

import (
	"encoding/binary"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// The retail job runs in Spindle's throughput benchmarks, where decoding
// every record with encoding/json would cost more than the rest of the
// pipeline. parseFast reads the common shape of a transaction by hand and
// gives up on anything it is not sure of, which parseDecoded then handles:
// parseDecoded stays the reference for what is accepted and the source of
// every error message, and the fast path never accepts what it rejects nor
// gives a different txn (FuzzParseFastPathMatchesDecoder).

// The fields of a transaction, in the order of parseFast's spans.
const (
	fieldID = iota
	fieldStore
	fieldSKU
	fieldQty
	fieldPrice
	fieldTS
	numFields
)

// parseFast parses a transaction that is one flat JSON object with each
// of the six fields exactly once, keys written in lower case, strings
// without escapes, qty as plain digits and price as digits with at most
// two decimals, and that is valid as a whole. ok is false for anything
// else, valid or not.
func parseFast(b []byte) (t txn, ok bool) {
	var spans [numFields][2]int // string fields' [start, end) in b
	var qty, price int64
	seen := 0
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return txn{}, false
	}
	for i++; ; i++ { // i is past '{' or ','
		i = skipSpace(b, i)
		f, next := matchKey(b, i)
		if f < 0 {
			return txn{}, false
		}
		if i = skipSpace(b, next); i >= len(b) || b[i] != ':' {
			return txn{}, false
		}
		i = skipSpace(b, i+1)
		if seen&(1<<f) != 0 {
			return txn{}, false
		}
		seen |= 1 << f
		switch f {
		case fieldQty:
			qty, i, ok = scanQty(b, i)
		case fieldPrice:
			price, i, ok = scanPrice(b, i)
		default:
			var s, e int
			s, e, i, ok = scanString(b, i)
			ok = ok && !blank(b[s:e])
			spans[f] = [2]int{s, e}
		}
		if !ok {
			return txn{}, false
		}
		if i = skipSpace(b, i); i >= len(b) {
			return txn{}, false
		}
		if b[i] == '}' {
			break
		}
		if b[i] != ',' {
			return txn{}, false
		}
	}
	if skipSpace(b, i+1) != len(b) || seen != 1<<numFields-1 {
		return txn{}, false
	}
	if price != 0 && qty > math.MaxInt64/price {
		return txn{}, false
	}
	span := func(f int) []byte { return b[spans[f][0]:spans[f][1]] }
	ts, ok := parseUTC(span(fieldTS))
	if !ok {
		var err error
		if ts, err = time.Parse(time.RFC3339Nano, string(span(fieldTS))); err != nil {
			return txn{}, false
		}
	}
	// One allocation for the three strings.
	id, store, sku := span(fieldID), span(fieldStore), span(fieldSKU)
	var sb strings.Builder
	sb.Grow(len(id) + len(store) + len(sku))
	sb.Write(id)
	sb.Write(store)
	sb.Write(sku)
	s := sb.String()
	return txn{
		ID:    s[:len(id)],
		Store: s[len(id) : len(id)+len(store)],
		SKU:   s[len(id)+len(store):],
		Qty:   qty, PriceCents: price, AmountCents: qty * price, Time: ts,
	}, true
}

// matchKey returns the field whose key, written in lower case without
// escapes, is at b[i], and the index past it; field is -1 for anything
// else.
func matchKey(b []byte, i int) (field, next int) {
	k := b[i:]
	switch {
	case hasKey(k, `"id"`):
		return fieldID, i + len(`"id"`)
	case hasKey(k, `"ts"`):
		return fieldTS, i + len(`"ts"`)
	case hasKey(k, `"sku"`):
		return fieldSKU, i + len(`"sku"`)
	case hasKey(k, `"qty"`):
		return fieldQty, i + len(`"qty"`)
	case hasKey(k, `"store"`):
		return fieldStore, i + len(`"store"`)
	case hasKey(k, `"price"`):
		return fieldPrice, i + len(`"price"`)
	}
	return -1, 0
}

// hasKey reports whether b starts with key.
func hasKey(b []byte, key string) bool {
	return len(b) >= len(key) && string(b[:len(key)]) == key
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString reads a JSON string at b[i] that has no escapes and is valid
// UTF-8, which encoding/json decodes to its bytes as they are. It returns
// the contents' [start, end) and the index past the closing quote.
func scanString(b []byte, i int) (start, end, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, 0, 0, false
	}
	start = i + 1
	j := start
	for j+8 <= len(b) && !special(binary.LittleEndian.Uint64(b[j:])) {
		j += 8
	}
	ascii := true
	for ; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			if !ascii && !utf8.Valid(b[start:j]) {
				return 0, 0, 0, false
			}
			return start, j, j + 1, true
		case c == '\\' || c < 0x20:
			return 0, 0, 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return 0, 0, 0, false
}

// special reports whether any of the 8 bytes in x may be one that ends or
// escapes a string, a control character or not ASCII; false positives
// only cost time.
func special(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	return (x|(x-ones*0x20)|(quote-ones)&^quote|(backslash-ones)&^backslash)&highs != 0
}

// blank reports whether s, a string scanString read, is empty or only
// spaces, which parseDecoded rejects as a missing field. scanString
// refuses control characters, so the only ASCII space left is ' ';
// non-ASCII strings count as blank here so that Unicode spaces are left to
// parseDecoded too.
func blank(s []byte) bool {
	for _, c := range s {
		switch {
		case c >= utf8.RuneSelf:
			return true
		case c != ' ':
			return false
		}
	}
	return true
}

// scanQty reads a positive whole number of at most 18 digits, which
// cannot overflow, and returns it with the index past it.
func scanQty(b []byte, i int) (q int64, next int, ok bool) {
	if i >= len(b) || b[i] < '1' || b[i] > '9' {
		return 0, 0, false
	}
	q, next = scanDigits(b, i)
	if next-i > 18 {
		return 0, 0, false
	}
	return q, next, true
}

// scanPrice reads a non-negative price of at most 16 whole digits with no
// leading zero and an optional '.' and one or two decimals, in cents, and
// returns it with the index past it.
func scanPrice(b []byte, i int) (cents int64, next int, ok bool) {
	if i >= len(b) || b[i] < '0' || b[i] > '9' {
		return 0, 0, false
	}
	units, next := scanDigits(b, i)
	if (b[i] == '0' && next-i > 1) || next-i > 16 {
		return 0, 0, false
	}
	cents = units * 100
	if next >= len(b) || b[next] != '.' {
		return cents, next, true
	}
	frac, end := scanDigits(b, next+1)
	switch end - (next + 1) {
	case 1:
		return cents + frac*10, end, true
	case 2:
		return cents + frac, end, true
	}
	return 0, 0, false
}

// scanDigits reads decimal digits from b[i] on. Callers bound how many so
// that n does not overflow.
func scanDigits(b []byte, i int) (n int64, next int) {
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0') // wraps only past the callers' bounds
	}
	return n, i
}
