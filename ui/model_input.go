package ui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// handleKey routes a key: fatal screen, help screen, inputs that capture
// every key, global keys, then the focused component.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.c.keys
	if m.fatal != nil {
		return m.quit()
	}
	if msg.String() == "ctrl+c" {
		return m.quit()
	}
	if m.showHelp {
		switch {
		case key.Matches(msg, k.Help), key.Matches(msg, k.Cancel):
			m.showHelp = false
		case key.Matches(msg, k.Quit):
			return m.quit()
		case key.Matches(msg, k.Down), key.Matches(msg, k.PageDown):
			m.helpOffset++
		case key.Matches(msg, k.Up), key.Matches(msg, k.PageUp):
			m.helpOffset = max(m.helpOffset-1, 0)
		}
		return nil
	}
	if m.showPanel || len(m.panes) == 0 {
		// Letters type into the panel's filter; '?' cannot occur in the names
		// it filters, so it stays help unless a LogQL query is being typed.
		if key.Matches(msg, k.Help) && !m.panel.querying() {
			m.showHelp, m.helpOffset = true, 0
			return nil
		}
		var cmd tea.Cmd
		m.panel, cmd = m.panel.Update(msg)
		return cmd
	}
	p := m.focus
	if p != nil && p.takesKeys() {
		var cmd tea.Cmd
		m.focus, cmd = p.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.showHelp, m.helpOffset = true, 0
	case key.Matches(msg, k.Sources):
		m.showSources("")
	case key.Matches(msg, k.FocusNext):
		m.cycleFocus(1)
	case key.Matches(msg, k.FocusPrev):
		m.cycleFocus(-1)
	case key.Matches(msg, k.FocusLeft):
		m.moveFocus(-1, 0)
	case key.Matches(msg, k.FocusRight):
		m.moveFocus(1, 0)
	case key.Matches(msg, k.FocusUp):
		m.moveFocus(0, -1)
	case key.Matches(msg, k.FocusDown):
		m.moveFocus(0, 1)
	case key.Matches(msg, k.FocusN):
		leaves := m.tree.leaves()
		if i := int(msg.Code - '1'); i >= 0 && i < len(leaves) {
			m.setFocus(leaves[i].pane)
			if m.zoomed {
				m.layout()
			}
		}
	case key.Matches(msg, k.Cancel) && m.zoomed && p != nil && !p.ownsCancel():
		m.zoomed = false
		m.layout()
	case key.Matches(msg, k.Zoom):
		if len(m.panes) > 1 || m.zoomed {
			m.zoomed = !m.zoomed
			m.layout()
		}
	case key.Matches(msg, k.Close):
		if p != nil {
			m.closePane(p)
		}
	case key.Matches(msg, k.SplitRight), key.Matches(msg, k.SplitDown):
		if p != nil {
			dir, where := splitSideBySide, "right of"
			if key.Matches(msg, k.SplitDown) {
				dir, where = splitStacked, "below"
			}
			m.target = &splitTarget{pane: p, dir: dir}
			m.zoomed = false
			m.showSources(fmt.Sprintf(" pick sources for the new pane %s pane %d · esc cancels", where, p.id))
		}
	case key.Matches(msg, k.Wider), key.Matches(msg, k.Narrower), key.Matches(msg, k.Taller), key.Matches(msg, k.Shorter):
		if p != nil && !m.zoomed {
			dir, delta := splitSideBySide, resizeStep
			switch {
			case key.Matches(msg, k.Narrower):
				delta = -delta
			case key.Matches(msg, k.Taller):
				dir = splitStacked
			case key.Matches(msg, k.Shorter):
				dir, delta = splitStacked, -delta
			}
			if m.tree.resize(p, dir, delta) {
				m.layout()
			}
		}
	case key.Matches(msg, k.Equalize):
		m.tree.equalize()
		m.layout()
	default:
		if p != nil {
			var cmd tea.Cmd
			m.focus, cmd = p.Update(msg)
			return cmd
		}
	}
	return nil
}

// handleMouse: a click focuses the pane under it, a drag selects lines, the
// wheel scrolls whatever is under the pointer.
func (m *Model) handleMouse(msg tea.MouseMsg) tea.Cmd {
	mouse := msg.Mouse()
	if m.fatal != nil || m.showHelp {
		return nil
	}
	if m.showPanel || len(m.panes) == 0 {
		switch msg := msg.(type) {
		case tea.MouseClickMsg:
			if msg.Button == tea.MouseLeft {
				m.panel.clickRow(mouse.X, mouse.Y)
			}
		case tea.MouseWheelMsg:
			var cmd tea.Cmd
			m.panel, cmd = m.panel.Update(msg)
			return cmd
		}
		return nil
	}
	p, area := m.paneAt(mouse.X, mouse.Y)
	switch msg := msg.(type) {
	case tea.MouseClickMsg:
		if p == nil {
			return nil
		}
		m.setFocus(p)
		if msg.Button == tea.MouseLeft && p.onRatesRow(mouse.Y-area.y) {
			return p.clickRate(mouse.X - area.x)
		}
		if msg.Button == tea.MouseLeft && mouse.Y >= area.y+p.contentTop() {
			m.drag = &dragState{pane: p, row: mouse.Y - area.y - p.contentTop()}
		}
	case tea.MouseMotionMsg:
		if m.drag != nil && msg.Button == tea.MouseLeft {
			d := m.drag.pane
			a := m.areaOf(d)
			d.selectRows(m.drag.row, mouse.Y-a.y-d.contentTop())
		}
	case tea.MouseReleaseMsg:
		if m.drag != nil && m.drag.pane.selectingLines() {
			m.setStatus("lines selected: y copies, esc clears", false)
		}
		m.drag = nil
	case tea.MouseWheelMsg:
		if p != nil {
			var cmd tea.Cmd
			_, cmd = p.Update(msg)
			return cmd
		}
	}
	return nil
}

// paneAt returns the pane under a cell and its area.
func (m *Model) paneAt(x, y int) (*pane, rect) {
	if m.zoomed && m.focus != nil {
		if m.body.contains(x, y) {
			return m.focus, m.body
		}
		return nil, rect{}
	}
	for _, l := range m.tree.leaves() {
		if l.area.contains(x, y) {
			return l.pane, l.area
		}
	}
	return nil, rect{}
}

func (m *Model) areaOf(p *pane) rect {
	if m.zoomed && p == m.focus {
		return m.body
	}
	if n := m.tree.find(p); n != nil {
		return n.area
	}
	return rect{}
}
