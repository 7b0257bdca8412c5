package stream

import (
	"strings"
	"testing"
)

// detectLevelRef is DetectLevel as it was, every key searched for: what it must
// agree with now that it skips the keys a line cannot hold.
func detectLevelRef(s string) (lv Level, start, end int) {
	head := s
	if len(head) > levelScanLimit {
		head = head[:levelScanLimit]
	}
	if lv = klogLevel(head); lv != LevelNone {
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

var levelSeeds = []string{
	`level=warn msg="slow query" seq=7 component=db duration=31ms`,
	`{"ts":"2026-12-01T18:00:00Z","level":"info","msg":"seq=42 order placed","user":17}`,
	`ERROR [billing] upstream timeout seq=9 (31ms)`,
	`10.1.2.3 - - [01/Dec/2026:18:00:00 +0000] "GET /api HTTP/1.1" 200 512 "-" "curl/8" seq=11`,
	`xlevel=info level=error`, `a,lvl=E`, `{"log.level":"warning"}`, `"@l":"Debug"`, `severity= "fatal"`,
	`LEVEL=WARN Level=info`, `{"levelname":"ERROR","loglevel":"info"}`, `E0102 15:04:05.000 x`, `level=`, `=:=:`,
	`"level":"nope" level=error`, `lvl=lvl=warn`, `{"Level": "e"}`, ``, `[warn] x`, `<ERROR>`,
}

func TestDetectLevelAsPerKeySearch(t *testing.T) {
	for _, s := range levelSeeds {
		lv, a, b := DetectLevel(s)
		rl, ra, rb := detectLevelRef(s)
		if lv != rl || a != ra || b != rb {
			t.Errorf("DetectLevel(%q) = %v %d %d, the per-key search says %v %d %d", s, lv, a, b, rl, ra, rb)
		}
	}
	// Past the scan limit: a key that straddles it is not seen.
	s := strings.Repeat("x", levelScanLimit-3) + " level=error"
	if lv, _, _ := DetectLevel(s); lv != LevelNone {
		t.Errorf("a key past %d bytes was seen: %v", levelScanLimit, lv)
	}
}

func FuzzDetectLevelAsPerKeySearch(f *testing.F) {
	for _, s := range levelSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lv, a, b := DetectLevel(s)
		rl, ra, rb := detectLevelRef(s)
		if lv != rl || a != ra || b != rb {
			t.Errorf("DetectLevel(%q) = %v %d %d, the per-key search says %v %d %d", s, lv, a, b, rl, ra, rb)
		}
	})
}

func BenchmarkDetectLevel(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		DetectLevel(levelSeeds[i%4])
	}
}
