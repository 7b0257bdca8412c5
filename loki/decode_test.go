package loki

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tailui/tailui/stream"
	"github.com/tailui/tailui/stream/streamtest"
)

// lokiLines renders lines as "name|ns|text" for comparisons.
func lokiLines(lines []stream.Line) []string {
	var out []string
	for _, l := range lines {
		out = append(out, fmt.Sprintf("%s|%d|%s", l.Origin.Name, l.Time.UnixNano(), l.Text))
	}
	return out
}

func TestLokiDecodeTail(t *testing.T) {
	web := `{"namespace":"prod","pod":"web-1","container":"app"}`
	tests := []struct {
		name    string
		msg     string
		want    []string
		dropped map[string]int // by Origin.Name
	}{
		{"one stream", `{"streams":[{"stream":` + web + `,"values":[["100","hello"],["200","world"]]}]}`,
			[]string{"prod/web-1/app|100|hello", "prod/web-1/app|200|world"}, nil},
		{"sorted across streams, stable on ties",
			`{"streams":[{"stream":{"pod":"a"},"values":[["100","a1"],["300","a3"],["300","a3b"]]},{"stream":{"pod":"b"},"values":[["50","b0"],["300","b3"],["400","b4"]]}]}`,
			[]string{"b|50|b0", "a|100|a1", "a|300|a3", "a|300|a3b", "b|300|b3", "b|400|b4"}, nil},
		{"escaped JSON line", `{"streams":[{"stream":{"pod":"p"},"values":[["1","{\"level\":\"info\",\"msg\":\"caf\u00e9 \\\\ ok\"}"]]}]}`,
			[]string{`p|1|{"level":"info","msg":"café \\ ok"}`}, nil},
		{"hostile line sanitized", `{"streams":[{"stream":{"pod":"p"},"values":[["1","\u001b]52;c;AAAA\u0007\u001b[31mred\u001b[0m\u202e"]]}]}`,
			[]string{`p|1|\x1b]52;c;AAAA\x07red\u202e`}, nil},
		{"multi-line entry", `{"streams":[{"stream":{"pod":"p"},"values":[["1","panic: boom\n\tat main.go:1\r\n\tat x.go:2\n"],["2",""],["3","\n"]]}]}`,
			[]string{"p|1|panic: boom", "p|1|\tat main.go:1", "p|1|\tat x.go:2", "p|2|", "p|3|"}, nil},
		{"structured metadata ignored", `{"streams":[{"stream":{"pod":"p"},"values":[["1","x",{"structuredMetadata":{"trace_id":"abc"}}]]}]}`,
			[]string{"p|1|x"}, nil},
		{"whitespace", "{ \"streams\" : [ { \"stream\" : {\"pod\":\"p\"} , \"values\" : [ [ \"1\" , \"x\" ] ] } ] }\n",
			[]string{"p|1|x"}, nil},
		{"dropped entries", `{"streams":[],"dropped_entries":[{"labels":` + web + `,"timestamp":"5"},{"labels":` + web + `,"timestamp":"6"},{"labels":{"pod":"q"},"timestamp":"7"}]}`,
			nil, map[string]int{"prod/web-1/app": 2, "q": 1}},
		{"empty", `{"streams":null}`, nil, nil},
		{"otel labels", `{"streams":[{"stream":{"k8s_namespace_name":"ns","k8s_pod_name":"p","k8s_container_name":"c","service_name":"s"},"values":[["1","x"]]}]}`,
			[]string{"ns/p/c|1|x"}, nil},
		{"no pod labels: label string", `{"streams":[{"stream":{"job":"varlogs","filename":"/var/log/a\"b"},"values":[["1","x"]]}]}`,
			[]string{`{filename="/var/log/a\"b", job="varlogs"}|1|x`}, nil},
		{"container only", `{"streams":[{"stream":{"container":"c","job":"j"},"values":[["1","x"]]}]}`,
			[]string{"c|1|x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewLokiDecoder(stream.SanitizeOptions{}, nil)
			b, err := d.DecodeTail([]byte(tt.msg))
			if err != nil {
				t.Fatal(err)
			}
			if got := lokiLines(b.Lines); !slices.Equal(got, tt.want) {
				t.Errorf("lines:\n got %q\nwant %q", got, tt.want)
			}
			var dropped map[string]int
			for o, n := range b.Dropped {
				if dropped == nil {
					dropped = map[string]int{}
				}
				dropped[o.Name] += n
			}
			if fmt.Sprint(dropped) != fmt.Sprint(tt.dropped) {
				t.Errorf("dropped = %v, want %v", dropped, tt.dropped)
			}
			for _, l := range b.Lines {
				if l.Kind != stream.KindLog || l.Time.Location() != time.UTC {
					t.Errorf("line %+v: want KindLog in UTC", l)
				}
			}
		})
	}
}

func TestLokiDecodeTailErrors(t *testing.T) {
	tests := []struct {
		name, msg string
		lokiErr   bool
		contains  string
	}{
		{"in-band error text", "rpc error: code = Unavailable desc = transport is closing", true, "loki: rpc error: code = Unavailable"},
		{"empty message", "", true, "loki: "},
		{"not JSON object", `{"streams":[`, false, "decode loki tail message"},
		{"bad timestamp", `{"streams":[{"stream":{"pod":"p"},"values":[["soon","x"]]}]}`, false, "loki timestamp"},
		{"value not an array", `{"streams":[{"stream":{"pod":"p"},"values":["x"]}]}`, false, "not an array"},
		{"value without line", `{"streams":[{"stream":{"pod":"p"},"values":[["1"]]}]}`, false, "no line"},
		{"labels not strings", `{"streams":[{"stream":{"pod":1},"values":[["1","x"]]}]}`, false, "decode loki labels"},
		{"missing labels", `{"streams":[{"values":[["1","x"]]}]}`, false, "decode loki labels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewLokiDecoder(stream.SanitizeOptions{}, nil).DecodeTail([]byte(tt.msg))
			if err == nil {
				t.Fatal("no error")
			}
			var le *LokiError
			if errors.As(err, &le) != tt.lokiErr || !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("err = %v (LokiError %v), want %q", err, errors.As(err, &le), tt.contains)
			}
		})
	}
}

func TestLokiOrigins(t *testing.T) {
	d := NewLokiDecoder(stream.SanitizeOptions{}, nil)
	msg := func(labels string) *stream.Origin {
		t.Helper()
		b, err := d.DecodeTail([]byte(`{"streams":[{"stream":` + labels + `,"values":[["1","x"]]}]}`))
		if err != nil || len(b.Lines) != 1 {
			t.Fatal(err, len(b.Lines))
		}
		return b.Lines[0].Origin
	}
	a := msg(`{"namespace":"prod","pod":"web"}`)
	if a.ID != `{namespace="prod", pod="web"}` || a.Name != "prod/web" || a.Fields["pod"] != "web" {
		t.Errorf("origin %+v", a)
	}
	if msg(`{"namespace":"prod","pod":"web"}`) != a {
		t.Error("same labels, new Origin")
	}
	if msg(`{"pod":"web", "namespace":"prod"}`) != a {
		t.Error("same labels in another order, new Origin")
	}
	if msg(`{"namespace":"prod","pod":"api"}`) == a {
		t.Error("other labels, same Origin")
	}
	if d.Origin(map[string]string{"pod": "web", "namespace": "prod"}) != a {
		t.Error("Origin() does not return the decoder's Origin")
	}
	if got := LabelString(nil); got != "{}" {
		t.Errorf("LabelString(nil) = %q", got)
	}
}

// TestLokiDecoderReuse checks that nothing leaks from one message into the next
// through the reused decoding buffers.
func TestLokiDecoderReuse(t *testing.T) {
	d := NewLokiDecoder(stream.SanitizeOptions{}, nil)
	first := `{"streams":[{"stream":{"pod":"a"},"values":[["1","a1"],["2","a2"]]},{"stream":{"pod":"b"},"values":[["3","b3"]]}],"dropped_entries":[{"labels":{"pod":"a"},"timestamp":"1"}]}`
	second := `{"streams":[{"stream":{"pod":"c"},"values":[["4","c4"]]}]}`
	third := `{"streams":[{"stream":{"pod":"d"}}]}`
	for i, c := range []struct {
		msg  string
		want []string
	}{{first, []string{"a|1|a1", "a|2|a2", "b|3|b3"}}, {second, []string{"c|4|c4"}}, {third, nil}} {
		b, err := d.DecodeTail([]byte(c.msg))
		if err != nil {
			t.Fatal(err)
		}
		if got := lokiLines(b.Lines); !slices.Equal(got, c.want) {
			t.Errorf("message %d: %q, want %q", i, got, c.want)
		}
		if i > 0 && b.Dropped != nil {
			t.Errorf("message %d: stale dropped entries %v", i, b.Dropped)
		}
	}
}

func TestLokiDecoderResume(t *testing.T) {
	var r stream.LokiResume
	d := NewLokiDecoder(stream.SanitizeOptions{}, &r)
	b, _ := d.DecodeTail([]byte(`{"streams":[{"stream":{"pod":"a"},"values":[["100","x"],["200","y"]]},{"stream":{"pod":"b"},"values":[["200","y"]]}]}`))
	if len(b.Lines) != 3 {
		t.Fatalf("got %d lines", len(b.Lines))
	}
	if start, ok := r.Start(); !ok || start != 200 {
		t.Fatalf("Start = %d, %v", start, ok)
	}
	r.Begin()
	b, _ = d.DecodeTail([]byte(`{"streams":[{"stream":{"pod":"a"},"values":[["200","y"],["200","new"],["300","z"]]},{"stream":{"pod":"b"},"values":[["200","y"]]}]}`))
	if got := lokiLines(b.Lines); b.Skipped != 2 || !slices.Equal(got, []string{"a|200|new", "a|300|z"}) {
		t.Errorf("after resume: %q, skipped %d", got, b.Skipped)
	}
	// Skip and Observe see the raw line, not the sanitized one.
	r.Begin()
	b, _ = d.DecodeTail([]byte(`{"streams":[{"stream":{"pod":"a"},"values":[["300","z"],["300","\u001bz"]]}]}`))
	if b.Skipped != 1 || len(b.Lines) != 1 || b.Lines[0].Text != `\x1bz` {
		t.Errorf("raw line resume: %q, skipped %d", lokiLines(b.Lines), b.Skipped)
	}
}

func TestLokiDecodeQueryRange(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    []string
		errText string
		lokiErr bool
	}{
		{"streams", `{"status":"success","data":{"resultType":"streams","result":[{"stream":{"pod":"b"},"values":[["300","b3"],["100","b1"]]},{"stream":{"pod":"a"},"values":[["200","a2"]]}],"stats":{"summary":{"bytesProcessedPerSecond":1}}}}`,
			[]string{"b|100|b1", "a|200|a2", "b|300|b3"}, "", false},
		{"empty result", `{"status":"success","data":{"resultType":"streams","result":[]}}`, nil, "", false},
		{"error status", `{"status":"error","errorType":"bad_data","error":"parse error at line 1, col 5: syntax error: unexpected IDENTIFIER"}`,
			nil, "loki: bad_data: parse error at line 1, col 5", true},
		{"metric result", `{"status":"success","data":{"resultType":"matrix","result":[]}}`, nil, `"matrix", not log streams`, false},
		{"not JSON", `parse error`, nil, "decode loki query response", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := NewLokiDecoder(stream.SanitizeOptions{}, nil).DecodeQueryRange([]byte(tt.body))
			if tt.errText != "" {
				var le *LokiError
				if err == nil || !strings.Contains(err.Error(), tt.errText) || errors.As(err, &le) != tt.lokiErr {
					t.Fatalf("err = %v, want %q", err, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := lokiLines(b.Lines); !slices.Equal(got, tt.want) {
				t.Errorf("lines %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseLokiError(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"plain text", 400, "parse error at line 1, col 5: syntax error: unexpected IDENTIFIER\n",
			"loki: 400 Bad Request: parse error at line 1, col 5: syntax error: unexpected IDENTIFIER"},
		{"prometheus json", 400, `{"status":"error","errorType":"bad_data","error":"invalid query"}`,
			"loki: 400 Bad Request (bad_data): invalid query"},
		{"message json", 429, `{"code":429,"message":"max concurrent tail requests limit exceeded"}`,
			"loki: 429 Too Many Requests: max concurrent tail requests limit exceeded"},
		{"kubernetes status", 503, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"no endpoints available for service \"loki\"","reason":"ServiceUnavailable","code":503}`,
			`loki: 503 Service Unavailable (ServiceUnavailable): no endpoints available for service "loki"`},
		{"html", 502, "<html><head><title>502 Bad Gateway</title><style>body{}</style></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
			"loki: 502 Bad Gateway: 502 Bad Gateway nginx"},
		{"empty", 503, "", "loki: 503 Service Unavailable"},
		{"json without message", 500, `{"foo":"bar"}`, `loki: 500 Internal Server Error: {"foo":"bar"}`},
		{"hostile", 400, "bad \x1b]0;title\x07 query", `loki: 400 Bad Request: bad \x1b]0;title\x07 query`},
		{"multi-line", 500, "line one\n  line two\r\n", "loki: 500 Internal Server Error: line one line two"},
		{"unknown status", 599, "x", "loki: 599: x"},
		{"in-band", 0, "tail max duration reached", "loki: tail max duration reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ParseLokiError(tt.status, []byte(tt.body))
			if err.Error() != tt.want {
				t.Errorf("got  %q\nwant %q", err.Error(), tt.want)
			}
		})
	}
	long := ParseLokiError(500, []byte(strings.Repeat("é", 2000))).(*LokiError)
	if len(long.Message) > maxErrorMessage+len("…") || !strings.HasSuffix(long.Message, "…") {
		t.Errorf("long message not cut: %d bytes", len(long.Message))
	}
}

func TestUnescapeJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`plain`, "plain"},
		{`a\"b\\c\/d`, `a"b\c/d`},
		{`\b\f\n\r\t`, "\b\f\n\r\t"},
		{`\u00e9\u001b`, "é\x1b"},
		{`\ud83d\ude00`, "😀"},
		{`\ud83d`, "\ufffd"},
		{`\ud83dx`, "\ufffdx"},
		{`\ude00\ud83d`, "\ufffd\ufffd"},
		{`\ud83d\u0041`, "\ufffdA"},
	}
	for _, tt := range tests {
		got, err := unescapeJSON([]byte(tt.in))
		if err != nil || got != tt.want {
			t.Errorf("unescapeJSON(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		var std string
		if err := json.Unmarshal([]byte(`"`+tt.in+`"`), &std); err != nil || std != got {
			t.Errorf("encoding/json disagrees on %q: %q", tt.in, std)
		}
	}
}

// FuzzLokiString checks the string decoder of Loki values against encoding/json.
func FuzzLokiString(f *testing.F) {
	for _, s := range []string{`plain`, `a\"b`, `\u00e9`, `\ud83d\ude00`, `\ud83d`, `\ud800\udc00\u0000`, `\\\\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		quoted := []byte(`"` + body + `"`)
		var std string
		if json.Unmarshal(quoted, &std) != nil {
			return // not a JSON string; encoding/json rejects the message before us
		}
		got, end, err := jsonString(quoted, 0)
		if err != nil || end != len(quoted) {
			t.Fatalf("jsonString(%q) = %q, %d, %v", quoted, got, end, err)
		}
		if utf8.ValidString(body) && got != std {
			t.Fatalf("jsonString(%q) = %q, encoding/json %q", quoted, got, std)
		}
	})
}

// FuzzLokiDecodeTail checks that no message makes the decoder panic or emit
// unsanitized text.
func FuzzLokiDecodeTail(f *testing.F) {
	f.Add([]byte(`{"streams":[{"stream":{"pod":"p"},"values":[["1","x"]]}],"dropped_entries":[{"labels":{"pod":"p"},"timestamp":"1"}]}`))
	f.Add([]byte(`{"streams":[{"stream":{"pod":"p"},"values":[["1","a\nb\u001b[2J",{}]]}]}`))
	f.Add([]byte(`parse error`))
	f.Add(lokiBenchMessage())
	f.Fuzz(func(t *testing.T, msg []byte) {
		var r stream.LokiResume
		d := NewLokiDecoder(stream.SanitizeOptions{}, &r)
		for range 2 {
			b, err := d.DecodeTail(msg)
			if err != nil {
				return
			}
			for _, l := range b.Lines {
				checkInert(t, msg, l.Text, false)
				if l.Origin == nil {
					t.Fatal("line without origin")
				}
			}
			r.Begin()
		}
	})
}

// checkInert fails t if out could do anything on a terminal (streamtest, written
// apart from stream's sanitizer).
func checkInert(t *testing.T, in []byte, out string, keepSGR bool) {
	t.Helper()
	if err := streamtest.Inert([]byte(out), streamtest.Allow{SGR: keepSGR, Tab: true}); err != nil {
		t.Fatalf("decode(%q) = %q: %v", in, out, err)
	}
}
