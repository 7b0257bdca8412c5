package ui

import (
	"io"
	"time"
)

// TimestampMode says how a pane shows the time of each line.
type TimestampMode int

// Timestamp modes, cycled in this order by the timestamps key.
const (
	TimestampsOff       TimestampMode = iota // no time column
	TimestampsLocal                          // 15:04:05.000 in the local zone
	TimestampsUTC                            // 15:04:05.000Z
	TimestampsRelative                       // age of the line: -4.2s, -3m07s
	TimestampsSinceMark                      // time since the nearest mark above: +1.5s
	numTimestampModes
)

var timestampNames = [...]string{"off", "local", "utc", "relative", "since mark"}

// String returns the lowercase name of m.
func (m TimestampMode) String() string {
	if m >= 0 && int(m) < len(timestampNames) {
		return timestampNames[m]
	}
	return "unknown"
}

// DefaultScrollback is the number of lines a pane keeps when
// Options.Scrollback is zero.
const DefaultScrollback = 100_000

// Options configures Run.
type Options struct {
	// Catalog finds pods and opens sources. Required.
	Catalog Catalog
	// Initial, when set, is opened as one merged pane at start instead of
	// showing the sources panel (tailui given pods on the command line).
	Initial *Selection
	// InitialSplit opens Initial as one pane per pod, workload and query.
	InitialSplit bool
	// Include, Exclude and Where are the command line's filters (-i, -e,
	// --where): the panes opened at start begin with them as rules, which the
	// rules list (c) shows and removes. Where must parse (stream.ParseWhere).
	Include, Exclude []string
	Where            string
	// ContextLines is how many lines the context toggle (C) keeps around each
	// line a filter keeps; zero means 3. The panes opened at start begin with
	// context on when the command line asked for it (-C).
	ContextLines int
	ContextOn    bool
	// Fields is what fields mode shows of structured lines (the config file's
	// fields section): "level msg trace_id" shows only those, "-caller -ts" all
	// but those; "" shows all. K changes it.
	Fields string
	// SaveFields, when set, is called (from a command goroutine) with the spec
	// the user picked with K, so that the caller can remember it.
	SaveFields func(spec string) error
	// Scrollback is how many lines each pane keeps; the oldest are dropped
	// (and counted) beyond it. Zero means DefaultScrollback.
	Scrollback int
	// Timestamps is the initial timestamp mode of new panes.
	Timestamps TimestampMode
	// Wrap starts new panes with long lines wrapped rather than cut.
	Wrap bool
	// NoColor draws without colour (bold, underline and reverse remain), as
	// NO_COLOR in the environment also does.
	NoColor bool
	// AltScreen runs in the alternate screen, restoring the terminal's
	// content on exit. Off for --no-alt-screen.
	AltScreen bool
	// Mouse enables mouse support (wheel, click to focus, drag to select).
	// The terminal's own selection then needs shift (or option) held.
	Mouse bool
	// Theme overrides the default theme when non-nil.
	Theme *Theme
	// Debug receives diagnostics when non-nil. Nothing else is written to
	// stdout or stderr while the UI runs.
	Debug io.Writer
	// QueryHistory seeds the LogQL query history, oldest first.
	QueryHistory []string
	// SaveQuery, when set, is called (from a command goroutine) with each
	// LogQL query the user runs, so that the caller can keep the history.
	SaveQuery func(query string)
	// Now returns the current time; nil means time.Now. Tests inject a fixed
	// clock. It is read only in Update, never in View.
	Now func() time.Time
	// FrameInterval is the minimum time between two batches of lines; zero
	// means 33 ms (30 frames per second of lines). It bounds only a steady
	// flow: a line after a quiet spell is shown at once, and keys are drawn at
	// the renderer's next frame (60 a second) whatever the interval. Each
	// batch that scrolls a pane redraws most of the screen, so this is what
	// bounds the terminal's bytes per second and the renderer's CPU under load.
	// A flood (every pane of a batch got more lines than it has rows) waits
	// two intervals.
	FrameInterval time.Duration
	// HubCapacity is how many lines of one pane may wait for the UI before the
	// oldest are dropped (and counted); each pane has a hub of its own. Zero
	// means 4 × Scrollback.
	HubCapacity int
	// Keys gives some key bindings other keys: binding name (as BindingNames and
	// docs/keys.md spell it) to the keys that trigger it. Check it with CheckKeys;
	// New falls back to the defaults when it is invalid.
	Keys map[string][]string
	// Tmux reports that the UI runs inside tmux, where the clipboard sequence
	// is also sent wrapped for tmux passthrough. Run fills it from $TMUX when
	// unset.
	Tmux bool
}

func (o *Options) defaults() {
	if o.Scrollback <= 0 {
		o.Scrollback = DefaultScrollback
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FrameInterval <= 0 {
		o.FrameInterval = 33 * time.Millisecond
	}
	if o.HubCapacity <= 0 {
		o.HubCapacity = 4 * o.Scrollback
	}
}
