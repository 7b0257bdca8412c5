package stream

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Where is a compiled structured filter expression (--where): comparisons of a
// line's fields joined with &&, || and !, grouped with parentheses:
//
//	level>=warn && (status>=500 || msg~"timeout") && pod!=web-0
//
// A field name is looked up, in this order, as:
//   - level: the line's severity (DetectLevel: JSON and logfmt level fields, klog's
//     E1201 header, a level word near the start of a plain line), compared by
//     severity, trace < debug < info < warn < error < fatal; the value may be any
//     usual spelling (WARNING, ERR, E, W, CRITICAL, ...);
//   - line: the whole text of the line;
//   - a field of the line's Origin: pod, container, namespace for pod logs, the
//     label names of a Loki stream;
//   - a field of the line itself, when it is a JSON object or logfmt (ParseFields),
//     nested JSON keys joined with dots (http.status).
//
// Operators are = and != (equality), <, <=, > and >= (numeric when both sides are
// numbers, by severity for level, by byte order otherwise), ~ and !~ (RE2 regular
// expression search in the value). A comparison with a field the line does not have
// is false, whatever the operator; so `!(user=bob)` keeps lines without a user while
// `user!=bob` does not. Values are bare words, or quoted with "..." (Go escapes) or
// '...' (raw). Markers always pass.
//
// A Where is safe for concurrent use.
type Where struct {
	src   string
	root  node
	lines bool // some comparison needs the line's own fields
}

// WhereError is a malformed expression: what is wrong and at which column (1-based,
// in runes) of the expression.
type WhereError struct {
	Column int
	Msg    string
}

func (e *WhereError) Error() string { return fmt.Sprintf("%s at column %d", e.Msg, e.Column) }

// ParseWhere compiles expr. Its error is a *WhereError.
func ParseWhere(expr string) (*Where, error) {
	p := &parser{src: expr}
	p.next()
	if p.tok.kind == tEOF {
		return nil, p.errAt(p.tok, "empty expression: expected a comparison such as level>=warn")
	}
	root, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		switch p.tok.kind {
		case tRParen:
			return nil, p.errAt(p.tok, `unexpected ")" with no "(" before it`)
		case tBad:
			return nil, p.errAt(p.tok, p.tok.msg)
		}
		return nil, p.errAt(p.tok, fmt.Sprintf(`expected "&&" or "||" before %s`, p.tok.describe()))
	}
	return &Where{src: expr, root: root, lines: needsLine(root)}, nil
}

// String returns the expression as given.
func (w *Where) String() string { return w.src }

// Match reports whether l passes the expression. Markers always do.
func (w *Where) Match(l *Line) bool {
	if w == nil || l.Kind != KindLog {
		return true
	}
	ev := evalCtx{line: l}
	if w.lines {
		ev.fields = ParseFields(l.Text)
	}
	return w.root.eval(&ev)
}

// evalCtx is one line being evaluated.
type evalCtx struct {
	line   *Line
	fields LineFields
	lvl    Level
	lvlSet bool
}

func (c *evalCtx) level() Level {
	if !c.lvlSet {
		c.lvl, _, _ = DetectLevel(c.line.Text)
		c.lvlSet = true
	}
	return c.lvl
}

func (c *evalCtx) lookup(name string) (string, bool) {
	if name == "line" {
		return c.line.Text, true
	}
	if o := c.line.Origin; o != nil {
		if v, ok := o.Fields[name]; ok {
			return v, true
		}
	}
	v, ok := c.fields[name]
	return v, ok
}

type node interface {
	eval(c *evalCtx) bool
}

type (
	orNode  struct{ a, b node }
	andNode struct{ a, b node }
	notNode struct{ a node }
	cmpNode struct {
		field string
		op    string
		value string
		num   float64
		isNum bool
		lvl   Level
		re    *regexp.Regexp
	}
)

func (n orNode) eval(c *evalCtx) bool  { return n.a.eval(c) || n.b.eval(c) }
func (n andNode) eval(c *evalCtx) bool { return n.a.eval(c) && n.b.eval(c) }
func (n notNode) eval(c *evalCtx) bool { return !n.a.eval(c) }

func (n *cmpNode) eval(c *evalCtx) bool {
	if n.field == "level" && n.re == nil {
		lv := c.level()
		if lv == LevelNone {
			return false
		}
		return order(n.op, int(lv)-int(n.lvl))
	}
	v, ok := c.lookup(n.field)
	if !ok {
		return false
	}
	if n.re != nil {
		return n.re.MatchString(v) == (n.op == "~")
	}
	if n.isNum {
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			switch {
			case f < n.num:
				return order(n.op, -1)
			case f > n.num:
				return order(n.op, 1)
			default:
				return order(n.op, 0)
			}
		}
	}
	return order(n.op, strings.Compare(v, n.value))
}

// order reports whether a comparison whose sides compare as cmp (<0, 0, >0) holds.
func order(op string, cmp int) bool {
	switch op {
	case "=":
		return cmp == 0
	case "!=":
		return cmp != 0
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	}
	return false
}

func needsLine(n node) bool {
	switch n := n.(type) {
	case orNode:
		return needsLine(n.a) || needsLine(n.b)
	case andNode:
		return needsLine(n.a) || needsLine(n.b)
	case notNode:
		return needsLine(n.a)
	case *cmpNode:
		return n.field != "level" && n.field != "line" || n.field == "level" && n.re != nil
	}
	return false
}

// ---- parsing

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tValue // a quoted string
	tOp    // = != < <= > >= ~ !~
	tAnd
	tOr
	tNot
	tLParen
	tRParen
	tBad
)

type token struct {
	kind tokKind
	text string // the value for tIdent and tValue, the operator for tOp
	pos  int    // byte offset in the source
	msg  string // for tBad
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "the end"
	case tValue:
		return strconv.Quote(t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

type parser struct {
	src string
	pos int
	tok token
}

func (p *parser) errAt(t token, msg string) error {
	return &WhereError{Column: utf8.RuneCountInString(p.src[:t.pos]) + 1, Msg: msg}
}

// bareStop reports whether c ends a bare word.
func bareStop(c byte) bool {
	switch c {
	case ' ', '\t', '(', ')', '!', '&', '|', '=', '<', '>', '~', '"', '\'':
		return true
	}
	return false
}

func (p *parser) next() {
	s := p.src
	for p.pos < len(s) && (s[p.pos] == ' ' || s[p.pos] == '\t') {
		p.pos++
	}
	start := p.pos
	if p.pos == len(s) {
		p.tok = token{kind: tEOF, pos: start}
		return
	}
	two := ""
	if p.pos+1 < len(s) {
		two = s[p.pos : p.pos+2]
	}
	switch two {
	case "&&":
		p.pos += 2
		p.tok = token{kind: tAnd, text: two, pos: start}
		return
	case "||":
		p.pos += 2
		p.tok = token{kind: tOr, text: two, pos: start}
		return
	case "!=", "<=", ">=", "!~":
		p.pos += 2
		p.tok = token{kind: tOp, text: two, pos: start}
		return
	case "==":
		p.pos += 2
		p.tok = token{kind: tOp, text: "=", pos: start}
		return
	}
	switch c := s[p.pos]; c {
	case '&', '|':
		p.pos++
		p.tok = token{kind: tBad, text: string(c), pos: start, msg: fmt.Sprintf(`%q is not an operator: use "%c%c"`, string(c), c, c)}
	case '=', '<', '>', '~':
		p.pos++
		p.tok = token{kind: tOp, text: string(c), pos: start}
	case '!':
		p.pos++
		p.tok = token{kind: tNot, text: "!", pos: start}
	case '(':
		p.pos++
		p.tok = token{kind: tLParen, text: "(", pos: start}
	case ')':
		p.pos++
		p.tok = token{kind: tRParen, text: ")", pos: start}
	case '"', '\'':
		p.quoted(c, start)
	default:
		for p.pos < len(s) && !bareStop(s[p.pos]) {
			p.pos++
		}
		p.tok = token{kind: tIdent, text: s[start:p.pos], pos: start}
	}
}

func (p *parser) quoted(q byte, start int) {
	s := p.src
	i := start + 1
	for i < len(s) && s[i] != q {
		if s[i] == '\\' && q == '"' {
			i++
		}
		i++
	}
	if i >= len(s) {
		p.pos = len(s)
		p.tok = token{kind: tBad, pos: start, msg: fmt.Sprintf("unclosed %c quote", q)}
		return
	}
	p.pos = i + 1
	raw := s[start:p.pos]
	if q == '\'' {
		p.tok = token{kind: tValue, text: raw[1 : len(raw)-1], pos: start}
		return
	}
	v, err := strconv.Unquote(raw)
	if err != nil {
		p.tok = token{kind: tBad, pos: start, msg: fmt.Sprintf("bad escape in %s", raw)}
		return
	}
	p.tok = token{kind: tValue, text: v, pos: start}
}

func (p *parser) or() (node, error) {
	a, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tOr {
		op := p.tok
		p.next()
		if p.tok.kind == tEOF {
			return nil, p.errAt(p.tok, fmt.Sprintf(`expected a comparison after %q`, op.text))
		}
		b, err := p.and()
		if err != nil {
			return nil, err
		}
		a = orNode{a, b}
	}
	return a, nil
}

func (p *parser) and() (node, error) {
	a, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.tok.kind == tAnd {
		op := p.tok
		p.next()
		if p.tok.kind == tEOF {
			return nil, p.errAt(p.tok, fmt.Sprintf(`expected a comparison after %q`, op.text))
		}
		b, err := p.unary()
		if err != nil {
			return nil, err
		}
		a = andNode{a, b}
	}
	return a, nil
}

func (p *parser) unary() (node, error) {
	switch p.tok.kind {
	case tNot:
		p.next()
		a, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notNode{a}, nil
	case tLParen:
		open := p.tok
		p.next()
		a, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			if p.tok.kind == tEOF {
				return nil, p.errAt(open, `"(" is never closed`)
			}
			return nil, p.errAt(p.tok, fmt.Sprintf(`expected ")" before %s`, p.tok.describe()))
		}
		p.next()
		return a, nil
	}
	return p.comparison()
}

func (p *parser) comparison() (node, error) {
	switch p.tok.kind {
	case tBad:
		return nil, p.errAt(p.tok, p.tok.msg)
	case tIdent:
	case tEOF:
		return nil, p.errAt(p.tok, "expected a field name")
	default:
		return nil, p.errAt(p.tok, fmt.Sprintf("expected a field name, found %s", p.tok.describe()))
	}
	field := p.tok
	p.next()
	if p.tok.kind == tBad {
		return nil, p.errAt(p.tok, p.tok.msg)
	}
	if p.tok.kind != tOp {
		return nil, p.errAt(p.tok, fmt.Sprintf(`expected an operator (=, !=, <, <=, >, >=, ~, !~) after %q`, field.text))
	}
	op := p.tok
	p.next()
	val := p.tok
	switch val.kind {
	case tIdent, tValue:
	case tBad:
		return nil, p.errAt(val, val.msg)
	default:
		return nil, p.errAt(val, fmt.Sprintf("expected a value after %q", op.text))
	}
	p.next()
	n := &cmpNode{field: field.text, op: op.text, value: val.text}
	switch {
	case op.text == "~" || op.text == "!~":
		re, err := regexp.Compile(val.text)
		if err != nil {
			return nil, p.errAt(val, fmt.Sprintf("bad regular expression %q: %v", val.text, regexErr(err)))
		}
		n.re = re
	case field.text == "level":
		if n.lvl = ParseLevel(val.text); n.lvl == LevelNone {
			return nil, p.errAt(val, fmt.Sprintf("%q is not a level: use trace, debug, info, warn, error or fatal", val.text))
		}
	default:
		if f, err := strconv.ParseFloat(val.text, 64); err == nil {
			n.num, n.isNum = f, true
		}
	}
	return n, nil
}

// regexErr is the reason of a regexp error without the pattern repeated.
func regexErr(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return string(se.Code)
	}
	return err.Error()
}
