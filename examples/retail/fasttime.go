package main

// Reading and writing each transaction's timestamp with the time package's
// RFC 3339 code would be a large share of the fast paths' cost. parseUTC
// and appendUTC handle the common case, UTC written with a 'Z', by hand,
// and leave every other case to the time package
// (FuzzTimeFastPathMatchesTime).

import "time"

// parseUTC returns time.Parse(time.RFC3339Nano, string(s)) for s of the form
// YYYY-MM-DDTHH:MM:SS, then optionally '.' and 1 to 9 digits, then 'Z'.
// ok is false for any other s, valid or not.
func parseUTC(s []byte) (t time.Time, ok bool) {
	if len(s) < len("2006-01-02T15:04:05Z") || s[len(s)-1] != 'Z' ||
		s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	y1, ok1 := twoDigits(s, 0)
	y2, ok2 := twoDigits(s, 2)
	month, ok3 := twoDigits(s, 5)
	day, ok4 := twoDigits(s, 8)
	hour, ok5 := twoDigits(s, 11)
	minute, ok6 := twoDigits(s, 14)
	sec, ok7 := twoDigits(s, 17)
	year := y1*100 + y2
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := int64(0)
	if frac := s[len("2006-01-02T15:04:05") : len(s)-1]; len(frac) > 0 {
		if len(frac) < 2 || len(frac) > 10 || frac[0] != '.' {
			return time.Time{}, false
		}
		for i := 1; i < 10; i++ {
			d := int64(0)
			if i < len(frac) {
				c := frac[i]
				if c < '0' || c > '9' {
					return time.Time{}, false
				}
				d = int64(c - '0')
			}
			nsec = nsec*10 + d
		}
	}
	unix := daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec)
	// Equal to time.Date(…, time.UTC), which time.Parse returns, down to
	// the representation: both are the Unix time in UTC.
	return time.Unix(unix, nsec).UTC(), true
}

// appendUTC appends t as time.Time.AppendText does, for t in UTC with a
// year in [0,9999]; otherwise it returns dst unchanged and false.
func appendUTC(dst []byte, t time.Time) ([]byte, bool) {
	if t.Location() != time.UTC {
		return dst, false
	}
	unix := t.Unix()
	days := unix / 86400
	if unix%86400 < 0 {
		days--
	}
	clock := int(unix - days*86400)
	year, month, day := civilFromDays(days)
	if year < 0 || year > 9999 {
		return dst, false
	}
	dst = appendTwoDigits(dst, year/100)
	dst = appendTwoDigits(dst, year%100)
	dst = append(dst, '-')
	dst = appendTwoDigits(dst, month)
	dst = append(dst, '-')
	dst = appendTwoDigits(dst, day)
	dst = append(dst, 'T')
	dst = appendTwoDigits(dst, clock/3600)
	dst = append(dst, ':')
	dst = appendTwoDigits(dst, clock/60%60)
	dst = append(dst, ':')
	dst = appendTwoDigits(dst, clock%60)
	if nsec := t.Nanosecond(); nsec != 0 {
		var frac [10]byte
		frac[0], frac[1] = '.', byte('0'+nsec/1e8)
		for i, r := 8, nsec%1e8; i > 1; i, r = i-2, r/100 {
			frac[i], frac[i+1] = digitPairs[r%100*2], digitPairs[r%100*2+1]
		}
		n := len(frac)
		for frac[n-1] == '0' {
			n--
		}
		dst = append(dst, frac[:n]...)
	}
	return append(dst, 'Z'), true
}

// twoDigits reads the two decimal digits at s[i].
func twoDigits(s []byte, i int) (int, bool) {
	a, b := s[i]-'0', s[i+1]-'0'
	return int(a)*10 + int(b), a <= 9 && b <= 9
}

// digitPairs holds "00" to "99".
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// appendTwoDigits appends v, in [0,99], as two digits.
func appendTwoDigits(dst []byte, v int) []byte {
	return append(dst, digitPairs[v*2], digitPairs[v*2+1])
}

// daysIn returns the number of days of month in year.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic
// Gregorian date (Howard Hinnant's days_from_civil).
func daysFromCivil(year, month, day int) int64 {
	y := int64(year)
	if month <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	doy := (153*int64((month+9)%12)+2)/5 + int64(day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil (civil_from_days).
func civilFromDays(days int64) (year, month, day int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if month > 12 {
		month -= 12
	}
	y := yoe + era*400
	if month <= 2 {
		y++
	}
	return int(y), month, day
}
