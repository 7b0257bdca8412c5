package stream

import "bytes"

// DefaultMaxLine is the line length cap a Splitter uses when none is given: 64 MiB.
const DefaultMaxLine = 64 << 20

// bigBuf is the size above which a Splitter lets go of its carry-over buffer once the
// long line it held has been returned, so one huge line does not pin memory forever.
const bigBuf = 1 << 20

// Splitter reassembles lines from chunks cut anywhere (WebSocket frames cut mid-line
// and mid-rune, empty frames). Feed it a chunk, then call Next until it reports false;
// at the end of the stream Flush returns the unterminated last line.
//
// Lines come back without their "\n" and without one trailing "\r". A line that lies
// whole inside a chunk is returned as a sub-slice of that chunk (no copy); only a line
// that spans chunks is copied, into a buffer the Splitter reuses. A returned line is
// valid until the next call of any method; callers sanitize or copy it at once.
//
// A line longer than the cap is returned in pieces of at most cap bytes, cut on a
// UTF-8 rune boundary where the input allows; Cut reports that for each piece but the
// last. The zero Splitter is ready to use with DefaultMaxLine. A Splitter is not safe
// for concurrent use.
type Splitter struct {
	lim   int
	chunk []byte // unread rest of the chunk given to Feed
	buf   []byte // start of a line that spans chunks
	drop  int    // bytes at the front of buf already returned; dropped on the next call
	cut   bool   // the last returned line was cut at the cap
	cuts  int
}

// NewSplitter returns a Splitter that cuts lines longer than maxLine bytes;
// maxLine <= 0 means DefaultMaxLine.
func NewSplitter(maxLine int) *Splitter {
	return &Splitter{lim: maxLine}
}

func (s *Splitter) limit() int {
	if s.lim <= 0 {
		return DefaultMaxLine
	}
	return s.lim
}

// Feed gives the Splitter the next chunk of the stream. The Splitter reads chunk in
// place until Next reports false, so the caller must not modify it before then.
// Feeding again before Next has reported false loses nothing: the unread rest of the
// previous chunk is copied first.
func (s *Splitter) Feed(chunk []byte) {
	if len(s.chunk) == 0 {
		s.chunk = chunk
		return
	}
	// Rare: the caller did not drain the previous chunk. Everything unread (the
	// partial line and the rest of that chunk) goes in front of the new chunk, which
	// Next then reads as usual.
	s.compact()
	pending := append(s.buf, s.chunk...)
	s.buf = nil
	s.chunk = append(pending, chunk...)
}

// compact drops the bytes of buf already returned by Next.
func (s *Splitter) compact() {
	if s.drop == 0 {
		return
	}
	n := copy(s.buf, s.buf[s.drop:])
	s.buf = s.buf[:n]
	s.drop = 0
	if n == 0 && cap(s.buf) > bigBuf {
		s.buf = nil
	}
}

// Next returns the next complete line of the chunks fed so far and reports whether
// there was one. When it reports false, the Splitter holds any partial line and
// waits for the next Feed.
func (s *Splitter) Next() ([]byte, bool) {
	s.compact()
	s.cut = false
	lim := s.limit()
	i := bytes.IndexByte(s.chunk, '\n')
	if len(s.buf) == 0 {
		if i >= 0 {
			line := trimCR(s.chunk[:i])
			if len(line) <= lim {
				s.chunk = s.chunk[i+1:]
				return line, true
			}
			return s.cutChunk(lim), true
		}
		if !over(s.chunk, lim) {
			s.buf = append(s.buf, s.chunk...)
			s.chunk = nil
			return nil, false
		}
		return s.cutChunk(lim), true
	}

	// A line started in an earlier chunk.
	seg := s.chunk
	if i >= 0 {
		seg = s.chunk[:i]
		// The line is complete once seg is appended: check its length without the CR.
		n := len(s.buf) + len(seg)
		if lastByte(s.buf, seg) == '\r' {
			n--
		}
		if n <= lim {
			s.buf = append(s.buf, seg...)
			s.chunk = s.chunk[i+1:]
			s.drop = len(s.buf)
			return s.buf[:n], true
		}
	} else if !over2(s.buf, seg, lim) {
		s.buf = append(s.buf, seg...)
		s.chunk = nil
		return nil, false
	}

	// Too long: fill buf to lim+1 bytes and return a piece of it.
	if room := lim + 1 - len(s.buf); room > 0 {
		if room > len(seg) {
			room = len(seg)
		}
		s.buf = append(s.buf, seg[:room]...)
		s.chunk = s.chunk[room:]
	}
	k := cutPoint(s.buf, lim)
	s.drop = k
	s.cut = true
	s.cuts++
	return s.buf[:k], true
}

// cutChunk returns the first piece of an over-long line that starts at the front of
// the current chunk.
func (s *Splitter) cutChunk(lim int) []byte {
	k := cutPoint(s.chunk, lim)
	piece := s.chunk[:k]
	s.chunk = s.chunk[k:]
	s.cut = true
	s.cuts++
	return piece
}

// Cut reports whether the line last returned by Next or Flush was cut at the length
// cap, its rest following as the next line.
func (s *Splitter) Cut() bool { return s.cut }

// Cuts returns how many times a line was cut at the length cap.
func (s *Splitter) Cuts() int { return s.cuts }

// Pending returns the number of bytes held that do not yet form a complete line.
func (s *Splitter) Pending() int { return len(s.buf) - s.drop + len(s.chunk) }

// Flush returns the unterminated last line, if any, and empties the Splitter. Call it
// when the stream has ended and Next has reported false. A trailing "\r" is removed.
// If Next was not drained, Flush returns everything left as one line.
func (s *Splitter) Flush() ([]byte, bool) {
	s.compact()
	s.cut = false
	var line []byte
	switch {
	case len(s.buf) == 0:
		line = s.chunk
	case len(s.chunk) == 0:
		line = s.buf
	default:
		s.buf = append(s.buf, s.chunk...)
		line = s.buf
	}
	s.chunk = nil
	s.drop = len(s.buf)
	if len(line) == 0 {
		return nil, false
	}
	return trimCR(line), true
}

// Reset discards any partial line and pending input; counters are kept.
func (s *Splitter) Reset() {
	s.chunk = nil
	s.buf = s.buf[:0]
	if cap(s.buf) > bigBuf {
		s.buf = nil
	}
	s.drop = 0
	s.cut = false
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

// over reports whether an unterminated line b is already longer than lim. One byte
// of slack is allowed when it is a '\r' that may yet turn out to precede the '\n'.
func over(b []byte, lim int) bool {
	return len(b) > lim+1 || len(b) == lim+1 && b[lim] != '\r'
}

// over2 is over for the concatenation of a and b.
func over2(a, b []byte, lim int) bool {
	n := len(a) + len(b)
	if n <= lim {
		return false
	}
	if n > lim+1 {
		return true
	}
	last := lastByte(a, b)
	return last != '\r'
}

// lastByte returns the last byte of the concatenation of a and b, or 0.
func lastByte(a, b []byte) byte {
	if len(b) > 0 {
		return b[len(b)-1]
	}
	if len(a) > 0 {
		return a[len(a)-1]
	}
	return 0
}

// cutPoint returns where to cut b (len(b) > lim) so that the first piece holds at most
// lim bytes and, when b is valid UTF-8 there, ends on a rune boundary.
func cutPoint(b []byte, lim int) int {
	for k := lim; k > 0 && k > lim-4; k-- {
		if b[k]&0xC0 != 0x80 { // b[k] starts a rune (or is ASCII)
			return k
		}
	}
	return lim
}
