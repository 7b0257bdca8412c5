package main

import (
	"fmt"
	"os"
)

// bigDrainLines is the history of the big drain: the 1,000,000 lines. The
// stand-in kubelet keeps a container's whole scripted history however long it is
// (hack/kubelet: container.maxLines), so the pod serves every one of them.
const bigDrainLines = 1_000_000

// drainBig: a 1,000,000-line history (a pod made for it), printed and exit, by
// tailui, kubectl and stern in turn.
func (r *report) drainBig() {
	cs, ns, done := benchNamespace("bench-big")
	if cs == nil {
		return
	}
	defer done()
	if err := historyPod(cs, ns, "bulk-big", bigDrainLines); err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: %v\n", err)
		return
	}
	r.drainPod(ns, "bulk-big", bigDrainLines)
}

// drainLimits is the "What limits each figure" entry of the drains (see limits).
const drainLimits = `- **Drain.** The API server sends a pod log in WebSocket frames of at most 2 KiB,
  each in a TLS record of its own: 58,000 frames for the 1,000,000-line history
  (120 MB). Read frame by frame, that was 37,000 read(2) calls and a batch of 17
  lines handed to the printer per frame, each hand-over waking the printer's
  goroutine (strace -c: 47,000 futex calls, 45,000 nanosleeps of the scheduler; the
  scheduler and futex were about 25% of the CPU samples, read(2) 18%). The socket
  beneath TLS now reads ahead (up to 64 KiB a read(2), into a pooled buffer held
  only while it has unread bytes) and the deliverer hands its lines over when the
  socket would wait, at most 5 ms after the oldest of them was cut, or at 512
  lines: 3,200 reads and 5,700 futex calls for the same drain, and about 30% less
  CPU (user+sys). The clean lines of a chunk share one string (one allocation per
  frame, not per line). In the CPU profile of a drain now (770 ms of samples over
  2.1 s): read(2) 17%, the copy of each chunk's text into the string the lines
  keep 15% (slicebytetostring, mostly first touches of fresh heap), the GC's
  marking 16% and its write barriers 8% (80 collections: the live heap is 2 MB, so
  the GC runs every 2 to 4 MB allocated, and a drain allocates 115 MB of text and
  64 MB of Lines), the sanitizer's scan 8% (twice per line: at ingest and again at
  the printer, its own boundary), TLS decryption 5%, the timestamp parse 3%.
  GOGC=200 in the environment took another 15% of the user CPU (below kubectl's)
  for 2 MiB more peak RSS, and 400 cost 12 MiB; set by the program for drains
  only (debug.SetGCPercent, 150 or 200) the peak RSS rose to 58-61 MiB in the
  same runs, past the 60 MiB target, so it is not set;
  recycling the batches of Lines (a pool the printer gives back to) cut the 64 MB
  to 4 but the hub's merge of pending batches allocates as much again, and the
  gain was within the noise of this loaded machine, so it is not in. The wall
  time is the API server's: tailui waits on the socket for more than half of the
  run (its samples cover about 37% of the wall time).
`
