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
	cs, err := client()
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: %v\n", err)
		return
	}
	ns := runNamespace("bench-big")
	defer cleanup(cs, ns)
	if err := historyPod(cs, ns, "bulk-big", bigDrainLines); err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: %v\n", err)
		return
	}
	r.drainPod(ns, "bulk-big", bigDrainLines)
}
