package containermonitor

import (
	"math"
	"strconv"
)

// binaryPrefix is one of Hadoop's TraditionalBinaryPrefix values.
type binaryPrefix struct {
	symbol string
	shift  uint
}

// binaryPrefixes are kilo to exa in 1024 steps, smallest first.
var binaryPrefixes = [...]binaryPrefix{
	{"K", 10}, {"M", 20}, {"G", 30}, {"T", 40}, {"P", 50}, {"E", 60},
}

// FormatBytes formats n the way YARN's memory diagnostics do
// (TraditionalBinaryPrefix.long2String with one decimal place, followed by
// "B"): 1024-based prefixes, one decimal place unless the value is an exact
// multiple of its prefix, and no space before "B" below one kilobyte. For
// example 3758096384 is "3.5 GB", 536870912 is "512 MB", 1536 is "1.5 KB"
// and 100 is "100B".
func FormatBytes(n int64) string {
	return traditionalBinaryPrefix(n) + "B"
}

// traditionalBinaryPrefix is Hadoop's
// StringUtils.TraditionalBinaryPrefix.long2String(n, "", 1).
func traditionalBinaryPrefix(n int64) string {
	if n == math.MinInt64 {
		// -n does not fit; this is exactly -8 exa.
		return "-8 E"
	}
	sign := ""
	if n < 0 {
		sign = "-"
		n = -n
	}
	if n < 1<<binaryPrefixes[0].shift {
		return sign + strconv.FormatInt(n, 10)
	}
	i := 0
	for i < len(binaryPrefixes) && n >= 1<<binaryPrefixes[i].shift {
		i++
	}
	p := binaryPrefixes[i-1]
	u := uint64(n)
	if u&(1<<p.shift-1) == 0 {
		return sign + strconv.FormatUint(u>>p.shift, 10) + " " + p.symbol
	}
	tenths := roundedTenths(u, p.shift)
	if tenths >= 10240 {
		// Rounded up to 1024.0 of this prefix: say 1.0 of the next one,
		// as Hadoop does. n < 8 exa, so there is a next prefix.
		p = binaryPrefixes[i]
		tenths = roundedTenths(u, p.shift)
	}
	return sign + strconv.FormatUint(tenths/10, 10) + "." + strconv.FormatUint(tenths%10, 10) + " " + p.symbol
}

// roundedTenths is u / 2^shift in tenths, rounded half up like Java's
// String.format("%.1f"). Integer arithmetic keeps it exact for every int64.
func roundedTenths(u uint64, shift uint) uint64 {
	q := u >> shift
	r := u & (1<<shift - 1)
	// r < 2^60, so r*10 fits in a uint64.
	r10 := r * 10
	tenths := q*10 + r10>>shift
	if rem := r10 & (1<<shift - 1); rem*2 >= 1<<shift {
		tenths++
	}
	return tenths
}
