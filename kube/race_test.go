//go:build race

package kube

// raceEnabled: the race detector is on, and sync.Pool drops some of what is put
// back at random, so allocation counts do not hold.
const raceEnabled = true
