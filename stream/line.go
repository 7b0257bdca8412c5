// Package stream is the bottom layer of tailui: log lines and where they come from,
// the Source contract, and the machinery between a socket and a screen (frame to line
// reassembly, sanitizing, filters, bounded rings, batching, resume bookkeeping and the
// Loki tail decoder). It knows nothing of Kubernetes, Bubble Tea or Lip Gloss.
package stream

import (
	"context"
	"time"
)

// Origin identifies where lines come from: one container's log or one Loki label set.
// Origins are created once per source and shared by pointer by all of its lines.
type Origin struct {
	// ID is a stable unique key, e.g. "ns/pod/container" or a Loki label string.
	ID string
	// Name is the short display name, e.g. "web-7d9f-x2/app".
	Name string
	// Fields holds the structured identity: namespace, pod, container for pod logs,
	// the label set for Loki streams. Read-only once the Origin is published.
	Fields map[string]string
	// Labels and Annotations are the pod's metadata for pod logs (what templates
	// and filters may read); nil for other sources. Read-only, like Fields.
	Labels, Annotations map[string]string
	// Context is the kubeconfig context (the cluster) the lines come from when
	// tailui follows several clusters, "" when it follows one. See ContextSink.
	Context string
}

// Kind says what a Line is: a log line, or one of tailui's own markers that stand in
// the log where something happened to the stream.
type Kind uint8

// Kinds of lines. Every kind other than KindLog is a marker written by tailui.
const (
	KindLog       Kind = iota // a line the source logged
	KindInfo                  // neutral note (stream opened, pod appeared)
	KindReconnect             // the stream ended or broke; tailui is reconnecting
	KindResume                // the stream resumed exactly where it left off
	KindGap                   // lines were lost at the source (rotation, pod gone, window passed)
	KindRestart               // the container restarted; lines after come from the new one
	KindDropped               // lines were dropped (server-side, e.g. Loki dropped_entries, or a full ring)
	KindEnded                 // the source ended for good (pod deleted, --no-follow finished)
	KindError                 // the source failed; Text holds the server's message
	KindFill                  // the log lines that follow (or end here) were fetched from another source to fill a gap
)

var kindNames = [...]string{"log", "info", "reconnect", "resume", "gap", "restart", "dropped", "ended", "error", "fill"}

// String returns the lowercase name of k.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// IsMarker reports whether k is one of tailui's own markers rather than a log line.
func (k Kind) IsMarker() bool { return k != KindLog }

// Line is one line of a log, or a marker. Text holds no trailing newline and is
// safe to print on a terminal: a log line's Text is sanitized (see Sanitize) before
// the Line is built, and a marker's by the Hub that delivers it (SanitizeMarkers),
// since markers are built from what servers say. Printers and renderers sanitize
// again at their own boundary, where the clean common case costs one scan.
type Line struct {
	Origin *Origin
	// Time is the source's timestamp; zero when the source gave none.
	Time time.Time
	Text string
	Kind Kind
	// Filled says that a log line was not read from its origin's own stream but
	// spliced in from another source to fill a gap in it (see GapSplicer).
	Filled Filled
	// Window is set on a KindGap marker whose gap lies between the log line of the
	// same origin delivered just before the marker and the one just after it: the
	// gap's time window is known, and a GapSplicer may fill it.
	Window bool
	// Count carries a number for markers that have one (dropped or skipped lines).
	Count int
}

// Filled names the source a spliced log line came from.
type Filled uint8

// Sources of spliced lines.
const (
	NotFilled      Filled = iota // read from the origin's own stream
	FilledFromLoki               // a pod's line fetched from Loki to fill a gap in the pod's stream
	FilledFromPod                // a Loki stream's line fetched from the pod to fill entries Loki dropped
)

var filledNames = [...]string{"", "loki", "pod"}

// String returns "loki" or "pod", or "" for a line read from its own stream.
func (f Filled) String() string {
	if int(f) < len(filledNames) {
		return filledNames[f]
	}
	return "unknown"
}

// State is the lifecycle state of one source, as shown in a pane's title.
type State int

// Source states.
const (
	StateConnecting   State = iota // opening the stream
	StateLive                      // receiving
	StateReconnecting              // waiting to retry after a break
	StateQueued                    // waiting for a free stream slot (--max-streams)
	StateEnded                     // finished normally
	StateFailed                    // gave up; Status.Err says why
)

var stateNames = [...]string{"connecting", "live", "reconnecting", "queued", "ended", "failed"}

// String returns the lowercase name of s.
func (s State) String() string {
	if int(s) >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Status is a change of a source's state.
type Status struct {
	Origin  *Origin
	State   State
	Attempt int       // reconnect attempt number, from 1, when reconnecting
	NextTry time.Time // when the next attempt starts, when reconnecting
	Err     string    // the cause, in the server's words where there are any
	At      time.Time
}

// Sink receives what sources produce. Lines may block (plain output applies
// backpressure) or never block (the UI's hub drops the oldest lines and says so);
// a Source must not hold locks while calling it. Batches are owned by the sink
// after the call: a source must not reuse the slice.
type Sink interface {
	Lines(batch []Line)
	Status(s Status)
}

// Source is anything that produces lines: a container's log stream, a Loki tail, a
// discovery loop that runs one stream per matching container.
type Source interface {
	// Run streams into sink until ctx is cancelled or the source ends for good.
	// It returns nil when the source ended normally and an error when it gave up.
	Run(ctx context.Context, sink Sink) error
}
