package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const canonical = `{"id":"t-1001","store":"s-01","sku":"A-42","qty":2,"price":12.99,"ts":"2025-03-01T12:00:00Z"}`

// record is canonical with old replaced by new.
func record(old, new string) string { return strings.Replace(canonical, old, new, 1) }

// sameTxn reports whether a and b are the same transaction, times
// included down to their zone.
func sameTxn(a, b txn) bool {
	an, ao := a.Time.Zone()
	bn, bo := b.Time.Zone()
	ta, tb := a, b
	ta.Time, tb.Time = time.Time{}, time.Time{}
	return ta == tb && a.Time.Equal(b.Time) && an == bn && ao == bo &&
		a.Time.Location().String() == b.Time.Location().String()
}

func TestParseFastPath(t *testing.T) {
	for _, tc := range []struct {
		name, record string
		fast         bool // whether parseFast accepts it
	}{
		{"canonical", canonical, true},
		{"spaces between tokens", " \t\n{ \"id\" : \"t-1\" ,\r\n\"store\":\"s-01\", \"sku\":\"A\",\"qty\": 3 ,\"price\" :0.5,\"ts\":\"2025-03-01T12:00:00Z\" } \n", true},
		{"fields in another order", `{"ts":"2025-03-01T12:00:00Z","price":1,"qty":1,"sku":"A","store":"s-01","id":"t1"}`, true},
		{"price without decimals", record("12.99", "12"), true},
		{"price with one decimal", record("12.99", "0.5"), true},
		{"price zero", record("12.99", "0"), true},
		{"price of 16 whole digits", record("12.99", "9999999999999999.99"), true},
		{"qty of 18 digits, price 0", record(`"qty":2,"price":12.99`, `"qty":999999999999999999,"price":0`), true},
		{"nanoseconds", record("12:00:00Z", "12:00:00.123456789Z"), true},
		{"zone offset", record("12:00:00Z", "12:00:00+02:00"), true},
		{"non-ASCII id", record("t-1001", "t-é€"), true},
		{"spaces around id", record("t-1001", " t-1 "), true},

		{"escaped string", record("t-1001", `t-\u0031`), false},
		{"escaped quote", record("t-1001", `t-\"`), false},
		{"upper-case key", record(`"id"`, `"ID"`), false},
		{"unknown key", record(`"sku":"A-42",`, `"sku":"A-42","note":"x",`), false},
		{"duplicate key", record(`"sku":"A-42",`, `"sku":"A-42","sku":"B",`), false},
		{"missing field", record(`"sku":"A-42",`, ""), false},
		{"empty object", `{}`, false},
		{"trailing data", canonical + ` {}`, false},
		{"trailing garbage", canonical + `x`, false},
		{"no closing brace", strings.TrimSuffix(canonical, "}"), false},
		{"trailing comma", strings.TrimSuffix(canonical, "}") + ",}", false},
		{"array", `[1,2]`, false},
		{"empty", ``, false},
		{"byte order mark", "\ufeff" + canonical, false},
		{"null id", record(`"t-1001"`, `null`), false},
		{"blank id", record("t-1001", "  "), false},
		{"id of a tab", record("t-1001", "\t"), false},
		{"id of a vertical tab", record("t-1001", "\v"), false},
		{"id of a form feed", record("t-1001", "\f"), false},
		{"sku of a carriage return and a space", record("A-42", "\r "), false},
		{"store of a newline", record("s-01", "\n"), false},
		{"empty sku", record("A-42", ""), false},
		{"non-ASCII space id", record("t-1001", "\u00a0"), false},
		{"control character", record("t-1001", "t\x01"), false},
		{"invalid UTF-8", record("t-1001", "t\xff"), false},
		{"qty zero", record(`"qty":2`, `"qty":0`), false},
		{"qty with leading zero", record(`"qty":2`, `"qty":02`), false},
		{"qty negative", record(`"qty":2`, `"qty":-2`), false},
		{"qty fraction", record(`"qty":2`, `"qty":2.0`), false},
		{"qty exponent", record(`"qty":2`, `"qty":2e0`), false},
		{"qty string", record(`"qty":2`, `"qty":"2"`), false},
		{"qty of 19 digits", record(`"qty":2`, `"qty":1000000000000000000`), false},
		{"price of 3 decimals", record("12.99", "12.999"), false},
		{"price ending in a dot", record("12.99", "12."), false},
		{"price with leading zero", record("12.99", "012.99"), false},
		{"price starting with a dot", record("12.99", ".99"), false},
		{"price negative", record("12.99", "-12.99"), false},
		{"price exponent", record("12.99", "1e2"), false},
		{"amount overflows", record(`"qty":2`, `"qty":999999999999999999`), false},
		{"price of 17 whole digits", record("12.99", "10000000000000000"), false},
		{"price true", record("12.99", "true"), false},
		{"ts not a time", record("2025-03-01T12:00:00Z", "yesterday"), false},
		{"ts February 30", record("2025-03-01", "2025-02-30"), false},
		{"ts a number", record(`"2025-03-01T12:00:00Z"`, `20250301`), false},
		{"nested object", record(`"t-1001"`, `{"a":1}`), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseFast([]byte(tc.record))
			if ok != tc.fast {
				t.Fatalf("parseFast(%q) ok = %v, want %v", tc.record, ok, tc.fast)
			}
			if !ok {
				return
			}
			want, err := parseDecoded([]byte(tc.record))
			if err != nil {
				t.Fatalf("parseFast accepted %q, which encoding/json rejects: %v", tc.record, err)
			}
			if !sameTxn(got, want) {
				t.Errorf("parseFast(%q) = %+v, encoding/json gives %+v", tc.record, got, want)
			}
		})
	}
}

// FuzzParseFastPathMatchesDecoder checks that whatever parseFast accepts,
// the encoding/json path accepts too, with the identical transaction. It
// tries data as it is, and a record assembled from the field texts, so
// that the fuzzer also varies the values of well-formed records directly.
func FuzzParseFastPathMatchesDecoder(f *testing.F) {
	for _, s := range []string{
		canonical,
		" {\n\"id\" : \"t-1\",\t\"store\":\"s-01\" ,\"sku\":\"A\",\"qty\":3,\"price\":0.5,\"ts\":\"2025-03-01T12:00:00.5Z\"}\r\n",
		`{"ts":"2025-03-01T12:00:00+02:00","price":1,"qty":1,"sku":"A","store":"s-01","id":"t1"}`,
		record("t-1001", `t-\u0031`),
		record("t-1001", `t-é€`),
		record("t-1001", `<b>&amp;</b>`),
		record(`"id"`, `"ID"`),
		record(`"id"`, `"Id"`),
		record(`"sku":"A-42",`, `"sku":"A-42","sku":"B",`),
		record(`"sku":"A-42",`, `"sku":"A-42","note":"x",`),
		record(`"qty":2`, `"qty":02`),
		record(`"qty":2`, `"qty":2.0`),
		record(`"qty":2`, `"qty":-2`),
		record(`"qty":2`, `"qty":9223372036854775807`),
		record("12.99", "1e2"),
		record("12.99", "012.99"),
		record("12.99", "12."),
		record("12.99", "12.999"),
		record("12.99", "9999999999999999.99"),
		record("2025-03-01T12:00:00Z", "2024-02-29T23:59:59.999999999Z"),
		record("2025-03-01T12:00:00Z", "2025-03-01t12:00:00z"),
		record("2025-03-01T12:00:00Z", "2025-03-01T12:00:00,5Z"),
		record("t-1001", "  "),
		record("t-1001", "t\xff"),
		canonical + ` {}`,
		`[1,2]`,
	} {
		f.Add([]byte(s), "t-1001", "s-01", "A-42", "2", "12.99", "2025-03-01T12:00:00Z")
	}
	for _, space := range []string{" ", "\t", "\n", "\v", "\f", "\r", "\u0085", "\u00a0", "\u3000"} {
		f.Add([]byte(canonical), space, "s-01", "A-42", "1", "1", "2025-03-01T12:00:00Z")
	}
	f.Add([]byte(canonical), " ", "s\u00e9", "\x00", "007", "-0.5", "2025-13-01T12:00:00Z")
	f.Add([]byte(canonical), "\t", "\u2028", "a\\b", "1e1", "1.", "2025-03-01T12:00:00+24:00")
	f.Fuzz(func(t *testing.T, data []byte, id, store, sku, qty, price, ts string) {
		for _, rec := range [][]byte{data, fmt.Appendf(nil, `{"id":"%s","store":"%s","sku":"%s","qty":%s,"price":%s,"ts":"%s"}`, id, store, sku, qty, price, ts)} {
			got, ok := parseFast(rec)
			if !ok {
				continue
			}
			want, err := parseDecoded(rec)
			if err != nil {
				t.Fatalf("parseFast accepted %q, which encoding/json rejects: %v", rec, err)
			}
			if !sameTxn(got, want) {
				t.Fatalf("parseFast(%q) = %+v, encoding/json gives %+v", rec, got, want)
			}
		}
	})
}
