//go:build unix

package kube

import "testing"

// A socket's read-ahead allocates nothing once its pools are warm: not per read(2),
// and so not per frame or line.
func TestSockReaderAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers")
	}
	client, peer := tcpPair(t, nil)
	c := client.(*readAheadConn).Conn // the socket beneath, read here directly
	read := newSockReader(c)
	if read == nil {
		t.Fatal("a TCP connection has no sockReader")
	}
	chunk := make([]byte, 1500)
	readChunk := func() {
		if _, err := peer.Write(chunk); err != nil {
			t.Fatal(err)
		}
		for got := 0; got < len(chunk); {
			b, n, _, err := read(true)
			if err != nil || b == nil {
				t.Fatalf("read: %v", err)
			}
			putReadAhead(b)
			got += n
		}
		if _, _, wouldBlock, err := read(false); !wouldBlock || err != nil {
			t.Fatalf("an empty socket read without waiting: wouldBlock %v, err %v", wouldBlock, err)
		}
	}
	readChunk() // warm the pools
	if allocs := testing.AllocsPerRun(100, readChunk); allocs > 0 {
		t.Errorf("%.1f allocations a read, want none", allocs)
	}
}
