package ui

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/tailui/tailui/stream"
)

// statusMsg puts a message on the status line; it clears itself.
type statusMsg struct {
	text  string
	isErr bool
}

func statusCmd(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return statusMsg{text, isErr} }
}

// savedMsg reports the end of a save.
type savedMsg struct {
	pane  paneID
	path  string
	lines int
	err   error
}

// maxClipboard bounds what one copy sends: terminals cap OSC 52 payloads
// (xterm and tmux at about 100 KB of base64 by default, others higher).
const maxClipboard = 512 << 10

// copy copies the selected lines, else the marked lines, else the lines on
// screen, to the system clipboard with OSC 52, which works over SSH and, with
// set-clipboard on or passthrough allowed, inside tmux.
func (p *pane) copy() tea.Cmd {
	var abs []int64
	what := "lines on screen"
	switch {
	case p.selecting:
		what = "selected lines"
		abs = p.rangeLines(min(p.selA, p.selB), max(p.selA, p.selB))
	case len(p.buf.marks) > 0:
		what = "marked lines"
		abs = p.buf.marks
	default:
		first, last, ok := p.visibleRange()
		if !ok {
			return statusCmd("nothing to copy", true)
		}
		abs = p.rangeLines(first, last)
	}
	text, n, cut := p.clipboardText(abs)
	if cut > 0 && n == 0 {
		// An empty OSC 52 would clear the user's clipboard.
		return statusCmd(fmt.Sprintf("nothing copied: the last line alone is over the clipboard's %d KiB", maxClipboard>>10), true)
	}
	if p.selecting {
		p.selecting = false
		p.invalidate()
	}
	msg := fmt.Sprintf("copied %d %s to the clipboard (OSC 52)", n, what)
	if cut > 0 {
		msg += fmt.Sprintf("; the first %d did not fit", cut)
	}
	return tea.Batch(tea.Raw(clipboardSeq(text, p.c.tmux)), statusCmd(msg, false))
}

// rangeLines lists the visible lines from a to b.
func (p *pane) rangeLines(a, b int64) []int64 {
	var out []int64
	for k, count := p.buf.indexOf(a), p.buf.count(); k < count; k++ {
		abs := p.buf.absAt(k)
		if abs > b {
			break
		}
		out = append(out, abs)
	}
	return out
}

// clipboardText returns the text copy sends for the lines abs: each line
// sanitized (a clipboard pasted into a shell is a terminal too: an escape in it
// could end a bracketed paste), markers as "── text ──", the oldest lines cut
// until it fits maxClipboard. n is the number of lines sent, cut the number left out.
func (p *pane) clipboardText(abses []int64) (text string, n, cut int) {
	var lines []string
	size := 0
	for _, abs := range abses {
		e, ok := p.buf.get(abs)
		if !ok {
			continue
		}
		// The buffer holds sanitised text; clean again so that nothing but
		// printable text can reach the clipboard whatever a source did.
		t := e.plain()
		if e.kind.IsMarker() {
			t = "── " + markerText(e.line(), e.plain()) + " ──"
		}
		t = clean(t)
		lines = append(lines, t)
		size += len(t) + 1
	}
	for size > maxClipboard && cut < len(lines) {
		size -= len(lines[cut]) + 1
		cut++
	}
	return strings.Join(lines[cut:], "\n"), len(lines) - cut, cut
}

// clipboardSeq returns the bytes copy writes to the terminal to put text on
// the system clipboard: OSC 52 (ESC ] 52 ; c ; base64 BEL). Inside tmux the
// same sequence follows wrapped for passthrough, so that it reaches the outer
// terminal when tmux has allow-passthrough on; with set-clipboard on, tmux
// takes the bare one itself (a buffer, and the outer terminal if it can).
func clipboardSeq(text string, tmux bool) string {
	seq := ansi.SetSystemClipboard(text)
	if tmux {
		// tmux hands ESC P tmux; ... ESC \ (each ESC doubled) to the outer terminal.
		seq += ansi.TmuxPassthrough(seq)
	}
	return seq
}

// defaultSavePath is ./tailui-<pane>-<time>.log.
func (p *pane) defaultSavePath() string {
	return fmt.Sprintf("./tailui-%s-%s.log", slug(p.title, int(p.id)), p.c.now.In(p.c.loc).Format("20060102-150405"))
}

// slug turns a title into a file name part.
func slug(s string, id int) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		return fmt.Sprint(id)
	}
	return out
}

// save writes the marked lines or, without marks, the pane's whole buffer,
// filters notwithstanding, to path in a command goroutine.
func (p *pane) save(path string) tea.Cmd {
	var lines []stream.Line
	if len(p.buf.marks) > 0 {
		for _, abs := range p.buf.marks {
			if e, ok := p.buf.get(abs); ok {
				lines = append(lines, e.line())
			}
		}
	} else {
		lines = make([]stream.Line, 0, p.buf.kept())
		for _, e := range p.buf.ring.All() {
			lines = append(lines, e.line())
		}
	}
	n := len(lines)
	id, tags := p.id, p.showTags()
	return func() tea.Msg {
		err := writeLines(path, lines, tags)
		return savedMsg{pane: id, path: path, lines: n, err: err}
	}
}

// writeLines writes lines to a new file: RFC 3339 time, origin (when the
// pane has several), text; markers as "── text ──". It never overwrites.
func writeLines(path string, lines []stream.Line, tags bool) (err error) {
	if strings.HasPrefix(path, "~/") {
		if home, herr := os.UserHomeDir(); herr == nil {
			path = filepath.Join(home, path[2:])
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("save: %s exists", path)
		}
		return fmt.Errorf("save: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("save: %w", cerr)
		}
	}()
	w := bufio.NewWriterSize(f, 256<<10)
	for _, l := range lines {
		if !l.Time.IsZero() {
			w.WriteString(l.Time.UTC().Format(time.RFC3339Nano))
			w.WriteByte(' ')
		}
		// A saved log is read with cat and less -R: it passes the sanitizing
		// policy like the screen, the lines' own colours kept.
		if tags && l.Origin != nil {
			w.WriteString(clean(l.Origin.Name))
			w.WriteByte(' ')
		}
		if l.Kind.IsMarker() {
			w.WriteString(clean("── " + markerText(l, l.Text) + " ──"))
		} else {
			w.WriteString(stream.SanitizeString(l.Text, stream.SanitizeOptions{KeepSGR: true}))
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("save: %w", err)
	}
	return nil
}
