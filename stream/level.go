package stream

import "strings"

// Level is a log level recognised in a line, ordered by severity: LevelNone sorts
// below every real level.
type Level uint8

// Levels, least severe first.
const (
	LevelNone Level = iota
	LevelTrace
	LevelDebug
	LevelInfo
	LevelWarn
	LevelError
	LevelFatal
	NumLevels // the number of levels, LevelNone included
)

var levelNames = [...]string{"", "trace", "debug", "info", "warn", "error", "fatal"}

// String returns the lowercase name of l ("" for none).
func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "unknown"
}

// levelScanLimit bounds how far into a line DetectLevel looks: levels sit near the
// start of a line in every format tailui knows, and scanning whole 100 KiB lines would
// cost more than it finds.
const levelScanLimit = 512

// levelKeys are the field prefixes that introduce a level, in logfmt and JSON.
var levelKeys = [...]string{
	`level=`, `lvl=`, `severity=`, `"level":`, `"lvl":`, `"severity":`, `"Level":`,
	`"log.level":`, `"@l":`, `LEVEL=`, `Level=`, `"levelname":`, `"loglevel":`,
}

// DetectLevel finds the log level of s and the byte span of the text that says so
// (what a renderer colours). It recognises key=value and JSON fields (level=, lvl=,
// severity=, "level":, whose value may also be a single letter such as "E"), klog
// headers (E0102 15:04:05), bracketed words ([ERROR], [warn]) and upper-case words
// (ERROR, WARN) in the first 512 bytes.
func DetectLevel(s string) (lv Level, start, end int) {
	head := s
	if len(head) > levelScanLimit {
		head = head[:levelScanLimit]
	}
	if lv = klogLevel(head); lv != LevelNone {
		return lv, 0, 1
	}
	// Every key ends in '=' or '":': a line without one is not searched for
	// the keys that need it (two fast scans instead of thirteen).
	hasEq, hasColon := strings.IndexByte(head, '=') >= 0, strings.Contains(head, `":`)
	for _, k := range levelKeys {
		if k[len(k)-1] == '=' && !hasEq || k[len(k)-1] == ':' && !hasColon {
			continue
		}
		i := strings.Index(head, k)
		if i < 0 {
			continue
		}
		// The key must start a field: beginning of line, space, '{' or ','.
		if i > 0 && k[0] != '"' {
			if c := head[i-1]; c != ' ' && c != '\t' && c != '{' && c != ',' {
				continue
			}
		}
		j := i + len(k)
		for j < len(head) && head[j] == ' ' {
			j++
		}
		if j < len(head) && head[j] == '"' {
			j++
		}
		e := j
		for e < len(head) && isLetter(head[e]) {
			e++
		}
		if lv = ParseLevel(head[j:e]); lv != LevelNone {
			return lv, j, e
		}
	}
	// Words: [ERROR], [warn], ERROR, WARNING: upper case bare, any case in brackets.
	for i := 0; i < len(head); {
		if !isLetter(head[i]) {
			i++
			continue
		}
		e := i
		for e < len(head) && isLetter(head[e]) {
			e++
		}
		bounded := (i == 0 || !isWordByte(head[i-1])) && (e == len(head) || !isWordByte(head[e]))
		if bounded && e-i >= 3 && e-i <= 8 {
			bracketed := i > 0 && e < len(head) && (head[i-1] == '[' && head[e] == ']' || head[i-1] == '<' && head[e] == '>')
			if bracketed || isUpper(head[i:e]) {
				if lv = levelWord(head[i:e]); lv != LevelNone {
					return lv, i, e
				}
			}
		}
		i = e
	}
	return LevelNone, 0, 0
}

// klogLevel recognises the klog/glog header "Lmmdd hh:mm:ss.uuuuuu".
func klogLevel(s string) Level {
	if len(s) < 6 || s[5] != ' ' {
		return LevelNone
	}
	for i := 1; i < 5; i++ {
		if s[i] < '0' || s[i] > '9' {
			return LevelNone
		}
	}
	switch s[0] {
	case 'I':
		return LevelInfo
	case 'W':
		return LevelWarn
	case 'E':
		return LevelError
	case 'F':
		return LevelFatal
	}
	return LevelNone
}

// ParseLevel maps a level as a structured field or a user writes it, in any case, to
// a Level: the words levelWord knows, and the single letters T, D, I, W, E, F (as
// klog and many loggers abbreviate them). LevelNone when w is no level.
func ParseLevel(w string) Level {
	if len(w) == 1 {
		switch w[0] | 0x20 {
		case 't':
			return LevelTrace
		case 'd':
			return LevelDebug
		case 'i':
			return LevelInfo
		case 'w':
			return LevelWarn
		case 'e':
			return LevelError
		case 'f':
			return LevelFatal
		}
		return LevelNone
	}
	return levelWord(w)
}

// levelWord maps a level word of two letters or more, in any case, to a Level.
func levelWord(w string) Level {
	if len(w) == 0 || len(w) > 11 {
		return LevelNone
	}
	var buf [11]byte
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(w)]) {
	case "trace", "trc":
		return LevelTrace
	case "debug", "dbg":
		return LevelDebug
	case "info", "inf", "information", "notice":
		return LevelInfo
	case "warn", "warning", "wrn":
		return LevelWarn
	case "error", "err", "eror":
		return LevelError
	case "fatal", "panic", "crit", "critical", "emerg", "alert", "ftl":
		return LevelFatal
	}
	return LevelNone
}

func isLetter(c byte) bool   { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isWordByte(c byte) bool { return isLetter(c) || c >= '0' && c <= '9' || c == '_' }

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
