package ui

import "math"

// rect is a screen area in cells.
type rect struct{ x, y, w, h int }

func (r rect) contains(x, y int) bool {
	return x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h
}

// splitDir is how a split node arranges its two children.
type splitDir int

const (
	splitSideBySide splitDir = iota // children left and right, one separator column between
	splitStacked                    // children above and below
)

// String returns the name of d.
func (d splitDir) String() string {
	if d == splitSideBySide {
		return "side-by-side"
	}
	return "stacked"
}

// Minimum pane sizes the layout keeps when it can.
const (
	minPaneWidth  = 12
	minPaneHeight = 3
	resizeStep    = 0.05
)

// node is a node of the layout tree: a leaf holding a pane, or a split with
// exactly two children and the share of the first one.
type node struct {
	pane     *pane
	dir      splitDir
	ratio    float64
	children [2]*node
	parent   *node
	area     rect
}

func (n *node) isLeaf() bool { return n.pane != nil }

// layoutTree arranges panes.
type layoutTree struct {
	root *node
}

// leaves returns the panes in reading order (depth first, first child first).
func (t *layoutTree) leaves() []*node {
	var out []*node
	var walk func(n *node)
	walk = func(n *node) {
		if n == nil {
			return
		}
		if n.isLeaf() {
			out = append(out, n)
			return
		}
		walk(n.children[0])
		walk(n.children[1])
	}
	walk(t.root)
	return out
}

func (t *layoutTree) find(p *pane) *node {
	for _, l := range t.leaves() {
		if l.pane == p {
			return l
		}
	}
	return nil
}

// split puts p next to the leaf of target in direction dir (p second). With a
// nil target or an empty tree, p becomes the root.
func (t *layoutTree) split(target *pane, p *pane, dir splitDir) {
	leaf := &node{pane: p}
	at := t.find(target)
	if t.root == nil || at == nil {
		if t.root == nil {
			t.root = leaf
			return
		}
		at = t.root
	}
	parent := at.parent
	s := &node{dir: dir, ratio: 0.5, parent: parent}
	s.children = [2]*node{at, leaf}
	at.parent, leaf.parent = s, s
	if parent == nil {
		t.root = s
	} else if parent.children[0] == at {
		parent.children[0] = s
	} else {
		parent.children[1] = s
	}
}

// add places p automatically: it splits the largest pane along its longer
// side (cells are about twice as tall as wide).
func (t *layoutTree) add(p *pane) {
	if t.root == nil {
		t.root = &node{pane: p}
		return
	}
	var best *node
	for _, l := range t.leaves() {
		if best == nil || l.area.w*l.area.h > best.area.w*best.area.h {
			best = l
		}
	}
	dir := splitStacked
	if best.area.w >= 2*best.area.h+20 || best.area.h == 0 {
		dir = splitSideBySide
	}
	t.split(best.pane, p, dir)
}

// grid lays out panes, which must be all the panes, as a grid that fits r:
// columns at least 40 cells wide, cells about as wide as they are tall on
// screen, rows filled first.
func (t *layoutTree) grid(panes []*pane, r rect) {
	k := len(panes)
	if k == 0 {
		t.root = nil
		return
	}
	cols := int(math.Round(math.Sqrt(float64(k) * float64(r.w) / (2.5 * float64(max(r.h, 1))))))
	cols = min(max(cols, 1), k, max(r.w/40, 1))
	var rows []*node
	for i := 0; i < k; i += cols {
		var cells []*node
		for _, p := range panes[i:min(i+cols, k)] {
			cells = append(cells, &node{pane: p})
		}
		rows = append(rows, chain(cells, splitSideBySide))
	}
	t.root = chain(rows, splitStacked)
	t.root.parent = nil
	t.equalize()
}

// chain joins nodes with splits in direction dir, first node first.
func chain(nodes []*node, dir splitDir) *node {
	if len(nodes) == 1 {
		return nodes[0]
	}
	rest := chain(nodes[1:], dir)
	n := &node{dir: dir, ratio: 0.5, children: [2]*node{nodes[0], rest}}
	nodes[0].parent, rest.parent = n, n
	return n
}

// remove takes p out of the tree; its sibling takes the parent's place.
func (t *layoutTree) remove(p *pane) {
	n := t.find(p)
	if n == nil {
		return
	}
	parent := n.parent
	if parent == nil {
		t.root = nil
		return
	}
	sib := parent.children[0]
	if sib == n {
		sib = parent.children[1]
	}
	grand := parent.parent
	sib.parent = grand
	switch {
	case grand == nil:
		t.root = sib
	case grand.children[0] == parent:
		grand.children[0] = sib
	default:
		grand.children[1] = sib
	}
}

// resize grows (delta > 0) or shrinks the pane p along dir by moving the
// divider of the nearest enclosing split in that direction. It reports
// whether anything changed.
func (t *layoutTree) resize(p *pane, dir splitDir, delta float64) bool {
	n := t.find(p)
	for n != nil && n.parent != nil {
		par := n.parent
		if par.dir == dir {
			if par.children[1] == n {
				delta = -delta
			}
			r := math.Min(0.9, math.Max(0.1, par.ratio+delta))
			changed := r != par.ratio
			par.ratio = r
			return changed
		}
		n = par
	}
	return false
}

// equalize gives every pane the same share along each split direction.
func (t *layoutTree) equalize() {
	var count func(n *node, d splitDir) int
	count = func(n *node, d splitDir) int {
		if n.isLeaf() {
			return 1
		}
		a, b := count(n.children[0], d), count(n.children[1], d)
		if n.dir == d {
			return a + b
		}
		return max(a, b)
	}
	var walk func(n *node)
	walk = func(n *node) {
		if n == nil || n.isLeaf() {
			return
		}
		a, b := count(n.children[0], n.dir), count(n.children[1], n.dir)
		n.ratio = float64(a) / float64(a+b)
		walk(n.children[0])
		walk(n.children[1])
	}
	walk(t.root)
}

// arrange computes the area of every node within r.
func (t *layoutTree) arrange(r rect) {
	var walk func(n *node, r rect)
	walk = func(n *node, r rect) {
		n.area = r
		if n.isLeaf() {
			return
		}
		switch n.dir {
		case splitSideBySide:
			avail := max(r.w-1, 0)
			a := splitShare(avail, n.ratio, minPaneWidth)
			walk(n.children[0], rect{r.x, r.y, a, r.h})
			walk(n.children[1], rect{r.x + a + 1, r.y, avail - a, r.h})
		case splitStacked:
			a := splitShare(r.h, n.ratio, minPaneHeight)
			walk(n.children[0], rect{r.x, r.y, r.w, a})
			walk(n.children[1], rect{r.x, r.y + a, r.w, r.h - a})
		}
	}
	if t.root != nil {
		walk(t.root, r)
	}
}

// splitShare returns the first child's share of total cells, keeping both
// children at least minSize when total allows.
func splitShare(total int, ratio float64, minSize int) int {
	a := int(math.Round(float64(total) * ratio))
	if total >= 2*minSize {
		a = min(max(a, minSize), total-minSize)
	}
	return min(max(a, 0), total)
}

// at returns the pane at screen cell (x, y), or nil.
func (t *layoutTree) at(x, y int) *pane {
	for _, l := range t.leaves() {
		if l.area.contains(x, y) {
			return l.pane
		}
	}
	return nil
}

// neighbour returns the pane next to p in direction (dx, dy): one of (-1,0),
// (1,0), (0,-1), (0,1). It prefers panes that overlap p the most across the
// direction of travel, then the nearest.
func (t *layoutTree) neighbour(p *pane, dx, dy int) *pane {
	from := t.find(p)
	if from == nil {
		return nil
	}
	a := from.area
	var best *pane
	bestScore := math.MaxFloat64
	for _, l := range t.leaves() {
		if l == from {
			continue
		}
		b := l.area
		var gap, overlap int
		switch {
		case dx < 0:
			gap, overlap = a.x-(b.x+b.w), overlapLen(a.y, a.h, b.y, b.h)
		case dx > 0:
			gap, overlap = b.x-(a.x+a.w), overlapLen(a.y, a.h, b.y, b.h)
		case dy < 0:
			gap, overlap = a.y-(b.y+b.h), overlapLen(a.x, a.w, b.x, b.w)
		default:
			gap, overlap = b.y-(a.y+a.h), overlapLen(a.x, a.w, b.x, b.w)
		}
		if gap < 0 || overlap <= 0 {
			continue
		}
		score := float64(gap)*1000 - float64(overlap)
		if score < bestScore {
			best, bestScore = l.pane, score
		}
	}
	return best
}

func overlapLen(a, al, b, bl int) int {
	return min(a+al, b+bl) - max(a, b)
}
