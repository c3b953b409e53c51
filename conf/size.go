package conf

import (
	"math"
	"strconv"
	"strings"
)

// sizeUnits maps each size suffix, lower case, to its multiplier. Units are
// binary, as in Spark: 1k is 1024 bytes.
var sizeUnits = map[string]int64{
	"b": 1,
	"k": 1 << 10, "kb": 1 << 10,
	"m": 1 << 20, "mb": 1 << 20,
	"g": 1 << 30, "gb": 1 << 30,
	"t": 1 << 40, "tb": 1 << 40,
	"p": 1 << 50, "pb": 1 << 50,
}

// sizeUnitNames names the unit of a bare number in error messages.
var sizeUnitNames = map[int64]string{
	1:       "bytes",
	1 << 10: "KiB",
	1 << 20: "MiB",
	1 << 30: "GiB",
	1 << 40: "TiB",
	1 << 50: "PiB",
}

// ParseSize parses a size such as "512m" or "3g" into bytes, as Spark does.
//
// The suffixes b, k/kb, m/mb, g/gb, t/tb and p/pb are binary (1k = 1024
// bytes) and case-insensitive; surrounding whitespace is ignored. A bare
// number is in defaultUnit, one of the same suffixes ("" means bytes).
// Exactly "-1" is returned as -1, for keys whose description gives it a
// meaning; other negative numbers, fractions and sizes of 8 EiB or more are
// errors. Errors wrap ErrInvalidSize and show the value and the valid forms.
func ParseSize(s string, defaultUnit string) (int64, error) {
	du := asciiLower(strings.TrimSpace(defaultUnit))
	if du == "" {
		du = "b"
	}
	defMul, ok := sizeUnits[du]
	if !ok {
		return 0, newError(ErrInvalidSize, "%q is not a size unit: use b, k, m, g, t or p", defaultUnit)
	}
	t := strings.TrimSpace(s)
	if t == "-1" {
		return -1, nil
	}
	lower := asciiLower(t)
	i := 0
	for i < len(lower) && lower[i] >= '0' && lower[i] <= '9' {
		i++
	}
	digits, unit := lower[:i], strings.TrimSpace(lower[i:])
	if digits == "" {
		return 0, sizeError(s, defMul, "")
	}
	if strings.HasPrefix(unit, ".") || strings.HasPrefix(unit, ",") {
		return 0, sizeError(s, defMul, "fractions are not supported; ")
	}
	mul := defMul
	if unit != "" {
		if mul, ok = sizeUnits[unit]; !ok {
			return 0, sizeError(s, defMul, "")
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > math.MaxInt64/mul {
		return 0, sizeError(s, defMul, "it is 8 EiB or more; ")
	}
	return n * mul, nil
}

// sizeError describes a bad size, with an optional reason ending in "; ".
func sizeError(s string, defMul int64, reason string) error {
	return newError(ErrInvalidSize,
		"%q is not a size: %suse a whole number with an optional unit b, k, m, g, t, p (e.g. 512m, 3g); a bare number means %s",
		s, reason, sizeUnitNames[defMul])
}

// asciiLower lowers ASCII letters only, so that letters such as the Kelvin
// sign do not fold into unit suffixes.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
