package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tailui/tailui/hack/internal/testbedspec"
)

func TestLokiPush(t *testing.T) {
	got := make(chan lokiPushBody, 1)
	loki := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body lokiPushBody
		if r.URL.Path != "/loki/api/v1/push" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got <- body
		w.WriteHeader(http.StatusNoContent)
	}))
	defer loki.Close()

	b := newTestBed(t)
	b.store.loki = newLokiPusher(loki.URL+"/loki/api/v1/push", slog.New(slog.NewTextHandler(io.Discard, nil)))
	p, _ := b.store.Sync(&v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "logs-test", Name: "web-1", UID: "uid-web-1",
			Labels: map[string]string{"app.kubernetes.io/name": "web"},
			Annotations: map[string]string{testbedspec.AnnotationLoki: "true",
				testbedspec.LogsAnnotation("app"): "history=30,rate=0"}},
		Spec: v1.PodSpec{NodeName: "testbed-node", Containers: []v1.Container{{Name: "app", Image: "web:1"}}},
	})
	b.addPod("quiet", []string{"app"}, map[string]string{"app": "history=30,rate=0"}, nil)
	b.store.startContainer(b.store.container(p, "app")) // pushes the history again, as at start

	pl := b.store.loki
	pl.mu.Lock()
	batch := append([]lokiLine(nil), pl.pending...)
	pl.mu.Unlock()
	if len(batch) != 60 { // 30 at Sync, 30 again from the explicit start; none from "quiet"
		t.Fatalf("pending %d lines, want 60", len(batch))
	}
	if err := pl.push(context.Background(), batch[:30]); err != nil {
		t.Fatal(err)
	}
	body := <-got
	total := 0
	for _, s := range body.Streams {
		want := map[string]string{"namespace": "logs-test", "pod": "web-1", "container": "app", "app": "web", "job": "logs-test/web"}
		for k, v := range want {
			if s.Stream[k] != v {
				t.Fatalf("label %s=%q, want %q (stream %v)", k, s.Stream[k], v, s.Stream)
			}
		}
		for _, v := range s.Values {
			seq, ok := testbedspec.SeqOf(v[1])
			if !ok {
				t.Fatalf("pushed line without seq: %q", v[1])
			}
			text, level := testbedspec.Line("web-1", "app", seq, false)
			if v[1] != text || s.Stream["level"] != level {
				t.Fatalf("line %d pushed as %q level %s", seq, v[1], s.Stream["level"])
			}
		}
		total += len(s.Values)
	}
	if total != 30 {
		t.Fatalf("pushed %d lines, want 30", total)
	}
}

func TestLokiPushErrors(t *testing.T) {
	tests := []struct {
		name      string
		code      int
		permanent bool
	}{
		{"too many requests is retried", http.StatusTooManyRequests, false},
		{"server error is retried", http.StatusServiceUnavailable, false},
		{"bad request is dropped", http.StatusBadRequest, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "no", tt.code)
			}))
			defer srv.Close()
			pl := newLokiPusher(srv.URL, slog.New(slog.NewTextHandler(io.Discard, nil)))
			lab := &lokiLabels{namespace: "ns", pod: "p", container: "c", app: "a"}
			err := pl.push(context.Background(), []lokiLine{{labels: lab, level: "info", ts: time.Now().UnixNano(), text: "x"}})
			if err == nil || isPermanent(err) != tt.permanent {
				t.Fatalf("err %v, permanent %v", err, isPermanent(err))
			}
		})
	}
}
