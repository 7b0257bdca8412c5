package kube

import (
	"errors"
	"net/url"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestNextOnBreak is the reconnect decision of a pod-log stream as a table: the
// stream and the pod as looked up again in, the next step out.
func TestNextOnBreak(t *testing.T) {
	notFound := apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, "web")
	refused := &url.Error{Op: "Get", URL: "https://api", Err: errors.New("connection refused")}
	running := containerState{ID: "c1", Restarts: 2, Running: true}
	// base is a followed stream of container c1 (restart 2) that delivered lines and
	// was closed by the server; the pod shows the same container running.
	base := func(change func(ev *breakEvent)) breakEvent {
		ev := breakEvent{follow: true, mode: readFollow, containerID: "c1", restarts: 2, resumable: true,
			lines: 5, duration: time.Second, sawEOF: true, looked: true, st: running}
		if change != nil {
			change(&ev)
		}
		return ev
	}
	tests := []struct {
		name string
		ev   breakEvent
		want breakAction
	}{
		{"healthy stream closed by the server", base(nil), breakStraightBack},
		{"open long enough without a line is healthy too", base(func(ev *breakEvent) { ev.lines, ev.duration = 0, 11*time.Second }), breakStraightBack},
		{"no line, short: not healthy", base(func(ev *breakEvent) { ev.lines = 0 }), breakBackoff},
		{"broken, not closed", base(func(ev *breakEvent) { ev.sawEOF = false }), breakBackoff},
		{"read error", base(func(ev *breakEvent) { ev.readErr = errors.New("unexpected EOF") }), breakBackoff},
		{"pod lookup denied or gone for good", base(func(ev *breakEvent) { ev.lookupErr = notFound }), breakFail},
		{"API server unreachable: same container, never straight back", base(func(ev *breakEvent) { ev.lookupErr = refused }), breakBackoff},
		{"pod deleted", base(func(ev *breakEvent) { ev.st = containerState{PodDeleted: true} }), breakFinish},
		{"container gone from the pod", base(func(ev *breakEvent) { ev.st.ContainerGone = true }), breakFinish},
		{"restarted once with a line time: its previous log", base(func(ev *breakEvent) { ev.st = containerState{ID: "c2", Restarts: 3, Running: true} }), breakPrevious},
		{"restarted once, nothing to resume from", base(func(ev *breakEvent) {
			ev.resumable = false
			ev.st = containerState{ID: "c2", Restarts: 3, Running: true}
		}), breakNewContainer},
		{"restarted twice", base(func(ev *breakEvent) { ev.st = containerState{ID: "c3", Restarts: 4, Running: true} }), breakNewContainer},
		{"no container ID yet is no restart", base(func(ev *breakEvent) { ev.st = containerState{Restarts: 2} }), breakStraightBack},
		{"terminated: drain", base(func(ev *breakEvent) {
			ev.st = containerState{ID: "c1", Restarts: 2, Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}
		}), breakDrain},
		{"pod finished: drain", base(func(ev *breakEvent) { ev.st = containerState{ID: "c1", Restarts: 2, PodFinished: true} }), breakDrain},
		{"a drain that broke is retried, not drained again", base(func(ev *breakEvent) {
			ev.mode = readDrain
			ev.sawEOF = false
			ev.st = containerState{ID: "c1", Restarts: 2, PodFinished: true}
		}), breakBackoff},
		{"without --follow the pod is not looked at", base(func(ev *breakEvent) {
			ev.follow, ev.looked = false, false
			ev.st = containerState{PodDeleted: true}
			ev.sawEOF = false
		}), breakBackoff},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := nextOnBreak(tc.ev); got != tc.want {
				t.Errorf("nextOnBreak = %v, want %v", got, tc.want)
			}
		})
	}
}
