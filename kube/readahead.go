package kube

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// readAheadSize is the most a readAheadConn reads from its socket at once.
const readAheadSize = 64 << 10

// readLinger is how long a line may wait in its reader's batch for more lines
// when the socket has nothing more to read.
const readLinger = 5 * time.Millisecond

// readAheadBufs lends readAheadConns their buffers while they hold unread bytes.
var readAheadBufs = sync.Pool{New: func() any { b := make([]byte, readAheadSize); return &b }}

// readAheadSmall is the buffer that unread bytes move to when a read got no more
// than that: a followed stream's read is a frame or two (2 KiB each), and a buffer
// is held until TLS has taken all of it, so thousands of streams reading at once
// would otherwise hold 64 KiB each.
const readAheadSmall = 8 << 10

// readAheadSmallBufs lends the readAheadSmall buffers.
var readAheadSmallBufs = sync.Pool{New: func() any { b := make([]byte, readAheadSmall); return &b }}

// shrinkReadAhead returns b, holding n bytes read, or those bytes moved to a small
// buffer when they fit one (b then goes back to its pool).
func shrinkReadAhead(b *[]byte, n int) *[]byte {
	if n > readAheadSmall {
		return b
	}
	s := readAheadSmallBufs.Get().(*[]byte)
	copy(*s, (*b)[:n])
	readAheadBufs.Put(b)
	return s
}

// putReadAhead gives a buffer back to the pool it came from.
func putReadAhead(b *[]byte) {
	if cap(*b) == readAheadSmall {
		readAheadSmallBufs.Put(b)
		return
	}
	readAheadBufs.Put(b)
}

// lineHolder is what a readAheadConn reads for: the deliverer, which holds the
// lines it cuts in a batch until it hands them over.
type lineHolder interface {
	// heldSince reports when the oldest line held was cut, and whether any is.
	heldSince() (time.Time, bool)
	// handOver hands the lines held to the sink.
	handOver()
}

// readAheadConn is the raw connection (to the API server, or to a proxy) beneath a
// log stream's TLS and WebSocket. The API server sends a pod log in WebSocket
// frames of at most 2 KiB (docs/protocols.md), each in a TLS record of its own;
// read frame by frame, a 1,000,000-line history costs 58,000 read(2) calls and as
// many hand-overs of a few lines to the consumer, each waking it. So:
//
//   - It reads ahead: whatever the socket holds, up to 64 KiB, in one read(2),
//     into a buffer lent from a pool while it holds unread bytes (a quiet stream
//     holds none while it waits). crypto/tls then takes its records from there.
//   - Before a read would wait for the network, the lines the holder has cut are
//     handed over, but not at once: while the oldest of them is younger than
//     readLinger the read waits for more until then. A drain thus hands over full
//     batches (the deliverer's 512 lines) while the API server keeps up with it
//     only frame by frame, and a line that arrives alone goes out within
//     readLinger.
//
// Where the connection is not a socket it can poll (another platform, a dialer that
// returns its own net.Conn), reads pass straight through, the lines held handed
// over before each. A readAheadConn is read by one goroutine at a time (gorilla
// reads on the stream's reader goroutine only), and the holder is called on it,
// between reads.
type readAheadConn struct {
	net.Conn
	sock sockReader // nil: reads pass through
	hold lineHolder
	buf  *[]byte // lent from readAheadBufs while bytes in buf[r:w] are unread
	r, w int

	mu       sync.Mutex // guards deadline against a SetReadDeadline of another goroutine
	deadline time.Time  // the read deadline set from above
	gen      int        // counts SetReadDeadline calls from above
}

// sockReader reads once from a socket into a buffer it borrows from readAheadBufs
// and returns with the n > 0 bytes read. Without wait it never blocks and reports
// wouldBlock when the socket holds nothing; with wait it blocks until the socket is
// readable (honouring the read deadline), holding no buffer while it waits. A nil
// buffer with no error and no wouldBlock is the end of the stream.
type sockReader func(wait bool) (b *[]byte, n int, wouldBlock bool, err error)

// withReadAhead returns dial with every connection it makes wrapped in a
// readAheadConn reading for hold.
func withReadAhead(dial func(ctx context.Context, network, addr string) (net.Conn, error), hold lineHolder) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil || c == nil {
			return c, err
		}
		return &readAheadConn{Conn: c, sock: newSockReader(c), hold: hold}, nil
	}
}

// Read returns unread bytes of the buffer, or fills it from the socket first.
func (c *readAheadConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.buf == nil {
		if c.sock == nil {
			c.hold.handOver()
			return c.Conn.Read(p)
		}
		if err := c.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, (*c.buf)[c.r:c.w])
	c.r += n
	if c.r == c.w {
		putReadAhead(c.buf)
		c.buf, c.r, c.w = nil, 0, 0
	}
	return n, nil
}

// fill reads what the socket holds into a lent buffer: first without waiting, and
// when there is nothing, lingering for the lines held, then waiting.
func (c *readAheadConn) fill() error {
	b, n, wouldBlock, err := c.sock(false)
	if wouldBlock {
		b, n, wouldBlock, err = c.linger()
		if wouldBlock {
			c.hold.handOver()
			b, n, _, err = c.sock(true)
		}
	}
	if err != nil {
		return err
	}
	if b == nil {
		return io.EOF
	}
	c.buf, c.r, c.w = b, 0, n
	return nil
}

// linger waits for the socket until the oldest line held is readLinger old (at
// once when none is held), and reports wouldBlock when nothing came by then. A
// deadline set from above that comes first still ends the wait with its error.
func (c *readAheadConn) linger() (b *[]byte, n int, wouldBlock bool, err error) {
	since, ok := c.hold.heldSince()
	if !ok {
		return nil, 0, true, nil
	}
	until := since.Add(readLinger)
	if !time.Now().Before(until) {
		return nil, 0, true, nil
	}
	c.mu.Lock()
	above, gen := c.deadline, c.gen
	if !above.IsZero() && !until.Before(above) {
		c.mu.Unlock()
		return nil, 0, true, nil // the deadline from above comes first: wait for it as usual
	}
	err = c.Conn.SetReadDeadline(until)
	c.mu.Unlock()
	if err != nil {
		return nil, 0, false, err
	}
	b, n, _, err = c.sock(true)
	c.mu.Lock()
	if c.gen == gen {
		if rerr := c.Conn.SetReadDeadline(above); rerr != nil && err == nil {
			err = rerr
		}
	}
	c.mu.Unlock()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return nil, 0, true, nil // our own deadline: the lines held go now
	}
	return b, n, false, err
}

// SetReadDeadline sets the read deadline, and remembers it for linger.
func (c *readAheadConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deadline, c.gen = t, c.gen+1
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline sets both deadlines, and remembers the read one for linger.
func (c *readAheadConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deadline, c.gen = t, c.gen+1
	return c.Conn.SetDeadline(t)
}
