package conf

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// durationUnits maps each of Spark's time suffixes to its length.
var durationUnits = map[string]time.Duration{
	"us":  time.Microsecond,
	"ms":  time.Millisecond,
	"s":   time.Second,
	"m":   time.Minute,
	"min": time.Minute,
	"h":   time.Hour,
	"d":   24 * time.Hour,
}

// ParseDuration parses a duration such as "500ms", "30s" or "5min", as
// Spark does, or in Go's form such as "1h30m" or "1.5s".
//
// Spark's suffixes are us, ms, s, m or min, h and d, case-insensitive;
// surrounding whitespace is ignored. A bare number is in defaultUnit, which
// must be positive. Negative durations and durations longer than about 292
// years are errors. Errors wrap ErrInvalidDuration and show the value and
// the valid forms.
func ParseDuration(s string, defaultUnit time.Duration) (time.Duration, error) {
	if defaultUnit <= 0 {
		return 0, newError(ErrInvalidDuration, "%v is not a duration unit: it must be positive", defaultUnit)
	}
	t := asciiLower(strings.TrimSpace(s))
	if rest, neg := strings.CutPrefix(t, "-"); neg && rest != "" && (rest[0] == '.' || rest[0] >= '0' && rest[0] <= '9') {
		return 0, durationError(s, defaultUnit, "it is negative; ")
	}
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i > 0 {
		mul, ok := defaultUnit, true
		if unit := strings.TrimSpace(t[i:]); unit != "" {
			mul, ok = durationUnits[unit]
		}
		if ok {
			n, err := strconv.ParseInt(t[:i], 10, 64)
			if err != nil || n > math.MaxInt64/int64(mul) {
				return 0, durationError(s, defaultUnit, "it is longer than 292 years; ")
			}
			return time.Duration(n) * mul, nil
		}
	}
	d, err := time.ParseDuration(t)
	if err != nil {
		return 0, durationError(s, defaultUnit, "")
	}
	if d < 0 {
		return 0, durationError(s, defaultUnit, "it is negative; ")
	}
	return d, nil
}

// durationError describes a bad duration, with an optional reason ending
// in "; ".
func durationError(s string, defaultUnit time.Duration, reason string) error {
	return newError(ErrInvalidDuration,
		"%q is not a duration: %suse a whole number with an optional unit us, ms, s, m or min, h, d (e.g. 500ms, 30s, 5min) or Go's form (e.g. 1h30m); a bare number means %s",
		s, reason, durationUnitName(defaultUnit))
}

// durationUnitName names the unit of a bare number in error messages and
// in the generated documentation.
func durationUnitName(d time.Duration) string {
	switch d {
	case time.Microsecond:
		return "microseconds"
	case time.Millisecond:
		return "milliseconds"
	case time.Second:
		return "seconds"
	case time.Minute:
		return "minutes"
	case time.Hour:
		return "hours"
	case 24 * time.Hour:
		return "days"
	}
	return "multiples of " + d.String()
}
