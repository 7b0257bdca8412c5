// Package testbedspec holds what the test bed's stand-in kubelet, its seed and the
// end-to-end tests agree on: the pod annotations that script a container's log, their
// parsing, and the deterministic content of every generated log line.
package testbedspec

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Annotation keys the stand-in kubelet reads from a pod.
const (
	// Prefix starts every test-bed annotation.
	Prefix = "testbed.tailui.dev/"
	// AnnotationPodIP fixes the pod's IP (status.podIP). Port-forwards dial it for real,
	// so it must be an address on this machine (the test bed's network namespace).
	AnnotationPodIP = Prefix + "pod-ip"
	// AnnotationPhase set to "Succeeded" makes the pod a finished one: its containers
	// are terminated (Completed, exit 0) and their logs hold only their history.
	AnnotationPhase = Prefix + "phase"
	// AnnotationLoki set to "true" makes the kubelet push the pod's generated lines to
	// Loki (when it runs with --loki-push-url).
	AnnotationLoki = Prefix + "loki"
	// AnnotationLogsPrefix followed by a container name scripts that container's log;
	// see LogSpec for the value.
	AnnotationLogsPrefix = Prefix + "logs."
)

// Defaults shared by the kubelet, the seed and the test bed script.
const (
	DefaultNodeName = "testbed-node"
	DefaultListen   = "127.0.0.1:10250"
	DefaultPodCIDR  = "10.213.78.0/24"
	// ContainerIDScheme prefixes every container ID the kubelet reports: "testbed://<hex>".
	ContainerIDScheme = "testbed"
	// KubeletVersion is what the Node reports as its kubelet version.
	KubeletVersion = "v1.36.3"
)

// LogsAnnotation returns the annotation key that scripts container's log.
func LogsAnnotation(container string) string { return AnnotationLogsPrefix + container }

// Defaults for a container without a logs annotation, and for keys an annotation omits.
const (
	DefaultHistory = 200
	DefaultRate    = 1.0
	DefaultStep    = time.Millisecond
)

// LogSpec is the parsed value of a logs annotation: comma-separated key=value pairs.
//
//	history=N        lines present when the container starts (default 200)
//	step=D           spacing of the history timestamps, a Go duration (default 1ms)
//	rate=R           new lines per second while running, a float (default 1; 0 = none)
//	cut=N            a follow request is closed after it has written N lines
//	restart-after=N  the container restarts after producing N lines (history included)
//	hostile=true     mix terminal-hostile lines into the log
//	waiting=REASON   the container never starts; it waits with this reason
//	file=PATH        the log is this file's content, followed as it grows
//	rotate=N         the log file is rotated once it holds N records (new requests read only the current file)
//	long=N           every line whose seq is a multiple of N is LongLineSize bytes (split into partial records)
//	backoff=D        with restart-after: the dead container waits D in CrashLoopBackOff before the next runs
type LogSpec struct {
	History      int
	Step         time.Duration
	Rate         float64
	Cut          int
	RestartAfter int
	Hostile      bool
	Waiting      string
	File         string
	Rotate       int
	Long         int
	Backoff      time.Duration
}

// DefaultLogSpec returns the spec of a container without a logs annotation.
func DefaultLogSpec() LogSpec {
	return LogSpec{History: DefaultHistory, Step: DefaultStep, Rate: DefaultRate}
}

// ParseLogSpec parses an annotation value; keys it omits keep their defaults.
func ParseLogSpec(s string) (LogSpec, error) {
	spec := DefaultLogSpec()
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return spec, fmt.Errorf("testbedspec: %q is not key=value", part)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		var err error
		switch k {
		case "history":
			spec.History, err = nonNegative(v)
		case "step":
			spec.Step, err = time.ParseDuration(v)
			if err == nil && spec.Step < 0 {
				err = fmt.Errorf("negative")
			}
		case "rate":
			spec.Rate, err = strconv.ParseFloat(v, 64)
			if err == nil && (spec.Rate < 0 || spec.Rate > 1e6) {
				err = fmt.Errorf("out of range")
			}
		case "cut":
			spec.Cut, err = nonNegative(v)
		case "restart-after":
			spec.RestartAfter, err = nonNegative(v)
		case "hostile":
			spec.Hostile, err = strconv.ParseBool(v)
		case "waiting":
			spec.Waiting = v
		case "file":
			spec.File = v
		case "rotate":
			spec.Rotate, err = nonNegative(v)
		case "long":
			spec.Long, err = nonNegative(v)
		case "backoff":
			spec.Backoff, err = time.ParseDuration(v)
			if err == nil && spec.Backoff < 0 {
				err = fmt.Errorf("negative")
			}
		default:
			err = fmt.Errorf("unknown key")
		}
		if err != nil {
			return spec, fmt.Errorf("testbedspec: logs annotation key %q value %q: %w", k, v, err)
		}
	}
	return spec, nil
}

// String formats s as an annotation value, listing only what differs from the defaults.
func (s LogSpec) String() string {
	d := DefaultLogSpec()
	var parts []string
	if s.History != d.History {
		parts = append(parts, "history="+strconv.Itoa(s.History))
	}
	if s.Step != d.Step {
		parts = append(parts, "step="+s.Step.String())
	}
	if s.Rate != d.Rate {
		parts = append(parts, "rate="+strconv.FormatFloat(s.Rate, 'f', -1, 64))
	}
	if s.Cut != 0 {
		parts = append(parts, "cut="+strconv.Itoa(s.Cut))
	}
	if s.RestartAfter != 0 {
		parts = append(parts, "restart-after="+strconv.Itoa(s.RestartAfter))
	}
	if s.Hostile {
		parts = append(parts, "hostile=true")
	}
	if s.Waiting != "" {
		parts = append(parts, "waiting="+s.Waiting)
	}
	if s.File != "" {
		parts = append(parts, "file="+s.File)
	}
	if s.Rotate != 0 {
		parts = append(parts, "rotate="+strconv.Itoa(s.Rotate))
	}
	if s.Long != 0 {
		parts = append(parts, "long="+strconv.Itoa(s.Long))
	}
	if s.Backoff != 0 {
		parts = append(parts, "backoff="+s.Backoff.String())
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func nonNegative(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err == nil && n < 0 {
		err = fmt.Errorf("negative")
	}
	return n, err
}
