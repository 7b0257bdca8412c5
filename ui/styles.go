package ui

import (
	"github.com/tailui/tailui/stream"

	"hash/fnv"
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// paint is a precomputed SGR sequence that switches a style on. Log lines are
// drawn with these rather than with lipgloss.Style.Render, which is too slow
// to call for every span of every visible line. paintReset switches all
// attributes off.
type paint string

const paintReset = "\x1b[m"

func newPaint(fg, bg color.Color, attrs ...ansi.Attr) paint {
	s := ansi.NewStyle(attrs...)
	if fg != nil {
		s = s.ForegroundColor(fg)
	}
	if bg != nil {
		s = s.BackgroundColor(bg)
	}
	if len(s) == 0 {
		return ""
	}
	return paint(s.String())
}

// level is a log level recognised in a line (stream.DetectLevel).
type level = stream.Level

const (
	levelNone  = stream.LevelNone
	levelTrace = stream.LevelTrace
	levelDebug = stream.LevelDebug
	levelInfo  = stream.LevelInfo
	levelWarn  = stream.LevelWarn
	levelError = stream.LevelError
	levelFatal = stream.LevelFatal
	numLevels  = stream.NumLevels
)

// Styles holds every style the UI draws with, built once from a Theme and the
// terminal's colour profile. Chrome uses lipgloss styles; log lines use paints.
type Styles struct {
	Text      lipgloss.Style
	Faint     lipgloss.Style
	Bold      lipgloss.Style
	Accent    lipgloss.Style
	Error     lipgloss.Style
	Warn      lipgloss.Style
	OK        lipgloss.Style
	Separator lipgloss.Style // the column between side-by-side panes

	TitleFocused     lipgloss.Style // the focused pane's title bar
	TitleBlurred     lipgloss.Style // other panes' title bars
	TitleFocusedWarn lipgloss.Style // reconnecting sources, focused title
	TitleFocusedErr  lipgloss.Style // failed sources, focused title
	TitleBlurredWarn lipgloss.Style
	TitleBlurredErr  lipgloss.Style

	Prompt      lipgloss.Style // "/", "filter+", "save to" prompts
	InputText   lipgloss.Style
	Placeholder lipgloss.Style

	StatusInfo  lipgloss.Style
	StatusError lipgloss.Style

	PanelHeader   lipgloss.Style // namespace rows of the sources panel
	PanelWorkload lipgloss.Style // workload rows
	PanelCursor   lipgloss.Style // the row under the cursor
	PanelTab      lipgloss.Style // inactive section tab
	PanelTabOn    lipgloss.Style // active section tab

	DotOK, DotWarn, DotError, DotGone lipgloss.Style

	FatalBox lipgloss.Style

	Help help.Styles

	// Paints for log lines.
	pFaint        paint
	pMarker       paint
	pMarkerError  paint
	pTimestamp    paint
	pLevel        [numLevels]paint
	pMatch        paint
	pMatchCurrent paint
	pSelected     paint
	pMarked       paint
	pKey          paint
	pString       paint
	pNumber       paint
	pOrigins      []paint
	pHighlights   []paint
}

// NewStyles builds the styles for theme t on a terminal with profile p.
// Profile picks the origin palette; colour downsampling itself happens in
// Bubble Tea's renderer.
func NewStyles(t Theme, p colorprofile.Profile) *Styles {
	fg := func(c color.Color) lipgloss.Style {
		s := lipgloss.NewStyle()
		if c != nil {
			s = s.Foreground(c)
		}
		return s
	}
	s := &Styles{
		Text:      fg(t.Text),
		Faint:     fg(t.Faint),
		Bold:      lipgloss.NewStyle().Bold(true),
		Accent:    fg(t.Accent).Bold(true),
		Error:     fg(t.Error),
		Warn:      fg(t.Warn),
		OK:        fg(t.OK),
		Separator: fg(t.Border),

		TitleFocused:     lipgloss.NewStyle().Bold(true).Reverse(true).Foreground(t.FocusBorder),
		TitleBlurred:     fg(t.Faint).Reverse(true),
		TitleFocusedWarn: lipgloss.NewStyle().Bold(true).Reverse(true).Foreground(t.Warn),
		TitleFocusedErr:  lipgloss.NewStyle().Bold(true).Reverse(true).Foreground(t.Error),
		TitleBlurredWarn: lipgloss.NewStyle().Reverse(true).Foreground(t.Warn),
		TitleBlurredErr:  lipgloss.NewStyle().Reverse(true).Foreground(t.Error),

		Prompt:      fg(t.Accent).Bold(true),
		InputText:   fg(t.Text),
		Placeholder: fg(t.Faint),

		StatusInfo:  fg(t.OK),
		StatusError: fg(t.Error).Bold(true),

		PanelHeader:   fg(t.Accent).Bold(true),
		PanelWorkload: fg(t.Text).Bold(true),
		PanelCursor:   lipgloss.NewStyle().Reverse(true),
		PanelTab:      fg(t.Faint),
		PanelTabOn:    fg(t.Accent).Bold(true).Reverse(true),

		DotOK:    fg(t.OK),
		DotWarn:  fg(t.Warn),
		DotError: fg(t.Error).Bold(true),
		DotGone:  fg(t.Faint),

		FatalBox: lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(t.Error).Padding(1, 2),
	}
	s.Help = help.Styles{
		Ellipsis:       fg(t.Faint),
		ShortKey:       fg(t.Accent),
		ShortDesc:      fg(t.Faint),
		ShortSeparator: fg(t.Faint),
		FullKey:        fg(t.Accent),
		FullDesc:       fg(t.Text),
		FullSeparator:  fg(t.Faint),
	}

	s.pFaint = newPaint(t.Faint, nil)
	s.pMarker = newPaint(t.Faint, nil, ansi.AttrFaint)
	s.pMarkerError = newPaint(t.Error, nil, ansi.AttrBold)
	s.pTimestamp = newPaint(t.Faint, nil)
	s.pLevel = [numLevels]paint{
		levelTrace: newPaint(t.Debug, nil, ansi.AttrFaint),
		levelDebug: newPaint(t.Debug, nil),
		levelInfo:  newPaint(t.OK, nil),
		levelWarn:  newPaint(t.Warn, nil, ansi.AttrBold),
		levelError: newPaint(t.Error, nil, ansi.AttrBold),
		levelFatal: newPaint(t.Error, nil, ansi.AttrBold, ansi.AttrReverse),
	}
	// Matches use reverse video so they stay visible without colour.
	s.pMatch = newPaint(nil, nil, ansi.AttrReverse)
	s.pMatchCurrent = newPaint(nil, nil, ansi.AttrReverse, ansi.AttrBold, ansi.AttrUnderline)
	s.pSelected = newPaint(nil, nil, ansi.AttrReverse)
	s.pMarked = newPaint(nil, nil, ansi.AttrUnderline)
	s.pKey = newPaint(t.Key, nil)
	s.pString = newPaint(t.String, nil)
	s.pNumber = newPaint(t.Number, nil)

	origins := t.Origins
	if p <= colorprofile.ANSI || len(origins) == 0 {
		origins = t.OriginsANSI
	}
	for _, c := range origins {
		s.pOrigins = append(s.pOrigins, newPaint(c, nil))
	}
	if len(s.pOrigins) == 0 {
		s.pOrigins = []paint{""}
	}
	for _, c := range t.Highlights {
		s.pHighlights = append(s.pHighlights, newPaint(c, nil, ansi.AttrBold, ansi.AttrUnderline))
	}
	if len(s.pHighlights) == 0 {
		s.pHighlights = []paint{newPaint(nil, nil, ansi.AttrBold, ansi.AttrUnderline)}
	}
	return s
}

// titleWarn returns the title style for sources in trouble.
func (s *Styles) titleWarn(focused bool) lipgloss.Style {
	if focused {
		return s.TitleFocusedWarn
	}
	return s.TitleBlurredWarn
}

// titleErr returns the title style for failed sources.
func (s *Styles) titleErr(focused bool) lipgloss.Style {
	if focused {
		return s.TitleFocusedErr
	}
	return s.TitleBlurredErr
}

// originPaint returns the colour of an origin, from a stable hash of its ID
// so that a pod keeps its colour across panes and runs (as stern does).
func (s *Styles) originPaint(id string) paint {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return s.pOrigins[h.Sum32()%uint32(len(s.pOrigins))]
}
