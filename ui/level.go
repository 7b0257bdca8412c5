package ui

import "strings"

// levelScanLimit bounds how far into a line detectLevel looks: levels sit near
// the start of a line in every format tailui knows, and scanning whole
// 100 KiB lines would cost more than it finds.
const levelScanLimit = 512

// levelKeys are the field prefixes that introduce a level, in logfmt and JSON.
var levelKeys = [...]string{
	`level=`, `lvl=`, `severity=`, `"level":`, `"lvl":`, `"severity":`, `"Level":`,
	`"log.level":`, `"@l":`, `LEVEL=`, `Level=`, `"levelname":`, `"loglevel":`,
}

// detectLevel finds the log level of s and the byte span of the text that
// says so, which is what gets coloured. It recognises key=value and JSON
// fields (level=, lvl=, severity=, "level":), klog headers (E0102 15:04:05),
// bracketed words ([ERROR], [warn]) and upper-case words (ERROR, WARN).
func detectLevel(s string) (lv level, start, end int) {
	head := s
	if len(head) > levelScanLimit {
		head = head[:levelScanLimit]
	}
	if lv = klogLevel(head); lv != levelNone {
		return lv, 0, 1
	}
	for _, k := range levelKeys {
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
		if lv = levelWord(head[j:e]); lv != levelNone {
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
				if lv = levelWord(head[i:e]); lv != levelNone {
					return lv, i, e
				}
			}
		}
		i = e
	}
	return levelNone, 0, 0
}

// klogLevel recognises the klog/glog header "Lmmdd hh:mm:ss.uuuuuu".
func klogLevel(s string) level {
	if len(s) < 6 || s[5] != ' ' {
		return levelNone
	}
	for i := 1; i < 5; i++ {
		if s[i] < '0' || s[i] > '9' {
			return levelNone
		}
	}
	switch s[0] {
	case 'I':
		return levelInfo
	case 'W':
		return levelWarn
	case 'E':
		return levelError
	case 'F':
		return levelFatal
	}
	return levelNone
}

// levelWord maps a level word, in any case, to a level.
func levelWord(w string) level {
	if len(w) == 0 || len(w) > 11 {
		return levelNone
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
		return levelTrace
	case "debug", "dbg":
		return levelDebug
	case "info", "inf", "information", "notice":
		return levelInfo
	case "warn", "warning", "wrn":
		return levelWarn
	case "error", "err", "eror":
		return levelError
	case "fatal", "panic", "crit", "critical", "emerg", "alert", "ftl":
		return levelFatal
	}
	return levelNone
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
