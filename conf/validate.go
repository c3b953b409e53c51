package conf

import (
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// checkValue reports whether the expanded value v fits k's type. The error
// shows v and what would be valid, but not the key, which callers add.
func checkValue(k *Key, v string) error {
	if v == "" && allowsEmpty(k) {
		return nil
	}
	var err error
	switch k.Type {
	case TypeString:
		if len(k.Values) > 0 && !slices.Contains(k.Values, strings.TrimSpace(v)) {
			err = fmt.Errorf("%q is not allowed: use one of %s", v, strings.Join(k.Values, ", "))
		}
	case TypeInt:
		_, err = parseInt(v)
	case TypeBool:
		_, err = parseBool(v)
	case TypeSize:
		_, err = ParseSize(v, k.Unit)
	case TypeDuration:
		_, err = ParseDuration(v, k.durationUnit())
	case TypeAddress:
		err = checkAddress(v)
	case TypePercent:
		_, err = parsePercent(v)
	}
	return err
}

// allowsEmpty reports whether an empty value is valid for k: free text and
// lists always, other types only when the key's default is empty, which
// means the description gives "empty" a meaning.
func allowsEmpty(k *Key) bool {
	switch {
	case k.Type == TypeList, k.Type == TypeString && len(k.Values) == 0:
		return true
	}
	return !k.IsFamily() && k.Default == ""
}

// parseInt parses a whole number.
func parseInt(v string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number: use digits with an optional minus sign (e.g. 4, -1)", v)
	}
	return n, nil
}

// parseBool parses true or false, in any case, as Hadoop does.
func parseBool(v string) (bool, error) {
	switch asciiLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean: use true or false", v)
}

// parsePercent parses a number from 0 to 100.
func parsePercent(v string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 100 {
		return 0, fmt.Errorf("%q is not a percentage: use a number from 0 to 100 (e.g. 50, 12.5)", v)
	}
	return f, nil
}

// checkAddress checks host:port with a non-empty host and a port from 0 to
// 65535.
func checkAddress(v string) error {
	host, port, err := net.SplitHostPort(strings.TrimSpace(v))
	if err == nil && (host == "" || strings.IndexFunc(host, unicode.IsSpace) >= 0 || strings.ContainsAny(host, "/$")) {
		err = fmt.Errorf("bad host")
	}
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		return fmt.Errorf("%q is not an address: use host:port (e.g. 0.0.0.0:8032, rm.example.com:8032, [::1]:8032); port 0 lets the operating system choose", v)
	}
	return nil
}

// SplitList splits a comma-separated list, trimming entries and dropping
// empty ones, as Hadoop and Spark do.
func SplitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
