package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// lokiPusher ships generated lines to Loki's push API in batches. Generators only
// append to a bounded buffer under a mutex: Loki being slow or absent never holds
// them up; past the bound the oldest lines are dropped and counted.
type lokiPusher struct {
	url      string
	client   *http.Client
	log      *slog.Logger
	interval time.Duration
	maxLines int // buffer bound
	maxBatch int // lines per request

	mu      sync.Mutex
	pending []lokiLine
	head    int64 // absolute index of pending[0]
	dropped int64
}

type lokiLine struct {
	labels *lokiLabels
	level  string
	ts     int64
	text   string
}

// lokiLabels are a container's labels except level, shared by its lines.
type lokiLabels struct {
	namespace, pod, container, app string
}

func newLokiPusher(url string, log *slog.Logger) *lokiPusher {
	return &lokiPusher{
		url:      url,
		client:   &http.Client{Timeout: 10 * time.Second},
		log:      log,
		interval: 250 * time.Millisecond,
		maxLines: 200000,
		maxBatch: 5000,
	}
}

func (l *lokiPusher) add(c *container, lines []entry) {
	lab := c.lokiLabels()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range lines {
		l.pending = append(l.pending, lokiLine{labels: lab, level: e.level, ts: e.ts, text: e.text})
	}
	if over := len(l.pending) - l.maxLines; over > 0 {
		l.pending = append([]lokiLine(nil), l.pending[over:]...)
		l.head += int64(over)
		l.dropped += int64(over)
	}
}

// lokiLabels returns the container's shared label set, made once.
func (c *container) lokiLabels() *lokiLabels {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loki == nil {
		c.loki = &lokiLabels{namespace: c.pod.ns, pod: c.pod.name, container: c.name, app: c.pod.app}
	}
	return c.loki
}

// run pushes every interval until ctx ends, retrying quietly while Loki is down.
func (l *lokiPusher) run(ctx context.Context) {
	t := time.NewTicker(l.interval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for {
			l.mu.Lock()
			n := min(len(l.pending), l.maxBatch)
			batch := l.pending[:n:n]
			end := l.head + int64(n)
			l.mu.Unlock()
			if n == 0 {
				break
			}
			err := l.push(ctx, batch)
			retry := false
			switch {
			case err == nil:
				if failing {
					l.log.Info("loki push recovered", "url", l.url)
					failing = false
				}
			case isPermanent(err):
				l.log.Warn("loki rejected a batch; dropping it", "lines", n, "err", err)
			default:
				if !failing {
					l.log.Info("loki not reachable yet; retrying quietly", "url", l.url, "err", err)
					failing = true
				}
				retry = true
			}
			if retry {
				break
			}
			l.mu.Lock()
			// add() may have trimmed the front meanwhile: drop only what is still there.
			if k := end - l.head; k > 0 {
				l.pending = l.pending[k:]
				l.head = end
			}
			l.mu.Unlock()
		}
	}
}

type permanentError struct{ error }

func isPermanent(err error) bool { _, ok := err.(permanentError); return ok }

type lokiPushBody struct {
	Streams []lokiStream `json:"streams"`
}

type lokiStream struct {
	Stream map[string]string `json:"stream"`
	Values [][2]string       `json:"values"`
}

// encode groups lines by label set, keeping their order within each stream.
func encodeLokiPush(lines []lokiLine) ([]byte, error) {
	type key struct {
		labels *lokiLabels
		level  string
	}
	idx := map[key]int{}
	var body lokiPushBody
	for _, ln := range lines {
		k := key{ln.labels, ln.level}
		i, ok := idx[k]
		if !ok {
			i = len(body.Streams)
			idx[k] = i
			lb := ln.labels
			body.Streams = append(body.Streams, lokiStream{Stream: map[string]string{
				"namespace": lb.namespace, "pod": lb.pod, "container": lb.container,
				"app": lb.app, "job": lb.namespace + "/" + lb.app, "level": ln.level,
			}})
		}
		body.Streams[i].Values = append(body.Streams[i].Values, [2]string{strconv.FormatInt(ln.ts, 10), ln.text})
	}
	return json.Marshal(body)
}

func (l *lokiPusher) push(ctx context.Context, lines []lokiLine) error {
	body, err := encodeLokiPush(lines)
	if err != nil {
		return permanentError{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.url, bytes.NewReader(body))
	if err != nil {
		return permanentError{err}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode/100 == 2:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("loki: push: %s: %s", resp.Status, bytes.TrimSpace(msg))
	default:
		return permanentError{fmt.Errorf("loki: push: %s: %s", resp.Status, bytes.TrimSpace(msg))}
	}
}
