package kube

import (
	"fmt"
	"sync"
	"time"

	"github.com/tailui/tailui/stream"
)

// deliverer turns raw chunks into lines: reassembly, timestamps, exact-resume skips,
// sanitizing, batching.
type deliverer struct {
	s        *ContainerStream
	sink     stream.Sink
	resume   *stream.PodResume
	split    stream.Splitter
	batch    []stream.Line
	batchCap int // the length of the last batch: the capacity of the next
	sess     session
	resuming bool
	skipped  int // repeats dropped on resume
	attempt  int // reconnect attempts it took to get here
	start    time.Time
	noTime   int // lines without a parseable timestamp

	shortShown bool // the gap marker of a resume that found too few repeats was written
	// since says the request had a since time: the kubelet filters its CRI records
	// one by one, so the first it sends may be the rest of a line split into partial
	// records, without a timestamp (ReadLogs prefixes only a record that starts a
	// line). Such a piece, before the first stamped line, is dropped: its line began
	// before the since time (delivered already, or older than asked for).
	since     bool
	timedSeen bool
	openOnce  sync.Once

	// text holds the clean texts of the lines cut from the chunk being fed, one
	// after another, and spans says which line of batch each one is: seal makes
	// them one string, each line's Text a substring of it (one allocation per
	// chunk rather than one per line). text is lent from textBufs for one chunk.
	text  *[]byte
	spans []textSpan
	held  time.Time // when the first line of batch was cut
}

var _ lineHolder = (*deliverer)(nil)

// heldSince reports when the oldest line of the batch was cut (readAheadConn).
func (d *deliverer) heldSince() (time.Time, bool) { return d.held, len(d.batch) > 0 }

// handOver hands the batch over (readAheadConn).
func (d *deliverer) handOver() { d.flush() }

// textSpan is where a line's clean text lies in deliverer.text.
type textSpan struct{ line, off, n int32 }

// ownText is the length above which a line gets a string of its own rather than a
// share of its chunk's: a long line then pins no neighbours, and the lent buffer
// stays small.
const ownText = 4 << 10

// textBufs lends deliverers the buffer their chunk's clean texts are gathered in.
var textBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// opened is called once the stream is established, or the API server is known to
// be waiting for the kubelet's first byte; it reports the stream live once.
func (d *deliverer) opened() {
	d.openOnce.Do(func() {
		d.sink.Status(stream.Status{Origin: d.s.origin, State: stream.StateLive, At: d.s.opts.now()})
	})
}

func (d *deliverer) feed(chunk []byte) {
	d.split.Feed(chunk)
	for {
		raw, ok := d.split.Next()
		if !ok {
			break
		}
		d.line(raw)
	}
	d.seal()
}

func (d *deliverer) flushPartial() {
	if raw, ok := d.split.Flush(); ok {
		d.line(raw)
	}
	d.seal()
}

// setText sets the Text of batch[i] to text sanitized. A clean text (the common
// case) is gathered for seal; a long or dirty one gets its own string at once.
func (d *deliverer) setText(i int, text []byte) {
	opt := stream.SanitizeOptions{KeepSGR: d.s.opts.KeepSGR}
	if len(text) == 0 {
		return
	}
	if len(text) > ownText || !stream.IsClean(text, opt) {
		d.batch[i].Text = stream.Sanitize(text, opt)
		return
	}
	if d.text == nil {
		d.text = textBufs.Get().(*[]byte)
	}
	d.spans = append(d.spans, textSpan{line: int32(i), off: int32(len(*d.text)), n: int32(len(text))})
	*d.text = append(*d.text, text...)
}

// seal gives the lines whose clean text was gathered since the last seal their
// Text: substrings of one string made of all of them. A line holds its chunk's
// texts alive (at most ownText each, 2 KiB a frame through the API server); lines
// of one chunk arrive together and are dropped together, oldest first, by a ring.
func (d *deliverer) seal() {
	if d.text == nil {
		return
	}
	all := string(*d.text)
	for _, sp := range d.spans {
		d.batch[sp.line].Text = all[sp.off : sp.off+sp.n]
	}
	d.spans = d.spans[:0]
	if cap(*d.text) <= 64<<10 {
		*d.text = (*d.text)[:0]
		textBufs.Put(d.text)
	}
	d.text = nil
}

func (d *deliverer) line(raw []byte) {
	if len(d.batch) == 0 {
		d.held = time.Now()
	}
	t, rest, ok := stream.SplitTimestamp(raw)
	if !ok && d.since && !d.timedSeen {
		d.skipped++
		return
	}
	d.timedSeen = d.timedSeen || ok
	if !ok {
		d.noTime++
		rest = raw
	} else if d.resume.Skip(t) {
		d.skipped++
		return
	}
	if d.resuming {
		d.resuming = false
		since, _ := d.resume.SinceTime()
		text := fmt.Sprintf("resumed from %s: %d repeated line(s) skipped", since.Format(time.RFC3339), d.skipped)
		if d.resume.Anchored() {
			text = fmt.Sprintf("resumed from %s, when the stream opened (no line had arrived before the break): lines written in that second just before it opened may appear too", since.Format(time.RFC3339))
		}
		if d.attempt > 1 {
			text += fmt.Sprintf(" (after %d attempts)", d.attempt)
		}
		d.batch = append(d.batch, stream.Line{Origin: d.s.origin, Time: t, Kind: stream.KindResume, Count: d.skipped, Text: text})
	}
	if d.resume.Short() && !d.shortShown {
		// The repeats ended early, at this line: the gap is here, not at the end
		// of a stream that may stay open for hours.
		d.shortShown = true
		d.batch = append(d.batch, stream.Line{Origin: d.s.origin, Time: t, Kind: stream.KindGap, Window: ok,
			Text: "lines shown before the break were not all found again on resume: the log was rotated or truncated at the source, and lines may be missing"})
	}
	if ok {
		d.resume.Observe(t)
	}
	if d.batch == nil {
		d.batch = make([]stream.Line, 0, max(d.batchCap, 1))
	}
	d.batch = append(d.batch, stream.Line{Origin: d.s.origin, Time: t})
	d.setText(len(d.batch)-1, rest)
	d.sess.lines++
	if len(d.batch) >= maxBatch {
		d.flush()
	}
}

// maxBatch is the most lines a deliverer holds before it hands them over.
const maxBatch = 512

// flush hands the batch to the sink. The read loop calls it when the connection
// would wait for more (readAheadConn: at once, or after readLinger while lines
// are held) and when the stream ends; line calls it when the batch is full.
func (d *deliverer) flush() {
	d.seal()
	if len(d.batch) == 0 {
		return
	}
	d.sink.Lines(d.batch)
	// The sink owns the batch. The next one is made when its first line comes, the
	// size of this one: a busy stream allocates once per batch (not the doubling
	// of append) and a quiet one holds nothing between frames.
	d.batchCap = len(d.batch)
	d.batch = nil
}
