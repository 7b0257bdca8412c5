//go:build !unix

package kube

import "net"

// newSockReader returns nil: off Unix, a readAheadConn's reads pass straight
// through (read(2) on a non-blocking socket is Unix's).
func newSockReader(net.Conn) sockReader { return nil }
