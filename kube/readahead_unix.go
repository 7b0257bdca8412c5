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
	return func(wait bool) (b *[]byte, n int, wouldBlock bool, err error) {
		var serr error
		// The function runs once, and with wait again each time the poller says the
		// socket is readable; returning false waits. The buffer is borrowed for
		// the read(2) only.
		err = raw.Read(func(fd uintptr) bool {
			b = readAheadBufs.Get().(*[]byte)
			for {
				n, serr = syscall.Read(int(fd), *b)
				if serr != syscall.EINTR {
					break
				}
			}
			if serr == syscall.EAGAIN {
				readAheadBufs.Put(b)
				b, n, serr = nil, 0, nil
				wouldBlock = true
				return !wait
			}
			wouldBlock = false
			return true
		})
		if err == nil && serr != nil {
			err = &net.OpError{Op: "read", Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.NewSyscallError("read", serr)}
		}
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "raw-read" {
			oe.Op = "read" // a deadline or a close, as net.Conn.Read says them
		}
		if err != nil || n <= 0 {
			if b != nil {
				readAheadBufs.Put(b)
			}
			return nil, 0, wouldBlock && err == nil, err
		}
		return shrinkReadAhead(b, n), n, false, nil
	}
}
