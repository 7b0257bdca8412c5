package stream

import (
	"bytes"
	"encoding/binary"
	"time"
)

// maxStampLen bounds how far SplitTimestamp looks for the space after a timestamp:
// "2006-01-02T15:04:05.999999999+07:00" is 35 bytes.
const maxStampLen = 40

// SplitTimestamp splits the timestamp the kubelet puts before each line when asked for
// timestamps=true, "2026-11-25T16:34:56.123456789Z text", into the time and the rest
// of the line after the single separating space. It reports false, returning line
// unchanged, when line does not start with an RFC 3339 timestamp.
//
// The common form (UTC, nine fractional digits) is parsed by hand without allocating;
// other RFC 3339 forms (fewer or no fractional digits, a numeric offset such as
// "+02:00" or "+0200") fall back to time.Parse. A timestamp that ends the line with no
// space after it yields an empty rest.
func SplitTimestamp(line []byte) (t time.Time, rest []byte, ok bool) {
	if len(line) >= 30 && line[29] == 'Z' && (len(line) == 30 || line[30] == ' ') {
		if t, ok := parseUTCNano(line[:30]); ok {
			if len(line) == 30 {
				return t, line[30:], true
			}
			return t, line[31:], true
		}
	}
	return splitTimestampSlow(line)
}

// parseUTCNano parses exactly "2006-01-02T15:04:05.000000000Z".
func parseUTCNano(b []byte) (time.Time, bool) {
	_ = b[29]
	if b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[19] != '.' {
		return time.Time{}, false
	}
	// Every digit position minus '0' must be 0..9; OR-ing the bytes that fail tells
	// us at once whether any did.
	var bad byte
	dig := func(i int) int {
		c := b[i] - '0'
		if c > 9 {
			bad = 1
		}
		return int(c)
	}
	year := dig(0)*1000 + dig(1)*100 + dig(2)*10 + dig(3)
	month := dig(5)*10 + dig(6)
	day := dig(8)*10 + dig(9)
	hour := dig(11)*10 + dig(12)
	minute := dig(14)*10 + dig(15)
	sec := dig(17)*10 + dig(18)
	frac, ok := eightDigits(binary.LittleEndian.Uint64(b[20:28]))
	if !ok {
		return time.Time{}, false
	}
	nsec := frac*10 + dig(28)
	if bad != 0 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	days := daysFromCivil(year, month, day)
	unix := days*86400 + int64(hour*3600+minute*60+sec)
	return time.Unix(unix, int64(nsec)).UTC(), true
}

// eightDigits parses eight ASCII digits loaded little-endian into x (the first digit
// in the lowest byte), SWAR style: all eight checked and combined in a few operations.
func eightDigits(x uint64) (int, bool) {
	const (
		lo  = 0x3030303030303030
		hi  = 0xF0F0F0F0F0F0F0F0
		six = 0x0606060606060606
	)
	// Each byte must be 0x30..0x39: high nibble 3, and adding 6 must not carry into it.
	if x&hi != lo || (x+six)&hi != lo {
		return 0, false
	}
	x -= lo
	x = x*10 + x>>8
	x = ((x&0x000000FF000000FF)*(100+(1000000<<32)) + (x>>16&0x000000FF000000FF)*(1+(10000<<32))) >> 32
	return int(x), true
}

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

// daysFromCivil returns the number of days from 1970-01-01 to the given proleptic
// Gregorian date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399 // floor division for year 0 in January and February
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// stampLayouts are tried in order by the slow path.
var stampLayouts = [...]string{
	time.RFC3339Nano,                     // fewer fraction digits, "Z" or "+07:00"
	"2006-01-02T15:04:05.999999999Z0700", // "+0700"
}

func splitTimestampSlow(line []byte) (time.Time, []byte, bool) {
	// The shortest RFC 3339 time is "2006-01-02T15:04:05Z"; refuse anything that does
	// not look like one before paying for time.Parse.
	if len(line) < 20 || line[4] != '-' || line[10] != 'T' {
		return time.Time{}, line, false
	}
	head := line[:min(len(line), maxStampLen)]
	end := bytes.IndexByte(head, ' ')
	rest := line[len(line):]
	if end < 0 {
		if len(line) > maxStampLen {
			return time.Time{}, line, false
		}
		end = len(line)
	} else {
		rest = line[end+1:]
	}
	s := string(line[:end])
	for _, layout := range stampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, rest, true
		}
	}
	return time.Time{}, line, false
}
