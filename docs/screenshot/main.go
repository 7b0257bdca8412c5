// Command screenshot turns a terminal capture (tmux capture-pane -e -p) into a PNG,
// cell by cell, the way a terminal with a dark palette and DejaVu Sans Mono draws it.
// take.sh runs tailui on the test bed in tmux and calls it.
//
//	go run . -in capture.ans -out ../tailui.png -cols 160 -rows 48
//
// It understands what tmux writes: SGR attributes (bold, faint, italic, underline,
// reverse, strike-through) and colours (16, 256 and 24-bit, foreground and
// background). It is a separate module so that tailui does not depend on x/image.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"log"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/width"
)

// palette is the 16 ANSI colours of the rendering terminal (a dark theme close
// to GNOME Terminal's Tango), with its default foreground and background.
var (
	palette = [16]color.RGBA{
		{0x2e, 0x34, 0x36, 0xff}, {0xe0, 0x50, 0x4f, 0xff}, {0x6a, 0xb0, 0x4a, 0xff}, {0xd8, 0xb0, 0x3a, 0xff},
		{0x4a, 0x86, 0xd0, 0xff}, {0xb0, 0x6a, 0xb8, 0xff}, {0x3a, 0xb0, 0xb0, 0xff}, {0xd3, 0xd7, 0xcf, 0xff},
		{0x6e, 0x73, 0x70, 0xff}, {0xef, 0x29, 0x29, 0xff}, {0x8a, 0xe2, 0x34, 0xff}, {0xfc, 0xe9, 0x4f, 0xff},
		{0x72, 0x9f, 0xcf, 0xff}, {0xad, 0x7f, 0xa8, 0xff}, {0x34, 0xe2, 0xe2, 0xff}, {0xee, 0xee, 0xec, 0xff},
	}
	defaultFG = color.RGBA{0xd0, 0xd0, 0xcc, 0xff}
	defaultBG = color.RGBA{0x1a, 0x1b, 0x1e, 0xff}
)

// ansi256 returns colour n of the xterm 256-colour table.
func ansi256(n int) color.RGBA {
	switch {
	case n < 16:
		return palette[n]
	case n < 232:
		n -= 16
		level := func(v int) uint8 {
			if v == 0 {
				return 0
			}
			return uint8(55 + 40*v)
		}
		return color.RGBA{level(n / 36), level(n / 6 % 6), level(n % 6), 0xff}
	default:
		v := uint8(8 + 10*(n-232))
		return color.RGBA{v, v, v, 0xff}
	}
}

// attrs is the SGR state of a cell. A nil colour is the terminal's default.
type attrs struct {
	fg, bg                                          *color.RGBA
	bold, faint, italic, underline, reverse, strike bool
}

type cell struct {
	r rune
	a attrs
	w int // 2 for the first half of a wide character, 0 for its second half
}

// sgr applies the parameters of one CSI ... m sequence.
func (a *attrs) sgr(params string) {
	if params == "" {
		params = "0"
	}
	ps := strings.FieldsFunc(params, func(r rune) bool { return r == ';' || r == ':' })
	num := func(i int) int {
		if i >= len(ps) {
			return 0
		}
		n, _ := strconv.Atoi(ps[i])
		return n
	}
	for i := 0; i < len(ps); i++ {
		p := num(i)
		switch {
		case p == 0:
			*a = attrs{}
		case p == 1:
			a.bold = true
		case p == 2:
			a.faint = true
		case p == 3:
			a.italic = true
		case p == 4:
			a.underline = true
		case p == 7:
			a.reverse = true
		case p == 9:
			a.strike = true
		case p == 22:
			a.bold, a.faint = false, false
		case p == 23:
			a.italic = false
		case p == 24:
			a.underline = false
		case p == 27:
			a.reverse = false
		case p == 29:
			a.strike = false
		case p >= 30 && p <= 37:
			c := palette[p-30]
			a.fg = &c
		case p >= 90 && p <= 97:
			c := palette[p-90+8]
			a.fg = &c
		case p >= 40 && p <= 47:
			c := palette[p-40]
			a.bg = &c
		case p >= 100 && p <= 107:
			c := palette[p-100+8]
			a.bg = &c
		case p == 39:
			a.fg = nil
		case p == 49:
			a.bg = nil
		case p == 38 || p == 48:
			var c color.RGBA
			switch num(i + 1) {
			case 5:
				c = ansi256(num(i + 2))
				i += 2
			case 2:
				c = color.RGBA{uint8(num(i + 2)), uint8(num(i + 3)), uint8(num(i + 4)), 0xff}
				i += 4
			default:
				continue
			}
			if p == 38 {
				a.fg = &c
			} else {
				a.bg = &c
			}
		}
	}
}

// parse turns the capture into a grid of cols × rows cells.
func parse(lines []string, cols, rows int) [][]cell {
	grid := make([][]cell, rows)
	for y := range grid {
		grid[y] = make([]cell, cols)
		for x := range grid[y] {
			grid[y][x] = cell{r: ' ', w: 1}
		}
	}
	var a attrs // tmux carries attributes across lines
	for y, l := range lines {
		if y >= rows {
			break
		}
		x := 0
		for i := 0; i < len(l); {
			if l[i] == 0x1b && i+1 < len(l) && l[i+1] == '[' {
				j := i + 2
				for j < len(l) && (l[j] < 0x40 || l[j] > 0x7e) {
					j++
				}
				if j < len(l) && l[j] == 'm' {
					a.sgr(l[i+2 : j])
				}
				i = j + 1
				continue
			}
			r, size := utf8.DecodeRuneInString(l[i:])
			i += size
			w := 1
			if k := width.LookupRune(r).Kind(); k == width.EastAsianWide || k == width.EastAsianFullwidth {
				w = 2
			}
			if x+w > cols {
				break
			}
			grid[y][x] = cell{r: r, a: a, w: w}
			if w == 2 {
				grid[y][x+1] = cell{r: 0, a: a, w: 0}
			}
			x += w
		}
		// The rest of the row keeps the background in effect (tmux trims it).
		for ; x < cols; x++ {
			grid[y][x].a = attrs{bg: a.bg}
		}
	}
	return grid
}

func blend(a, b color.RGBA, t float64) color.RGBA {
	m := func(x, y uint8) uint8 { return uint8(float64(x)*(1-t) + float64(y)*t) }
	return color.RGBA{m(a.R, b.R), m(a.G, b.G), m(a.B, b.B), 0xff}
}

func loadFace(path string, size float64) font.Face {
	data, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	f, err := opentype.Parse(data)
	if err != nil {
		log.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		log.Fatal(err)
	}
	return face
}

func main() {
	in := flag.String("in", "", "capture (tmux capture-pane -e -p)")
	out := flag.String("out", "", "PNG to write")
	cols := flag.Int("cols", 160, "terminal columns")
	rows := flag.Int("rows", 48, "terminal rows")
	fonts := flag.String("fonts", "/usr/share/fonts/truetype/dejavu", "directory with DejaVuSansMono.ttf and DejaVuSansMono-Bold.ttf")
	size := flag.Float64("size", 14, "font size in pixels")
	flag.Parse()

	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	f.Close()
	grid := parse(lines, *cols, *rows)

	regular := loadFace(*fonts+"/DejaVuSansMono.ttf", *size)
	bold := loadFace(*fonts+"/DejaVuSansMono-Bold.ttf", *size)
	adv, _ := regular.GlyphAdvance('M')
	m := regular.Metrics()
	cw := adv.Ceil()
	ch := (m.Ascent + m.Descent).Ceil() + 1
	pad := 14

	img := image.NewRGBA(image.Rect(0, 0, *cols*cw+2*pad, *rows*ch+2*pad))
	draw.Draw(img, img.Bounds(), &image.Uniform{defaultBG}, image.Point{}, draw.Src)
	for y, row := range grid {
		for x, c := range row {
			if c.w == 0 {
				continue
			}
			fg, bg := defaultFG, defaultBG
			if c.a.fg != nil {
				fg = *c.a.fg
			}
			if c.a.bg != nil {
				bg = *c.a.bg
			}
			if c.a.reverse {
				fg, bg = bg, fg
			}
			if c.a.faint {
				fg = blend(fg, bg, 0.45)
			}
			px, py := pad+x*cw, pad+y*ch
			cell := image.Rect(px, py, px+c.w*cw, py+ch)
			draw.Draw(img, cell, &image.Uniform{bg}, image.Point{}, draw.Src)
			base := py + m.Ascent.Ceil()
			if c.r != ' ' {
				face := regular
				if c.a.bold {
					face = bold
				}
				if isBoxDrawing(c.r) {
					drawBox(img, c.r, cell, fg)
				} else {
					d := font.Drawer{Dst: img, Src: &image.Uniform{fg}, Face: face, Dot: fixed.P(px, base)}
					d.DrawString(string(c.r))
				}
			}
			if c.a.underline {
				draw.Draw(img, image.Rect(px, base+2, px+c.w*cw, base+3), &image.Uniform{fg}, image.Point{}, draw.Src)
			}
			if c.a.strike {
				draw.Draw(img, image.Rect(px, py+ch/2, px+c.w*cw, py+ch/2+1), &image.Uniform{fg}, image.Point{}, draw.Src)
			}
		}
	}
	o, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(o, img); err != nil {
		log.Fatal(err)
	}
	if err := o.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %dx%d pixels, %dx%d cells\n", *out, img.Bounds().Dx(), img.Bounds().Dy(), *cols, *rows)
}

// isBoxDrawing reports the light lines the TUI draws between panes; a terminal
// joins them from cell to cell, which a font's glyph does not always do.
func isBoxDrawing(r rune) bool {
	switch r {
	case '│', '─', '┼', '├', '┤', '┬', '┴':
		return true
	}
	return false
}

func drawBox(img *image.RGBA, r rune, c image.Rectangle, fg color.RGBA) {
	mx, my := (c.Min.X+c.Max.X)/2, (c.Min.Y+c.Max.Y)/2
	u := &image.Uniform{fg}
	vert := func(y0, y1 int) { draw.Draw(img, image.Rect(mx, y0, mx+1, y1), u, image.Point{}, draw.Src) }
	horz := func(x0, x1 int) { draw.Draw(img, image.Rect(x0, my, x1, my+1), u, image.Point{}, draw.Src) }
	switch r {
	case '│':
		vert(c.Min.Y, c.Max.Y)
	case '─':
		horz(c.Min.X, c.Max.X)
	case '┼':
		vert(c.Min.Y, c.Max.Y)
		horz(c.Min.X, c.Max.X)
	case '├':
		vert(c.Min.Y, c.Max.Y)
		horz(mx, c.Max.X)
	case '┤':
		vert(c.Min.Y, c.Max.Y)
		horz(c.Min.X, mx+1)
	case '┬':
		horz(c.Min.X, c.Max.X)
		vert(my, c.Max.Y)
	case '┴':
		horz(c.Min.X, c.Max.X)
		vert(c.Min.Y, my+1)
	}
}
