package main

// The retail job runs in Spindle's throughput benchmarks, where
// json.Marshal of every output line would cost more than the rest of the
// pipeline. appendLine writes the line by hand when that is sure to give
// the same bytes, and Emit uses json.Marshal, the reference, for the other
// lines (FuzzEmitFastPathMatchesMarshal).

import "strconv"

// lineOverhead is the length of an output line without its values.
const lineOverhead = len(`{"id":"","store":"","region":"","sku":"","qty":,"amount":"","ts":""}`)

// lineIDStart is where the id starts in a line appendLine wrote.
const lineIDStart = len(`{"id":"`)

// lineChunk is the size of the buffers Emit writes lines into: small
// enough to be an ordinary allocation, large enough for many lines.
const lineChunk = 32 << 10

// maxLineLen is an upper bound of the length of t's line.
func maxLineLen(t *txn) int {
	const numbers = len("-9223372036854775808") + len("-92233720368547758.-99") + len("-9999-12-31T23:59:59.999999999+23:59")
	return lineOverhead + numbers + len(t.ID) + len(t.Store) + len(t.Region) + len(t.SKU)
}

// appendLine appends t's output line as json.Marshal of its outLine
// writes it, when every string is printable ASCII that json.Marshal does
// not escape and the time is one it can write. Otherwise it returns dst
// unchanged and false.
func appendLine(dst []byte, t *txn) ([]byte, bool) {
	if !plain(t.ID) || !plain(t.Store) || !plain(t.Region) || !plain(t.SKU) {
		return dst, false
	}
	n := len(dst)
	dst = append(dst, `{"id":"`...)
	dst = append(dst, t.ID...)
	dst = append(dst, `","store":"`...)
	dst = append(dst, t.Store...)
	dst = append(dst, `","region":"`...)
	dst = append(dst, t.Region...)
	dst = append(dst, `","sku":"`...)
	dst = append(dst, t.SKU...)
	dst = append(dst, `","qty":`...)
	dst = strconv.AppendInt(dst, t.Qty, 10)
	dst = append(dst, `,"amount":"`...)
	dst = appendCents(dst, t.AmountCents)
	dst = append(dst, `","ts":"`...)
	withTS, ok := appendUTC(dst, t.Time)
	if !ok {
		// AppendText writes what Time.MarshalJSON quotes, and fails where
		// it fails (years outside [0,9999], zone offsets of 24 hours or
		// more).
		var err error
		if withTS, err = t.Time.AppendText(dst); err != nil {
			return dst[:n], false
		}
	}
	return append(withTS, `"}`...), true
}

// lineID returns the id in a line appendLine wrote, capped so that
// appending to it cannot overwrite the line.
func lineID(line []byte, t *txn) []byte {
	end := lineIDStart + len(t.ID)
	return line[lineIDStart:end:end]
}

// plain reports whether json.Marshal writes s as it is: printable ASCII
// without '"' and '\\', which it escapes, nor '<', '>' and '&', which it
// escapes for HTML.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}
