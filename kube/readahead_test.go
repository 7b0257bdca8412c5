package kube

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// fakeHolder is a lineHolder that holds one line from when it is told to.
type fakeHolder struct {
	mu     sync.Mutex
	since  time.Time
	held   bool
	handed chan struct{}
}

func (h *fakeHolder) heldSince() (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.since, h.held
}

func (h *fakeHolder) handOver() {
	h.mu.Lock()
	was := h.held
	h.held = false
	h.mu.Unlock()
	if was {
		h.handed <- struct{}{}
	}
}

func (h *fakeHolder) hold() {
	h.mu.Lock()
	h.since, h.held = time.Now(), true
	h.mu.Unlock()
}

// tcpPair returns both ends of a loopback TCP connection, the client's dialed
// through withReadAhead.
func tcpPair(t *testing.T, hold lineHolder) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		acc <- c
	}()
	dial := withReadAhead((&net.Dialer{}).DialContext, hold)
	client, err = dial(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-acc
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// A line held when the socket runs dry is handed over while the connection stays
// open and silent: nothing waits for more bytes that may never come.
func TestReadAheadHandsOverWhenIdle(t *testing.T) {
	h := &fakeHolder{handed: make(chan struct{}, 1)}
	client, server := tcpPair(t, h)
	if _, ok := client.(*readAheadConn); !ok {
		t.Fatalf("dialed %T, want *readAheadConn", client)
	}
	if _, err := server.Write([]byte("one line\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, err := client.Read(buf)
	if err != nil || string(buf[:n]) != "one line\n" {
		t.Fatalf("read %q, %v", buf[:n], err)
	}
	h.hold() // the deliverer cut the line and holds it
	got := make(chan string, 1)
	go func() {
		n, _ := client.Read(buf) // waits: the server says nothing until the hand-over
		got <- string(buf[:n])
	}()
	select {
	case <-h.handed:
	case <-time.After(time.Minute):
		t.Fatal("the line held was not handed over while the socket stayed silent")
	}
	if _, err := server.Write([]byte("next\n")); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "next\n" {
		t.Fatalf("then read %q", s)
	}
}

// Whatever the writes' sizes, every byte comes through once and in order, and the
// end of the stream is io.EOF.
func TestReadAheadKeepsEveryByte(t *testing.T) {
	h := &fakeHolder{handed: make(chan struct{}, 1<<20)}
	client, server := tcpPair(t, h)
	want := make([]byte, 3<<20)
	for i := range want {
		want[i] = byte(i*7 + i/4096)
	}
	go func() {
		for off, step := 0, 1; off < len(want); step = step*3%100003 + 1 {
			end := min(off+step, len(want))
			_, _ = server.Write(want[off:end])
			off = end
		}
		server.Close()
	}()
	var got bytes.Buffer
	buf := make([]byte, 5000) // as crypto/tls asks: less than the read-ahead holds
	for {
		n, err := client.Read(buf)
		got.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("got %d bytes, want %d, or not the same", got.Len(), len(want))
	}
}

// A read deadline set from above still ends a wait, lingering or not, with a
// timeout, and the connection reads on once it is lifted.
func TestReadAheadKeepsTheDeadline(t *testing.T) {
	h := &fakeHolder{handed: make(chan struct{}, 1)}
	client, server := tcpPair(t, h)
	h.hold()
	if err := client.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	_, err := client.Read(buf)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read past the deadline: %v, want a timeout", err)
	}
	if err := client.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if n, err := client.Read(buf); err != nil || string(buf[:n]) != "x" {
		t.Fatalf("after the deadline was lifted: %q, %v", buf[:n], err)
	}
}
