package ui

import "charm.land/bubbles/v2/key"

// keyMap holds every key binding of the UI. It is built once by newKeyMap and
// shared read-only; help is composed per context from copies whose enabled
// state follows what applies at the moment.
type keyMap struct {
	// Global.
	Quit    key.Binding
	Help    key.Binding
	Sources key.Binding
	Cancel  key.Binding

	// Layout.
	FocusNext  key.Binding
	FocusPrev  key.Binding
	FocusLeft  key.Binding
	FocusRight key.Binding
	FocusUp    key.Binding
	FocusDown  key.Binding
	FocusN     key.Binding
	Zoom       key.Binding
	Close      key.Binding
	SplitRight key.Binding
	SplitDown  key.Binding
	Wider      key.Binding
	Narrower   key.Binding
	Taller     key.Binding
	Shorter    key.Binding
	Equalize   key.Binding

	// Pane scrolling.
	Up       key.Binding
	Down     key.Binding
	HalfUp   key.Binding
	HalfDown key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Older    key.Binding
	Follow   key.Binding
	Left     key.Binding
	Right    key.Binding

	// Pane search, filters and highlights.
	Search    key.Binding
	NextMatch key.Binding
	PrevMatch key.Binding
	Include   key.Binding
	Exclude   key.Binding
	Highlight key.Binding
	Where     key.Binding
	Context   key.Binding
	Fields    key.Binding
	Rules     key.Binding

	// Levels.
	NextError key.Binding
	PrevError key.Binding
	NextWarn  key.Binding
	PrevWarn  key.Binding
	MinLevel  key.Binding

	// Marks and time.
	Mark       key.Binding
	NextMark   key.Binding
	PrevMark   key.Binding
	ClearMarks key.Binding
	JumpTime   key.Binding
	FollowID   key.Binding
	Rates      key.Binding

	// Pane toggles and actions.
	Wrap       key.Binding
	Timestamps key.Binding
	Pretty     key.Binding
	Select     key.Binding
	Copy       key.Binding
	Save       key.Binding

	// Inputs and lists.
	Accept     key.Binding
	RemoveRule key.Binding
	ClearRules key.Binding

	// Sources panel.
	ListUp       key.Binding
	ListDown     key.Binding
	ListPageUp   key.Binding
	ListPageDown key.Binding
	Toggle       key.Binding
	SelectAll    key.Binding
	Expand       key.Binding
	Collapse     key.Binding
	OpenMerged   key.Binding
	OpenSplit    key.Binding
	OpenWorkload key.Binding
	FilterPods   key.Binding
	ListTop      key.Binding
	ListBottom   key.Binding
	PanelQuit    key.Binding
	Section      key.Binding
	LokiQuery    key.Binding
	LokiBack     key.Binding
	HistoryPrev  key.Binding
	HistoryNext  key.Binding
}

func newKeyMap() *keyMap {
	b := func(keys []string, helpKey, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, desc))
	}
	k := func(keys ...string) []string { return keys }
	return &keyMap{
		Quit:    b(k("q", "ctrl+c"), "q", "quit"),
		Help:    b(k("?"), "?", "help"),
		Sources: b(k("a"), "a", "add sources"),
		Cancel:  b(k("esc"), "esc", "back"),

		FocusNext:  b(k("tab"), "tab", "next pane"),
		FocusPrev:  b(k("shift+tab"), "shift+tab", "previous pane"),
		FocusLeft:  b(k("alt+left", "alt+h"), "alt+←", "pane left"),
		FocusRight: b(k("alt+right", "alt+l"), "alt+→", "pane right"),
		FocusUp:    b(k("alt+up", "alt+k"), "alt+↑", "pane above"),
		FocusDown:  b(k("alt+down", "alt+j"), "alt+↓", "pane below"),
		FocusN:     b(k("alt+1", "alt+2", "alt+3", "alt+4", "alt+5", "alt+6", "alt+7", "alt+8", "alt+9"), "alt+1…9", "pane by position"),
		Zoom:       b(k("z"), "z", "zoom (esc too)"),
		Close:      b(k("x", "ctrl+w"), "x", "close pane"),
		SplitRight: b(k("|", "%"), "|", "split right"),
		SplitDown:  b(k("-", "\""), "-", "split down"),
		Wider:      b(k(">"), ">", "wider"),
		Narrower:   b(k("<"), "<", "narrower"),
		Taller:     b(k("}"), "}", "taller"),
		Shorter:    b(k("{"), "{", "shorter"),
		Equalize:   b(k("="), "=", "equal sizes"),

		Up:       b(k("k", "up"), "↑/k", "up"),
		Down:     b(k("j", "down"), "↓/j", "down"),
		HalfUp:   b(k("ctrl+u"), "ctrl+u", "half page up"),
		HalfDown: b(k("ctrl+d"), "ctrl+d", "half page down"),
		PageUp:   b(k("pgup", "b", "ctrl+b"), "pgup", "page up"),
		PageDown: b(k("pgdown", "ctrl+f"), "pgdn", "page down"),
		Top:      b(k("g", "home"), "g", "top"),
		Older:    b(k("o"), "o", "load older lines"),
		Follow:   b(k("G", "end"), "G", "follow"),
		Left:     b(k("h", "left"), "←/h", "scroll left"),
		Right:    b(k("l", "right"), "→/l", "scroll right"),

		Search:    b(k("/"), "/", "search"),
		NextMatch: b(k("n"), "n", "next match"),
		PrevMatch: b(k("N"), "N", "prev match"),
		Include:   b(k("f"), "f", "filter"),
		Exclude:   b(k("F"), "F", "exclude"),
		Highlight: b(k("m"), "m", "highlight"),
		Where:     b(k("&"), "&", "where (fields)"),
		Context:   b(k("C"), "C", "context lines"),
		Fields:    b(k("K"), "K", "fields shown"),
		Rules:     b(k("c"), "c", "filters…"),

		NextError: b(k("e"), "e", "next error"),
		PrevError: b(k("E"), "E", "previous error"),
		NextWarn:  b(k("]"), "]", "next warning"),
		PrevWarn:  b(k("["), "[", "previous warning"),
		MinLevel:  b(k("L"), "L", "minimum level"),

		Mark:       b(k("M"), "M", "mark"),
		NextMark:   b(k("u"), "u", "next mark"),
		PrevMark:   b(k("U"), "U", "previous mark"),
		ClearMarks: b(k("alt+m"), "alt+m", "clear marks"),
		JumpTime:   b(k("@"), "@", "jump to a time"),
		FollowID:   b(k("#"), "#", "follow ID, all panes"),
		Rates:      b(k("R"), "R", "rate histogram"),

		Wrap:       b(k("w"), "w", "wrap"),
		Timestamps: b(k("t"), "t", "timestamps"),
		Pretty:     b(k("p"), "p", "pretty"),
		Select:     b(k("v", "V"), "v", "select lines"),
		Copy:       b(k("y"), "y", "copy"),
		Save:       b(k("s"), "s", "save"),

		Accept:     b(k("enter"), "enter", "apply"),
		RemoveRule: b(k("d", "x", "delete", "backspace"), "d", "remove"),
		ClearRules: b(k("D"), "D", "remove all"),

		ListUp:       b(k("up", "ctrl+p"), "↑", "up"),
		ListDown:     b(k("down", "ctrl+n"), "↓", "down"),
		ListPageUp:   b(k("pgup"), "pgup", "page up"),
		ListPageDown: b(k("pgdown"), "pgdn", "page down"),
		ListTop:      b(k("home"), "home", "first"),
		ListBottom:   b(k("end"), "end", "last"),
		Toggle:       b(k("space"), "space", "select"),
		SelectAll:    b(k("*", "ctrl+a"), "*", "select all shown"),
		Expand:       b(k("right"), "→", "containers"),
		Collapse:     b(k("left"), "←", "collapse"),
		OpenMerged:   b(k("enter"), "enter", "open merged"),
		OpenSplit:    b(k("O", "ctrl+enter", "alt+enter"), "O", "pane per pod"),
		OpenWorkload: b(k("W"), "W", "pane per workload"),
		FilterPods:   b(k("/"), "type", "filter"),
		Section:      b(k("tab"), "tab", "pods/loki"),
		LokiQuery:    b(k(":"), ":", "LogQL query"),
		LokiBack:     b(k("left", "backspace"), "←", "back"),
		PanelQuit:    b(k("ctrl+c"), "ctrl+c", "quit"),
		HistoryPrev:  b(k("up"), "↑", "older query"),
		HistoryNext:  b(k("down"), "↓", "newer query"),
	}
}

// bindingList is a help.KeyMap made of ready lists.
type bindingList struct {
	short []key.Binding
	full  [][]key.Binding
}

// ShortHelp implements help.KeyMap.
func (b bindingList) ShortHelp() []key.Binding { return b.short }

// FullHelp implements help.KeyMap.
func (b bindingList) FullHelp() [][]key.Binding { return b.full }

// when returns a copy of b, disabled unless ok.
func when(b key.Binding, ok bool) key.Binding {
	b.SetEnabled(ok)
	return b
}
