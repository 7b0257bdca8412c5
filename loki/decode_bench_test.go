package loki

// The Loki tail decoder's benchmarks, in a file of their own so that they move with
// the decoder.

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/tailui/tailui/stream"
)

// lokiBenchMessage builds a realistic tail message: 100 entries over three streams,
// a third of them JSON logs with escaped quotes.
func lokiBenchMessage() []byte {
	type stream struct {
		Stream map[string]string `json:"stream"`
		Values [][2]string       `json:"values"`
	}
	var msg struct {
		Streams []stream `json:"streams"`
	}
	base := time.Date(2026, 11, 25, 16, 34, 56, 0, time.UTC).UnixNano()
	for s := 0; s < 3; s++ {
		st := stream{Stream: map[string]string{
			"namespace": "prod", "pod": fmt.Sprintf("web-7d9f8c6b5-x%d", s), "container": "app",
			"app": "web", "job": "prod/web", "node_name": "node-1", "stream": "stdout",
		}}
		for i := s; i < 100; i += 3 {
			line := fmt.Sprintf(`10.0.%d.1 - - [25/Nov/2026:16:34:56 +0000] "GET /api/v1/items?page=%d HTTP/1.1" 200 5123 "-" "curl/8.5"`, s, i)
			if i%3 == 0 {
				line = fmt.Sprintf(`{"level":"info","ts":"2026-11-25T16:34:56.%06dZ","caller":"server/handler.go:128","msg":"request served","path":"/api/v1/items","status":200,"duration":0.0012}`, i)
			}
			st.Values = append(st.Values, [2]string{fmt.Sprint(base + int64(i)*1000), line})
		}
		msg.Streams = append(msg.Streams, st)
	}
	b, _ := json.Marshal(msg)
	return b
}

func BenchmarkLokiDecodeTail(b *testing.B) {
	msg := lokiBenchMessage()
	d := NewLokiDecoder(stream.SanitizeOptions{}, nil)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	var lines int
	for b.Loop() {
		batch, err := d.DecodeTail(msg)
		if err != nil {
			b.Fatal(err)
		}
		lines += len(batch.Lines)
	}
	b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkLokiDecodePlainJSON is the peer: the same message into generic
// encoding/json types ([][2]string values), with no origins, sorting or sanitizing.
func BenchmarkLokiDecodePlainJSON(b *testing.B) {
	msg := lokiBenchMessage()
	var v struct {
		Streams []struct {
			Stream map[string]string `json:"stream"`
			Values [][2]string       `json:"values"`
		} `json:"streams"`
	}
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		v.Streams = nil
		if err := json.Unmarshal(msg, &v); err != nil {
			b.Fatal(err)
		}
	}
}
