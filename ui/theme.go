package ui

import (
	"image/color"
	"os"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"golang.org/x/term"
)

// Theme is a set of semantic colours. Every colour may be nil, meaning the
// terminal's default. The default theme uses the 16 basic ANSI colours so that
// it follows the user's terminal palette and survives 16-colour terminals;
// Lip Gloss and Bubble Tea downsample anything richer to what the terminal
// supports (colorprofile), and NO_COLOR removes colour but keeps bold,
// underline and reverse, which the UI relies on for anything that matters.
type Theme struct {
	Text        color.Color // ordinary text
	Faint       color.Color // secondary text, markers, timestamps
	Accent      color.Color // focused titles, prompts, selected rows
	Border      color.Color // separators between panes
	FocusBorder color.Color // the focused pane's title bar background
	Error       color.Color // errors, failed sources, error levels
	Warn        color.Color // warnings, pending pods, reconnecting sources
	OK          color.Color // live sources, ready pods, info level
	Debug       color.Color // debug and trace levels
	Key         color.Color // keys of pretty-printed JSON and logfmt
	String      color.Color // string values of pretty-printed JSON
	Number      color.Color // numbers, booleans and null in pretty-printed JSON
	// Origins colour the lines of each origin in a pane with several origins,
	// picked by a stable hash of Origin.ID. Used on 256-colour and true-colour
	// terminals.
	Origins []color.Color
	// OriginsANSI replaces Origins on 16-colour terminals, where richer colours
	// would collapse into a few.
	OriginsANSI []color.Color
	// Highlights colour the user's highlight rules, in order.
	Highlights []color.Color
}

// DefaultTheme returns tailui's default theme.
func DefaultTheme() Theme {
	return Theme{
		Text:        nil,
		Faint:       lipgloss.BrightBlack,
		Accent:      lipgloss.Cyan,
		Border:      lipgloss.BrightBlack,
		FocusBorder: lipgloss.Blue,
		Error:       lipgloss.Red,
		Warn:        lipgloss.Yellow,
		OK:          lipgloss.Green,
		Debug:       lipgloss.Blue,
		Key:         lipgloss.Cyan,
		String:      lipgloss.Green,
		Number:      lipgloss.Magenta,
		Origins: []color.Color{
			lipgloss.ANSIColor(39), lipgloss.ANSIColor(112), lipgloss.ANSIColor(170),
			lipgloss.ANSIColor(214), lipgloss.ANSIColor(75), lipgloss.ANSIColor(150),
			lipgloss.ANSIColor(176), lipgloss.ANSIColor(44), lipgloss.ANSIColor(179),
			lipgloss.ANSIColor(141), lipgloss.ANSIColor(79), lipgloss.ANSIColor(209),
		},
		OriginsANSI: []color.Color{
			lipgloss.Cyan, lipgloss.Green, lipgloss.Magenta, lipgloss.Yellow, lipgloss.Blue,
			lipgloss.BrightCyan, lipgloss.BrightGreen, lipgloss.BrightMagenta,
			lipgloss.BrightYellow, lipgloss.BrightBlue,
		},
		Highlights: []color.Color{
			lipgloss.Magenta, lipgloss.Cyan, lipgloss.Yellow, lipgloss.Green, lipgloss.Blue,
		},
	}
}

// LightTheme is DefaultTheme for light backgrounds. The default theme's 16 ANSI
// colours follow the terminal's own palette, which a light terminal already
// adapts; its 256-colour origin palette does not, so the light theme uses darker
// shades there, and leaves the bright ANSI colours (pale on white) out of the
// origin and highlight lists.
func LightTheme() Theme {
	t := DefaultTheme()
	t.Origins = []color.Color{
		lipgloss.ANSIColor(25), lipgloss.ANSIColor(28), lipgloss.ANSIColor(127),
		lipgloss.ANSIColor(130), lipgloss.ANSIColor(31), lipgloss.ANSIColor(64),
		lipgloss.ANSIColor(90), lipgloss.ANSIColor(30), lipgloss.ANSIColor(136),
		lipgloss.ANSIColor(55), lipgloss.ANSIColor(29), lipgloss.ANSIColor(166),
	}
	t.OriginsANSI = []color.Color{lipgloss.Blue, lipgloss.Green, lipgloss.Magenta, lipgloss.Cyan, lipgloss.Red}
	t.Highlights = []color.Color{lipgloss.Magenta, lipgloss.Blue, lipgloss.Red, lipgloss.Green, lipgloss.Cyan}
	return t
}

// The theme modes (tailui's --theme and the config file's theme).
const (
	ThemeAuto  = "auto"  // dark or light as the terminal's background is
	ThemeDark  = "dark"  // DefaultTheme
	ThemeLight = "light" // LightTheme
)

// ThemeModes lists the theme modes, for validation and completion.
var ThemeModes = []string{ThemeAuto, ThemeDark, ThemeLight}

// ThemeFor returns the theme of a mode (one of ThemeModes; anything else is
// dark), ThemeAuto asking the terminal (DarkBackground). dark reports whether it
// is DefaultTheme.
func ThemeFor(mode string) (t Theme, dark bool) {
	if mode == ThemeAuto {
		mode = ThemeDark
		if !DarkBackground() {
			mode = ThemeLight
		}
	}
	if mode == ThemeLight {
		return LightTheme(), false
	}
	return DefaultTheme(), true
}

// DarkBackground reports whether the terminal's background is dark: it asks the
// terminal (OSC 11, answered by xterm, iTerm2, kitty, GNOME Terminal, Windows
// Terminal, tmux ... and passed through SSH) with Lip Gloss's query, then falls
// back to COLORFGBG, then assumes dark. It is meant to be called before Run, with
// stdin and stdout a terminal (elsewhere it reads only COLORFGBG).
//
// Why not Bubble Tea's tea.RequestBackgroundColor and BackgroundColorMsg: the
// theme is wanted before the first frame. New builds every Styles (and the
// panes' precomputed paints) from Options.Theme, and a reply that arrives as a
// message comes after the program has drawn: the first frame would be drawn in
// the dark palette and then redrawn in the light one, and a terminal that never
// answers OSC 11 would leave the choice open. lipgloss.BackgroundColor sends the
// same OSC 11 query and reads the same reply (through x/term and Ultraviolet's
// parser), once, before the program owns the terminal; nothing here parses the
// reply by hand.
func DarkBackground() bool {
	if term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd())) {
		if bg, err := lipgloss.BackgroundColor(os.Stdin, os.Stdout); err == nil && bg != nil {
			return isDark(bg)
		}
	}
	return colorFGBGDark(os.Getenv("COLORFGBG"))
}

// isDark reports whether c is a dark colour (relative luminance below one half).
func isDark(c color.Color) bool {
	r, g, b, _ := c.RGBA()
	lum := 0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)
	return lum < 0.5*0xffff
}

// colorFGBGDark reads COLORFGBG ("15;0", "default;default;0"), set by rxvt,
// Konsole and others: the last field is the background's ANSI index, where
// 7 (white) and 9-15 are light. Unset or unreadable means dark.
func colorFGBGDark(v string) bool {
	if v == "" {
		return true
	}
	bg, err := strconv.Atoi(v[strings.LastIndexByte(v, ';')+1:])
	if err != nil {
		return true
	}
	return !(bg == 7 || bg >= 9 && bg <= 15)
}
