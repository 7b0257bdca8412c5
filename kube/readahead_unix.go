//go:build unix

package kube

import (
	"errors"
	"net"
	"os"
	"syscall"
)

// newSockReader returns a sockReader for c when it is a socket Go's poller
// manages (a *net.TCPConn), nil otherwise.
func newSockReader(c net.Conn) sockReader {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &rawSockRead{c: c, raw: raw}
	r.fn = r.readOnce
	return r.read
}

// rawSockRead is a socket's sockReader: one per connection, read by one goroutine
// at a time, so that a read allocates nothing (a closure over its results would
// put them on the heap at every read).
type rawSockRead struct {
	c   net.Conn
	raw syscall.RawConn
	fn  func(fd uintptr) bool // readOnce, bound once

	// The current read: its mode, and what readOnce got.
	wait       bool
	b          *[]byte
	n          int
	wouldBlock bool
	serr       error
}

// readOnce runs once, and with wait again each time the poller says the socket is
// readable; returning false waits. The buffer is borrowed for the read(2) only.
func (r *rawSockRead) readOnce(fd uintptr) bool {
	r.b = readAheadBufs.Get().(*[]byte)
	for {
		r.n, r.serr = syscall.Read(int(fd), *r.b)
		if r.serr != syscall.EINTR {
			break
		}
	}
	if r.serr == syscall.EAGAIN {
		readAheadBufs.Put(r.b)
		r.b, r.n, r.serr = nil, 0, nil
		r.wouldBlock = true
		return !r.wait
	}
	r.wouldBlock = false
	return true
}

func (r *rawSockRead) read(wait bool) (b *[]byte, n int, wouldBlock bool, err error) {
	r.wait, r.b, r.n, r.wouldBlock, r.serr = wait, nil, 0, false, nil
	err = r.raw.Read(r.fn)
	b, n, wouldBlock, serr := r.b, r.n, r.wouldBlock, r.serr
	r.b, r.serr = nil, nil
	if err == nil && serr != nil {
		err = &net.OpError{Op: "read", Net: r.c.LocalAddr().Network(), Source: r.c.LocalAddr(), Addr: r.c.RemoteAddr(), Err: os.NewSyscallError("read", serr)}
	}
	if err != nil {
		var oe *net.OpError // (its address escapes: only on an error)
		if errors.As(err, &oe) && oe.Op == "raw-read" {
			oe.Op = "read" // a deadline or a close, as net.Conn.Read says them
		}
	}
	if err != nil || n <= 0 {
		if b != nil {
			readAheadBufs.Put(b)
		}
		return nil, 0, wouldBlock && err == nil, err
	}
	return shrinkReadAhead(b, n), n, false, nil
}
